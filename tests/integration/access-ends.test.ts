import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CobrowseState, MediaJoinResult, OfferEvent } from '@etax-assist/protocol';
import { EventLog } from '../harness/events.js';
import { startTestCluster, startTestService, type TestCluster, type TestService } from '../harness/service.js';
import { activeSession, type ActiveSession } from '../harness/session.js';
import { connectSocket, rawRequest, request, requestOk, type DeclaredRequest, type TestSocket } from '../harness/socket.js';

const OPUS = { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 44440000 }] };
const DTLS = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: Array(32).fill('AB').join(':') }] };
const meta = (t: number) => ({ type: 4, data: { href: 'https://portal/x', width: 800, height: 600 }, timestamp: t });
const full = (t: number) => ({
  type: 2,
  data: { node: { type: 0, childNodes: [{ type: 3, textContent: 'form', id: 2 }], id: 1 }, initialOffset: { left: 0, top: 0 } },
  timestamp: t,
});
const mutation = (t: number) => ({ type: 3, data: { source: 0, texts: [], attributes: [], removes: [], adds: [] }, timestamp: t });

const STAFF = {
  agent1: { password: 'agent1-pass', role: 'agent' },
  agent2: { password: 'agent2-pass', role: 'agent' },
  expert1: { password: 'expert1-pass', role: 'expert' },
  super1: { password: 'super1-pass', role: 'supervisor' },
} as const;

interface Party {
  socket: TestSocket;
  log: EventLog;
  /** `role:sub`: the participant id, and the media peer id. */
  peer: string;
}

/** Events that carry something of the session (its screen, drawings, chat, call). */
const SESSION_CONTENT = /^(cobrowse|chat|media):/;

/**
 * Every way a participant stops taking part in a session: afterwards its socket receives nothing
 * more of it (screen, annotations, chat, control state), its media there is closed, and every
 * request about the session is refused, while the participants who remain are served as before.
 */
describe('access ends when participation ends (real service, real Redis, real mediasoup worker)', () => {
  let t: TestService;
  const open: TestSocket[] = [];
  let tick = 1000;

  beforeAll(async () => {
    // heartbeats every minute: a test stops an agent's heartbeats by ageing them in Redis;
    // no wrap-up time, so that agent1 is free for the next test as soon as a session ends
    t = await startTestService({
      DISPATCH_AGENT_HEARTBEAT_INTERVAL_MS: '60000',
      DISPATCH_AGENT_HEARTBEAT_TIMEOUT_S: '120',
      MEDIA_DISCONNECT_GRACE_S: '60',
      DISPATCH_WRAP_UP_S: '0',
    });
  });
  afterAll(async () => {
    for (const socket of open) socket.close();
    await t?.stop();
  });

  async function staff(username: keyof typeof STAFF): Promise<Party> {
    const socket = await connectSocket(t.url, await t.staffToken(username, STAFF[username].password));
    open.push(socket);
    return { socket, log: new EventLog(socket), peer: `${STAFF[username].role}:${username}` };
  }

  const room = (sessionId: string) => t.service.pool.getRoom(sessionId);

  /** A video session of agent1 with the taxpayer sharing and talking, agent1 watching and listening. */
  async function session(sub: string): Promise<{ s: ActiveSession; taxpayer: Party; agent: Party; producerId: string; caps: MediaJoinResult['routerRtpCapabilities'] }> {
    const s = await activeSession(t, sub, { username: 'agent1', password: STAFF.agent1.password });
    open.push(s.taxpayer.socket, s.agent.socket);
    const taxpayer = { ...s.taxpayer, peer: `taxpayer:${sub}` };
    const agent = { ...s.agent, peer: 'agent:agent1' };
    const { sessionId } = s;
    await requestOk(agent.socket, 'cobrowse:watch', { sessionId });
    await requestOk(taxpayer.socket, 'cobrowse:share', { sessionId, sharing: true });
    await requestOk(taxpayer.socket, 'cobrowse:events', { sessionId, seq: 0, events: [meta(1), full(2)] });
    const join = await requestOk(taxpayer.socket, 'media:join', { sessionId });
    const send = await requestOk(taxpayer.socket, 'media:create-transport', { sessionId, direction: 'send' });
    await requestOk(taxpayer.socket, 'media:connect-transport', { sessionId, transportId: send.transportId, dtlsParameters: DTLS });
    const { producerId } = await requestOk(taxpayer.socket, 'media:produce', {
      sessionId,
      transportId: send.transportId,
      kind: 'audio',
      rtpParameters: OPUS,
      source: 'mic',
    });
    await listen(agent, sessionId, producerId, join.routerRtpCapabilities);
    return { s, taxpayer, agent, producerId, caps: join.routerRtpCapabilities };
  }

  /** The party joins the call and receives the taxpayer's microphone. */
  async function listen(party: Party, sessionId: string, producerId: string, caps: MediaJoinResult['routerRtpCapabilities']): Promise<void> {
    await requestOk(party.socket, 'media:join', { sessionId });
    const recv = await requestOk(party.socket, 'media:create-transport', { sessionId, direction: 'recv' });
    const consumer = await requestOk(party.socket, 'media:consume', { sessionId, transportId: recv.transportId, producerId, rtpCapabilities: caps });
    await requestOk(party.socket, 'media:set-consumer-paused', { sessionId, consumerId: consumer.consumerId, paused: false });
    expect(room(sessionId)?.participant(party.peer)?.consumers.size).toBe(1);
  }

  /** Sends the taxpayer's screen and chat, and the remaining staff's drawing: `remaining` gets them, `removed` nothing. */
  async function expectCutOff(sessionId: string, removed: Party, taxpayer: Party, remaining: Party): Promise<void> {
    // its media in the session is closed at once (not after the disconnect grace period)
    await expect.poll(() => room(sessionId)?.participant(removed.peer)).toBeUndefined();
    const from = removed.log.mark();
    const at = ++tick;
    await requestOk(taxpayer.socket, 'cobrowse:events', { sessionId, seq: at, events: [mutation(at)] });
    await remaining.log.next<{ events: { timestamp: number }[] }>('cobrowse:events', (e) => e.events.some((x) => x.timestamp === at));
    await requestOk(remaining.socket, 'cobrowse:annotate', { sessionId, annotation: { kind: 'pointer', x: at, y: 1 } });
    await taxpayer.log.next<{ annotation: { x?: number } }>('cobrowse:annotation', (e) => e.annotation.x === at);
    const text = `still there ${at}?`;
    await requestOk(taxpayer.socket, 'chat:send', { sessionId, text });
    await remaining.log.next<{ text: string }>('chat:message', (m) => m.text === text);
    expect(
      removed.log.events
        .slice(from)
        .map((e) => e.name)
        .filter((name) => SESSION_CONTENT.test(name)),
    ).toEqual([]);
    // every later request about the session is refused
    const refusals: [...DeclaredRequest, string][] = [
      ['chat:send', { sessionId, text: 'hello?' }, 'NOT_FOUND'],
      ['chat:history', { sessionId }, 'NOT_FOUND'],
      ['cobrowse:watch', { sessionId }, 'NOT_FOUND'],
      ['cobrowse:annotate', { sessionId, annotation: { kind: 'clear' } }, 'NOT_FOUND'],
      ['cobrowse:control-request', { sessionId }, 'NOT_FOUND'],
      ['media:join', { sessionId }, 'NOT_FOUND'],
      ['media:create-transport', { sessionId, direction: 'recv' }, 'CONFLICT'],
      ['session:card', { sessionId }, 'NOT_FOUND'],
    ];
    for (const [name, payload, code] of refusals) {
      expect({ name, ack: await request(removed.socket, name, payload) }).toMatchObject({ name, ack: { ok: false, error: { code } } });
    }
    // the remaining participant still has its call
    expect(room(sessionId)?.participant(remaining.peer)?.consumers.size).toBe(1);
  }

  it('an agent whose session was reassigned to someone else: screen, media, chat and control end; the new agent gets control', async () => {
    const { s, taxpayer, agent, producerId, caps } = await session('tp-reassign');
    const { sessionId } = s;
    await requestOk(agent.socket, 'cobrowse:control-request', { sessionId });
    await requestOk(taxpayer.socket, 'cobrowse:control-answer', { sessionId, grant: true, requesterId: 'agent1' });
    const agent2 = await staff('agent2');
    await requestOk(agent2.socket, 'agent:status', { status: 'available' });
    const supervisor = await staff('super1');
    const released = taxpayer.log.next<CobrowseState>('cobrowse:state', (st) => st.control === 'none', 10_000, taxpayer.log.mark());
    await requestOk(supervisor.socket, 'supervisor:reassign', { sessionId, agentId: 'agent2' });
    const offer = await agent2.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionId);
    await requestOk(agent2.socket, 'offer:accept', { offerId: offer.offerId });
    // releasing the participant released its control: the taxpayer is told nobody holds it
    expect((await released).controller).toBeUndefined();
    await requestOk(agent2.socket, 'cobrowse:watch', { sessionId });
    await listen(agent2, sessionId, producerId, caps);
    await expectCutOff(sessionId, agent, taxpayer, agent2);
    expect(await request(agent2.socket, 'cobrowse:control-request', { sessionId })).toMatchObject({ ok: true, result: { control: 'requested', controller: { id: 'agent2' } } });
    await requestOk(agent2.socket, 'session:end', { sessionId });
    await requestOk(agent2.socket, 'agent:status', { status: 'away' });
  });

  it('the agent who handed a session over to an expert keeps it until it leaves, then has nothing of it', async () => {
    const { s, taxpayer, agent, producerId, caps } = await session('tp-handover');
    const { sessionId } = s;
    const expert = await staff('expert1');
    await requestOk(expert.socket, 'agent:status', { status: 'available' });
    await requestOk(agent.socket, 'session:escalate', { sessionId, note: '需要专家' });
    const offer = await expert.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionId);
    await requestOk(expert.socket, 'offer:accept', { offerId: offer.offerId });
    await requestOk(expert.socket, 'cobrowse:watch', { sessionId });
    await listen(expert, sessionId, producerId, caps);
    // a warm hand-over: both agents are in the session until the first one leaves
    const at = ++tick;
    await requestOk(taxpayer.socket, 'cobrowse:events', { sessionId, seq: at, events: [mutation(at)] });
    await agent.log.next<{ events: { timestamp: number }[] }>('cobrowse:events', (e) => e.events.some((x) => x.timestamp === at));
    await requestOk(agent.socket, 'session:leave', { sessionId });
    await expectCutOff(sessionId, agent, taxpayer, expert);
    await requestOk(expert.socket, 'session:end', { sessionId });
    await requestOk(expert.socket, 'agent:status', { status: 'away' });
  });

  it('a supervisor after unobserve: nothing of the monitored session reaches any of its tabs', async () => {
    const { s, taxpayer, agent, producerId, caps } = await session('tp-monitored');
    const { sessionId } = s;
    const supervisor = await staff('super1');
    const secondTab = await staff('super1');
    await requestOk(supervisor.socket, 'supervisor:observe', { sessionId, mode: 'join' });
    await requestOk(supervisor.socket, 'cobrowse:watch', { sessionId });
    await requestOk(secondTab.socket, 'cobrowse:watch', { sessionId });
    await listen(supervisor, sessionId, producerId, caps);
    const before = ++tick;
    await requestOk(taxpayer.socket, 'cobrowse:events', { sessionId, seq: before, events: [mutation(before)] });
    await secondTab.log.next<{ events: { timestamp: number }[] }>('cobrowse:events', (e) => e.events.some((x) => x.timestamp === before));
    await requestOk(supervisor.socket, 'supervisor:unobserve', { sessionId });
    const from = secondTab.log.mark();
    await expectCutOff(sessionId, supervisor, taxpayer, agent);
    expect(
      secondTab.log.events
        .slice(from)
        .map((e) => e.name)
        .filter((name) => SESSION_CONTENT.test(name)),
    ).toEqual([]);
    await requestOk(agent.socket, 'session:end', { sessionId });
  });

  it('an agent set offline by a supervisor, and one whose heartbeats stopped, lose the session they were serving', async () => {
    for (const cause of ['offline', 'heartbeat'] as const) {
      const { s, taxpayer, agent, producerId, caps } = await session(`tp-${cause}`);
      const { sessionId } = s;
      const agent2 = await staff('agent2');
      await requestOk(agent2.socket, 'agent:status', { status: 'available' });
      if (cause === 'offline') {
        const supervisor = await staff('super1');
        await requestOk(supervisor.socket, 'supervisor:agent-status', { agentId: 'agent1', status: 'offline' });
      } else {
        // the agent's instance stopped vouching for it: the sweep finds its presence too old
        await t.service.redis.zAdd('dp:presence', { score: 0, value: 'agent1' });
      }
      // the session goes back to the queue and on to the next agent
      const offer = await agent2.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionId);
      await requestOk(agent2.socket, 'offer:accept', { offerId: offer.offerId });
      await requestOk(agent2.socket, 'cobrowse:watch', { sessionId });
      await listen(agent2, sessionId, producerId, caps);
      await expectCutOff(sessionId, agent, taxpayer, agent2);
      await requestOk(agent2.socket, 'session:end', { sessionId });
      await requestOk(agent2.socket, 'agent:status', { status: 'away' });
      agent2.socket.close();
    }
  });

  it('a session that is over keeps nobody in its rooms', async () => {
    const { s, agent } = await session('tp-ended');
    const { sessionId } = s;
    const inRooms = async () => (await t.service.app.io.in([`session:${sessionId}`, `mirror:${sessionId}`]).fetchSockets()).length;
    expect(await inRooms()).toBeGreaterThanOrEqual(2);
    await requestOk(agent.socket, 'session:end', { sessionId });
    await expect.poll(() => room(sessionId)).toBeUndefined();
    // wrap-up ends by itself here (DISPATCH_WRAP_UP_S=0): the session is over
    await expect.poll(inRooms).toBe(0);
  });

  it('cobrowse:unwatch stops the mirror for that socket only', async () => {
    const { s, taxpayer, agent } = await session('tp-unwatch');
    const { sessionId } = s;
    const supervisor = await staff('super1');
    await requestOk(supervisor.socket, 'supervisor:observe', { sessionId, mode: 'monitor' });
    await requestOk(supervisor.socket, 'cobrowse:watch', { sessionId });
    await requestOk(agent.socket, 'cobrowse:unwatch', { sessionId });
    const from = agent.log.mark();
    const at = ++tick;
    await requestOk(taxpayer.socket, 'cobrowse:events', { sessionId, seq: at, events: [mutation(at)] });
    await supervisor.log.next<{ events: { timestamp: number }[] }>('cobrowse:events', (e) => e.events.some((x) => x.timestamp === at));
    expect(agent.log.of('cobrowse:events', from)).toEqual([]);
    await requestOk(agent.socket, 'session:end', { sessionId });
  });

  it('a supervisor replays a session once it is over; a live one only while observing it', async () => {
    const { s, agent } = await session('tp-replay');
    const { sessionId } = s;
    const supervisor = await staff('super1');
    expect(await request(supervisor.socket, 'cobrowse:recording', { sessionId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await requestOk(supervisor.socket, 'supervisor:observe', { sessionId, mode: 'monitor' });
    expect(await request(supervisor.socket, 'cobrowse:recording', { sessionId })).toMatchObject({ ok: true });
    await requestOk(supervisor.socket, 'supervisor:unobserve', { sessionId });
    expect(await request(supervisor.socket, 'cobrowse:recording', { sessionId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await requestOk(agent.socket, 'session:end', { sessionId });
    const page = await requestOk(supervisor.socket, 'cobrowse:recording', { sessionId });
    expect(page.entries.map((e) => e.kind)).toContain('rrweb');
  });

  it('consent names its requester: a competing request is refused, and an answer applies only to the agent it names', async () => {
    const { s, taxpayer, agent } = await session('tp-consent');
    const { sessionId } = s;
    const supervisor = await staff('super1');
    await requestOk(supervisor.socket, 'supervisor:observe', { sessionId, mode: 'join' });
    await requestOk(agent.socket, 'cobrowse:control-request', { sessionId });
    // the taxpayer is being asked about agent1: a second request does not take its place
    expect(await request(supervisor.socket, 'cobrowse:control-request', { sessionId })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT', details: { reason: 'control-pending', controller: { id: 'agent1' } } },
    });
    // an answer about someone else (a stale dialog) grants nothing
    expect(await request(taxpayer.socket, 'cobrowse:control-answer', { sessionId, grant: true, requesterId: 'super1' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await rawRequest(taxpayer.socket, 'cobrowse:control-answer', { sessionId, grant: true })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await requestOk(taxpayer.socket, 'cobrowse:control-answer', { sessionId, grant: true, requesterId: 'agent1' })).toMatchObject({
      control: 'granted',
      controller: { id: 'agent1' },
    });
    expect(await request(supervisor.socket, 'cobrowse:control-request', { sessionId })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT', details: { reason: 'control-held' } },
    });
    expect(await request(supervisor.socket, 'cobrowse:control-input', { sessionId, input: { action: 'click', nodeId: 2 } })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    await requestOk(agent.socket, 'session:end', { sessionId });
  });

  it('caps the transports and producers a participant may hold', async () => {
    const { s, taxpayer } = await session('tp-caps');
    const { sessionId } = s;
    // the taxpayer holds one send transport already; the default cap is 4
    for (let i = 0; i < 3; i++) await requestOk(taxpayer.socket, 'media:create-transport', { sessionId, direction: 'recv' });
    expect(await request(taxpayer.socket, 'media:create-transport', { sessionId, direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'LIMIT_REACHED' } });
    const send = [...room(sessionId)!.participant('taxpayer:tp-caps')!.transports.values()].find((tr) => (tr.appData as { direction: string }).direction === 'send')!;
    for (let i = 1; i < 4; i++) {
      await requestOk(taxpayer.socket, 'media:produce', {
        sessionId,
        transportId: send.id,
        kind: 'audio',
        rtpParameters: { ...OPUS, encodings: [{ ssrc: 44440000 + i }] },
        source: 'mic',
      });
    }
    expect(
      await request(taxpayer.socket, 'media:produce', {
        sessionId,
        transportId: send.id,
        kind: 'audio',
        rtpParameters: { ...OPUS, encodings: [{ ssrc: 44449999 }] },
        source: 'mic',
      }),
    ).toMatchObject({ ok: false, error: { code: 'LIMIT_REACHED' } });
    await requestOk(s.agent.socket, 'session:end', { sessionId });
  });
});

describe('access ends on every instance', () => {
  let c: TestCluster;
  const open: TestSocket[] = [];
  beforeAll(async () => {
    c = await startTestCluster(2, { DISPATCH_WRAP_UP_S: '0' });
  });
  afterAll(async () => {
    for (const socket of open) socket.close();
    await c?.stop();
  });

  async function connect(instance: TestService, token: string): Promise<{ socket: TestSocket; log: EventLog }> {
    const socket = await connectSocket(instance.url, token);
    open.push(socket);
    return { socket, log: new EventLog(socket) };
  }

  it('an agent connected to instance 2, reassigned through instance 1, gets nothing more of the session and loses its media there', async () => {
    const [one, two] = c.instances as [TestService, TestService];
    const agent1 = await connect(two, await two.staffToken('agent1', STAFF.agent1.password));
    await requestOk(agent1.socket, 'agent:status', { status: 'available' });
    const taxpayer = await connect(one, one.taxpayerToken({ sub: 'tp-across' }));
    const { sessionId } = await requestOk(taxpayer.socket, 'help:request', { language: 'zh', topic: 'invoice', channel: 'voice', entry: { kind: 'portal', page: '/' } });
    const offer = await agent1.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionId);
    await requestOk(agent1.socket, 'offer:accept', { offerId: offer.offerId });
    await requestOk(agent1.socket, 'cobrowse:watch', { sessionId });
    await requestOk(taxpayer.socket, 'cobrowse:share', { sessionId, sharing: true });
    await requestOk(taxpayer.socket, 'cobrowse:events', { sessionId, seq: 0, events: [meta(1), full(2)] });
    await requestOk(agent1.socket, 'media:join', { sessionId });
    await requestOk(agent1.socket, 'media:create-transport', { sessionId, direction: 'recv' });
    const holder = () => c.instances.map((i) => i.service.pool.getRoom(sessionId)).find((r) => r !== undefined);
    expect(holder()?.participant('agent:agent1')).toBeDefined();

    const agent2 = await connect(one, await one.staffToken('agent2', STAFF.agent2.password));
    await requestOk(agent2.socket, 'agent:status', { status: 'available' });
    const supervisor = await connect(one, await one.staffToken('super1', STAFF.super1.password));
    await requestOk(supervisor.socket, 'supervisor:reassign', { sessionId, agentId: 'agent2' });
    const next = await agent2.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionId);
    await requestOk(agent2.socket, 'offer:accept', { offerId: next.offerId });
    await requestOk(agent2.socket, 'cobrowse:watch', { sessionId });
    await expect.poll(() => holder()?.participant('agent:agent1')).toBeUndefined();

    // a watcher that stays, on instance 2 too: what it receives, instance 2 has relayed
    const monitor = await connect(two, await two.staffToken('super1', STAFF.super1.password));
    await requestOk(monitor.socket, 'supervisor:observe', { sessionId, mode: 'monitor' });
    await requestOk(monitor.socket, 'cobrowse:watch', { sessionId });

    const from = agent1.log.mark();
    await requestOk(taxpayer.socket, 'cobrowse:events', { sessionId, seq: 1, events: [mutation(3)] });
    await requestOk(taxpayer.socket, 'chat:send', { sessionId, text: 'across' });
    for (const watcher of [agent2, monitor]) {
      await watcher.log.next<{ events: { timestamp: number }[] }>('cobrowse:events', (e) => e.events.some((x) => x.timestamp === 3));
      await watcher.log.next<{ text: string }>('chat:message', (m) => m.text === 'across');
    }
    expect(
      agent1.log.events
        .slice(from)
        .map((e) => e.name)
        .filter((name) => SESSION_CONTENT.test(name)),
    ).toEqual([]);
    expect(await request(agent1.socket, 'chat:send', { sessionId, text: 'hello?' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await requestOk(agent2.socket, 'session:end', { sessionId });
  });
});
