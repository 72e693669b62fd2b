import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssistConnection } from '@etax-assist/client-sdk';
import type { AuthEndedEvent, ChatMessage, SessionSummary } from '@etax-assist/protocol';
import { EventLog } from '../harness/events.js';
import { CLUSTER_SECRETS, DEV_PASSWORDS, startTestCluster, startTestService, type TestCluster, type TestService } from '../harness/service.js';
import { activeSession, agentTakesNextOffer } from '../harness/session.js';
import { connectSocket, request, type TestSocket } from '../harness/socket.js';

/** Short enough to expire during a test, long enough to open a session first. */
const SHORT_TTL_S = 3;
const helpRequest = { language: 'zh', topic: 'invoice', channel: 'text', entry: { kind: 'portal', page: '/' } } as const;

const disconnectReason = (socket: TestSocket): Promise<string> => new Promise((resolve) => socket.once('disconnect', resolve));

/** A reconnect of the same socket (same token): resolves with the refusal's code. */
function reconnectRefusal(socket: TestSocket): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('reconnected with a token that should be refused')));
    socket.once('connect_error', (error: Error & { data?: { code?: string } }) => resolve(error.data?.code));
    socket.connect();
  });
}

describe('a token that expires while its socket is connected', () => {
  let t: TestService;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    t = await startTestService({ ...CLUSTER_SECRETS, JWT_CLOCK_TOLERANCE_S: '0', MEDIA_DISCONNECT_GRACE_S: '60' });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await t?.stop();
  });

  it('closes the socket at expiry with TOKEN_EXPIRED and refuses the token after; the session waits for a fresh one', async () => {
    const token = t.taxpayerToken({ sub: 'tp-expiring' }, SHORT_TTL_S);
    const socket = await connectSocket(t.url, token);
    sockets.push(socket);
    const log = new EventLog(socket);
    const asked = await request(socket, 'help:request', helpRequest);
    if (!asked.ok) throw new Error(asked.error.message);
    const closed = disconnectReason(socket);

    expect(await log.next<AuthEndedEvent>('auth:ended', undefined, (SHORT_TTL_S + 10) * 1000)).toEqual({ code: 'TOKEN_EXPIRED', message: expect.any(String) });
    expect(await closed).toBe('io server disconnect');
    // the service holds the socket no more: nothing sent on it is served
    expect(t.service.app.io.of('/').sockets.has(socket.id ?? '')).toBe(false);
    expect(await reconnectRefusal(socket)).toBe('TOKEN_EXPIRED');

    const fresh = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-expiring' }));
    sockets.push(fresh);
    const freshLog = new EventLog(fresh);
    expect(await freshLog.next<SessionSummary>('session:state')).toMatchObject({ sessionId: asked.result.sessionId, state: 'queued' });
    expect(await request(fresh, 'help:cancel', { sessionId: asked.result.sessionId })).toMatchObject({ ok: true });
  });

  it('a staff sign-in that expires during a call loses its media at once (staff tokens are not renewed)', async () => {
    const token = jwt.sign({ sub: 'agent2', role: 'agent', name: '李强 Li Qiang', languages: ['zh'], topics: ['invoice'] }, CLUSTER_SECRETS.STAFF_JWT_SECRET, {
      algorithm: 'HS256',
      issuer: 'etax-assist',
      audience: 'etax-assist',
      expiresIn: SHORT_TTL_S,
      jwtid: randomUUID(),
    });
    const agent = await connectSocket(t.url, token);
    const taxpayer = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-staff-expiry' }));
    sockets.push(agent, taxpayer);
    const offered = new Promise<{ offerId: string }>((resolve) => agent.once('offer:new', resolve));
    await request(agent, 'agent:status', { status: 'available' });
    const asked = await request(taxpayer, 'help:request', { ...helpRequest, channel: 'video' });
    if (!asked.ok) throw new Error(asked.error.message);
    const { sessionId } = asked.result;
    expect(await request(agent, 'offer:accept', { offerId: (await offered).offerId })).toMatchObject({ ok: true });
    expect(await request(taxpayer, 'media:join', { sessionId })).toMatchObject({ ok: true });
    expect(await request(agent, 'media:join', { sessionId })).toMatchObject({ ok: true });
    expect(await request(agent, 'media:create-transport', { sessionId, direction: 'recv' })).toMatchObject({ ok: true });
    const room = () => t.service.pool.getRoom(sessionId);
    expect(room()?.participant('agent:agent2')).toBeDefined();
    const closed = disconnectReason(agent);
    expect(await closed).toBe('io server disconnect');
    // well within MEDIA_DISCONNECT_GRACE_S (60 s): the expired sign-in's transports are closed
    await expect.poll(() => room()?.participant('agent:agent2'), { timeout: 5000 }).toBeUndefined();
    expect(room()?.participant('taxpayer:tp-staff-expiry')).toBeDefined();
    // nothing of this session may linger into the next tests (agent2 is gone: its session would be re-queued)
    expect(await request(taxpayer, 'session:end', { sessionId })).toMatchObject({ ok: true });
  });

  /** The SDK in node as the portal embeds it; what it went through is recorded. */
  async function sdkConnection(fetchToken: () => Promise<string>) {
    const connection = await AssistConnection.connect({ serviceUrl: t.url, fetchToken });
    const signedOut: string[] = [];
    connection.on('signed-out', (error) => signedOut.push(error.code));
    const reasons: string[] = [];
    connection.socket.on('disconnect', (reason) => reasons.push(reason));
    const messages: ChatMessage[] = [];
    connection.socket.on('chat:message', (message) => messages.push(message));
    return { connection, signedOut, reasons, messages };
  }

  /** The same session goes on both ways: the taxpayer's request is served, the agent's message arrives. */
  async function sessionGoesOn(sdk: Awaited<ReturnType<typeof sdkConnection>>, sessionId: string, agent: TestSocket): Promise<void> {
    expect(await sdk.connection.request('chat:send', { sessionId, text: '还在吗？' })).toMatchObject({ text: '还在吗？' });
    expect(await request(agent, 'chat:send', { sessionId, text: '在的' })).toMatchObject({ ok: true });
    await expect.poll(() => sdk.messages.map((m) => m.text)).toContain('在的');
    expect(sdk.signedOut).toEqual([]);
  }

  it('the SDK renews its token over the live socket before it expires: no disconnect, the session goes on', async () => {
    let minted = 0;
    // the first token would expire during the test; the fresh one outlives it
    const sdk = await sdkConnection(async () => t.taxpayerToken({ sub: 'tp-sdk-renew' }, minted++ === 0 ? SHORT_TTL_S : 600));
    try {
      const taken = agentTakesNextOffer(t);
      const { sessionId } = await sdk.connection.request('help:request', helpRequest);
      const agent = await taken;
      sockets.push(agent);
      await expect.poll(() => minted, { timeout: SHORT_TTL_S * 1000 }).toBe(2);
      // past the first token's expiry the socket is still the same, served under the fresh token
      await new Promise((resolve) => setTimeout(resolve, SHORT_TTL_S * 1000 + 500));
      expect(sdk.reasons).toEqual([]);
      const served = t.service.app.io.of('/').sockets.get(sdk.connection.socket.id ?? '');
      expect(served?.data.token.validUntilMs).toBeGreaterThan(Date.now() + 500_000);
      await sessionGoesOn(sdk, sessionId, agent);
      // the next test's request must wait for its own agent socket
      expect(await request(agent, 'agent:status', { status: 'away' })).toMatchObject({ ok: true });
    } finally {
      sdk.connection.close();
    }
  });

  it("refuses a renewal with someone else's token, and a renewal with a revoked one", async () => {
    const socket = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-renewer' }));
    sockets.push(socket);
    expect(await request(socket, 'auth:renew', { token: t.taxpayerToken({ sub: 'tp-someone-else' }) })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(socket, 'auth:renew', { token: await t.staffToken('agent1', DEV_PASSWORDS.agent1) })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(socket, 'auth:renew', { token: 'not a token' })).toMatchObject({ ok: false, error: { code: 'TOKEN_INVALID' } });
    const staff = await t.staffToken('agent1', DEV_PASSWORDS.agent1);
    const agentSocket = await connectSocket(t.url, staff);
    sockets.push(agentSocket);
    const fresh = await t.staffToken('agent1', DEV_PASSWORDS.agent1);
    expect((await fetch(`${t.url}/api/auth/sign-out`, { method: 'POST', headers: { authorization: `Bearer ${fresh}` } })).status).toBe(204);
    expect(await request(agentSocket, 'auth:renew', { token: fresh })).toMatchObject({ ok: false, error: { code: 'TOKEN_REVOKED' } });
  });

  it('when the portal has no fresh token before the expiry, the SDK reconnects with one after it, in the same session', async () => {
    const short = t.taxpayerToken({ sub: 'tp-sdk' }, SHORT_TTL_S);
    const expiresAt = (jwt.decode(short) as { exp: number }).exp * 1000;
    let fresh = 0;
    // the portal hands out the same token until it has expired (a renewal then has nothing new to present)
    const sdk = await sdkConnection(async () => (Date.now() < expiresAt ? short : (fresh++, t.taxpayerToken({ sub: 'tp-sdk' }, 600))));
    const renewed = new Promise<void>((resolve) => sdk.connection.socket.once('disconnect', () => sdk.connection.socket.once('connect', () => resolve())));
    try {
      const taken = agentTakesNextOffer(t);
      const { sessionId } = await sdk.connection.request('help:request', helpRequest);
      const agent = await taken;
      sockets.push(agent);
      await renewed;
      expect(sdk.reasons).toEqual(['io server disconnect']);
      expect(fresh).toBe(1);
      await sessionGoesOn(sdk, sessionId, agent);
      expect(sdk.connection.renewingToken).toBe(false);
    } finally {
      sdk.connection.close();
    }
  });
});

describe('staff sign-out across instances', () => {
  let cluster: TestCluster;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    cluster = await startTestCluster(2, { JWT_CLOCK_TOLERANCE_S: '0' });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await cluster?.stop();
  });

  const me = (url: string, token: string) => fetch(`${url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  const signOut = (url: string, token: string) => fetch(`${url}/api/auth/sign-out`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

  it('closes the socket on the other instance with TOKEN_REVOKED, drops its media at once, and refuses the token everywhere', async () => {
    const [one, two] = cluster.instances as [TestService, TestService];
    const session = await activeSession(two, 'tp-signout', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'voice');
    sockets.push(session.agent.socket, session.taxpayer.socket);
    // the call's room lives on instance 1 (the taxpayer joined there first): the agent's media is forwarded
    const taxpayerOnOne = await connectSocket(one.url, one.taxpayerToken({ sub: 'tp-signout' }));
    sockets.push(taxpayerOnOne);
    expect(await request(taxpayerOnOne, 'media:join', { sessionId: session.sessionId })).toMatchObject({ ok: true });
    expect(await request(session.agent.socket, 'media:join', { sessionId: session.sessionId })).toMatchObject({ ok: true });
    const room = () => one.service.pool.getRoom(session.sessionId);
    expect(room()?.participant('agent:agent1')).toBeDefined();
    const token = (session.agent.socket.auth as { token: string }).token;
    const closed = disconnectReason(session.agent.socket);

    const response = await signOut(one.url, token);
    expect(response.status).toBe(204);
    expect(await session.agent.log.next<AuthEndedEvent>('auth:ended')).toEqual({ code: 'TOKEN_REVOKED', message: expect.any(String) });
    expect(await closed).toBe('io server disconnect');
    // no MEDIA_DISCONNECT_GRACE_S for a signed-out user
    await expect.poll(() => room()?.participant('agent:agent1')).toBeUndefined();
    expect(room()?.participant('taxpayer:tp-signout')).toBeDefined();
    expect(one.service.app.media.graceCount).toBe(0);

    for (const instance of cluster.instances) {
      const refused = await me(instance.url, token);
      expect(refused.status).toBe(401);
      expect(await errorCode(refused)).toBe('TOKEN_REVOKED');
      await expect(connectSocket(instance.url, token)).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    }
    // the agent's other sign-ins are not affected
    const again = await two.staffToken('agent1', DEV_PASSWORDS.agent1);
    expect((await me(one.url, again)).status).toBe(200);
  });

  it('keeps the deny-list entry exactly as long as the token would be accepted', async () => {
    const [one, two] = cluster.instances as [TestService, TestService];
    const jti = randomUUID();
    const token = jwt.sign({ sub: 'agent2', role: 'agent', name: 'Agent 2' }, CLUSTER_SECRETS.STAFF_JWT_SECRET, {
      issuer: 'etax-assist',
      audience: 'etax-assist',
      expiresIn: SHORT_TTL_S,
      jwtid: jti,
    });
    const { exp } = jwt.decode(token, { json: true }) as { exp: number };
    expect((await signOut(two.url, token)).status).toBe(204);
    const redis = createClient({ url: cluster.redis.url });
    await redis.connect();
    try {
      const ttlMs = await redis.pTTL(`auth:revoked:${jti}`);
      expect(ttlMs).toBeGreaterThan(0);
      expect(ttlMs).toBeLessThanOrEqual(exp * 1000 - Date.now() + 1000);
      expect(await errorCode(await me(one.url, token))).toBe('TOKEN_REVOKED');
      await expect.poll(() => redis.exists(`auth:revoked:${jti}`), { timeout: (SHORT_TTL_S + 5) * 1000 }).toBe(0);
      // gone with the token, which is now refused for what it is
      expect(await errorCode(await me(one.url, token))).toBe('TOKEN_EXPIRED');
    } finally {
      await redis.close();
    }
  });

  it('answers a sign-out with a token that cannot be revoked clearly', async () => {
    const [one] = cluster.instances as [TestService];
    const withoutJti = jwt.sign({ sub: 'tp-x', role: 'taxpayer', name: 'x' }, CLUSTER_SECRETS.PORTAL_JWT_SECRET, { issuer: 'etax-portal', audience: 'etax-assist', expiresIn: 60 });
    const response = await signOut(one.url, withoutJti);
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('BAD_REQUEST');
    expect((await signOut(one.url, 'garbage')).status).toBe(401);
  });
});
