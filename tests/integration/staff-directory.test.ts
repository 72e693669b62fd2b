import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEndedEvent, OfferEvent, SessionSummary, StaffEventList, StaffList, StaffMember } from '@etax-assist/protocol';
import { EventLog } from '../harness/events.js';
import { query } from '../harness/records.js';
import { DEV_PASSWORDS, startTestCluster, type TestCluster } from '../harness/service.js';
import { connectSocket, requestOk, type TestSocket } from '../harness/socket.js';

/** Issue 18, part C: the staff directory in PostgreSQL, its admin API, and what its changes do at once on every instance. */
describe('staff directory (two instances, real Redis and PostgreSQL)', () => {
  let c: TestCluster;
  let admin: string;
  const sockets: TestSocket[] = [];
  const url = (i: number) => c.instances[i]!.url;

  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, token = admin, instance = 0) => {
    const response = await fetch(`${url(instance)}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T & { error?: { code: string; message: string } } };
  };
  const connect = async (instance: number, token: string) => {
    const socket = await connectSocket(url(instance), token);
    sockets.push(socket);
    return { socket, log: new EventLog(socket) };
  };

  beforeAll(async () => {
    c = await startTestCluster(2);
    admin = await c.instances[0]!.staffToken('admin1', 'admin1-pass');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await c?.stop();
  });

  it('is seeded once from the development accounts, and lists, searches and pages them', async () => {
    const all = await call<StaffList>('GET', '/api/staff');
    expect(all.status).toBe(200);
    expect(all.body.members.map((m) => m.sub)).toEqual(['admin1', 'agent1', 'agent2', 'agent3', 'expert1', 'super1']);
    expect(all.body.members.find((m) => m.sub === 'agent1')).toMatchObject({
      name: '王敏 Wang Min',
      role: 'agent',
      tier: 'frontline',
      languages: ['zh', 'en'],
      topics: [
        { topic: 'invoice', level: 3 },
        { topic: 'refund', level: 3 },
      ],
      capacity: 5,
      halls: [],
      active: true,
      createdBy: 'dev-accounts',
    });
    // the second instance started on the same database and created no one again
    expect(await query(c.postgres.url, "SELECT count(*)::int AS n FROM staff_events WHERE kind = 'created'")).toEqual([{ n: 6 }]);

    const subs = async (qs: string) => (await call<StaffList>('GET', `/api/staff?${qs}`)).body.members.map((m) => m.sub);
    expect(await subs('q=li%20qiang')).toEqual(['agent2']);
    expect(await subs('q=AGENT')).toEqual(['agent1', 'agent2', 'agent3']);
    expect(await subs('role=expert')).toEqual(['expert1']);
    expect(await subs('topic=registration')).toEqual(['agent2', 'expert1']);
    expect(await subs('q=%25')).toEqual([]);

    const first = await call<StaffList>('GET', '/api/staff?limit=4');
    expect(first.body.members).toHaveLength(4);
    const second = await call<StaffList>('GET', `/api/staff?limit=4&cursor=${first.body.next}`);
    expect(second.body.members.map((m) => m.sub)).toEqual(['expert1', 'super1']);
    expect(second.body.next).toBeUndefined();
  });

  it('refuses every bad call with a clear code', async () => {
    const supervisor = await c.instances[0]!.staffToken('super1', DEV_PASSWORDS.super1);
    expect(await call('GET', '/api/staff', undefined, supervisor)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await call('GET', '/api/staff', undefined, '')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await call('GET', '/api/staff?cursor=%21%21')).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await call('GET', '/api/staff?colour=red')).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await call('GET', '/api/staff/nobody')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await call('PATCH', '/api/staff/nobody', { capacity: 2 })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await call('PATCH', '/api/staff/agent1', {})).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await call('PATCH', '/api/staff/agent1', { password: 'x' })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await call('PATCH', '/api/staff/agent1', { topics: [{ topic: 'invoice', level: 6 }] })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await call('PATCH', '/api/staff/agent1', { topics: [{ topic: 'astrology', level: 2 }] })).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: 'Unknown topic "astrology"' } },
    });
    expect(await call('PATCH', '/api/staff/agent1', { languages: ['fr'] })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(
      await call('PATCH', '/api/staff/agent1', {
        topics: [
          { topic: 'invoice', level: 2 },
          { topic: 'invoice', level: 4 },
        ],
      }),
    ).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    const agent1 = (await call<StaffMember>('GET', '/api/staff/agent1')).body;
    const { sub, name, role, tier, languages, topics, capacity, halls } = agent1;
    expect(await call('POST', '/api/staff', { sub, name, role, tier, languages, topics, capacity, halls })).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    expect(await call('POST', '/api/staff/admin1/disable')).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    // nothing of the refusals reached the directory or its history
    expect((await call<StaffMember>('GET', '/api/staff/agent1')).body).toEqual(agent1);
    expect(await query(c.postgres.url, "SELECT count(*)::int AS n FROM staff_events WHERE kind <> 'created'")).toEqual([{ n: 0 }]);
  });

  it('creates and edits members, each change in the history with the fields before and after', async () => {
    const created = await call<StaffMember>('POST', '/api/staff', {
      sub: 'oidc|4711',
      name: '孙悦 Sun Yue',
      role: 'agent',
      tier: 'frontline',
      languages: ['zh'],
      topics: [{ topic: 'refund', level: 2 }],
      capacity: 3,
      halls: ['hall-pudong'],
    });
    expect(created).toMatchObject({ status: 201, body: { sub: 'oidc|4711', active: true, createdBy: 'admin1', updatedBy: 'admin1' } });
    const edited = await call<StaffMember>('PATCH', '/api/staff/oidc%7C4711', { capacity: 4, halls: ['hall-pudong', 'hall-xuhui'], name: '孙悦 Sun Yue' });
    expect(edited).toMatchObject({ status: 200, body: { capacity: 4, halls: ['hall-pudong', 'hall-xuhui'] } });
    // a change to nothing is no change: no history row
    await call('PATCH', '/api/staff/oidc%7C4711', { capacity: 4 });

    const history = await call<StaffEventList>('GET', '/api/staff/oidc%7C4711/events');
    expect(history.body.events).toMatchObject([
      { kind: 'updated', by: 'admin1', changes: { capacity: { before: 3, after: 4 }, halls: { before: ['hall-pudong'], after: ['hall-pudong', 'hall-xuhui'] } } },
      { kind: 'created', by: 'admin1', changes: { name: { before: null, after: '孙悦 Sun Yue' }, capacity: { before: null, after: 3 } } },
    ]);
    expect(Object.keys(history.body.events[0]!.changes).sort()).toEqual(['capacity', 'halls']);
    const paged = await call<StaffEventList>('GET', '/api/staff/oidc%7C4711/events?limit=1');
    expect((await call<StaffEventList>('GET', `/api/staff/oidc%7C4711/events?limit=1&cursor=${paged.body.next}`)).body.events.map((e) => e.kind)).toEqual(['created']);
    await expect(query(c.postgres.url, "UPDATE staff_events SET by = 'someone' WHERE sub = 'oidc|4711'")).rejects.toThrow(/append-only/);
  });

  it('applies changed skills to routing at once: the next offer follows them, without a new sign-in', async () => {
    // agent3 serves refund and social insurance, in zh and en; it is connected to the second instance
    const agent = await connect(1, await c.instances[1]!.staffToken('agent3', 'agent3-pass'));
    await requestOk(agent.socket, 'agent:status', { status: 'available' });
    expect(await c.instances[1]!.service.redis.hGet('dp:agent:agent3', 'topics')).toBe('refund,social-insurance');

    const gave = await call<StaffMember>('PATCH', '/api/staff/agent3', { topics: [{ topic: 'registration', level: 5 }], languages: ['en'] });
    expect(gave.status).toBe(200);
    const taxpayer = await connect(0, c.instances[0]!.taxpayerToken({ sub: 'tp-skills' }));
    const asked = await requestOk(taxpayer.socket, 'help:request', { language: 'en', topic: 'registration', channel: 'text', entry: { kind: 'portal', page: '/' } });
    const offer = await agent.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === asked.sessionId, 3000);
    await requestOk(agent.socket, 'offer:accept', { offerId: offer.offerId });
    await requestOk(agent.socket, 'session:end', { sessionId: asked.sessionId });
    await requestOk(agent.socket, 'session:wrap-up', { sessionId: asked.sessionId, notes: '', outcome: 'resolved' });

    // and the topics taken away route no more to it
    const refunding = await connect(0, c.instances[0]!.taxpayerToken({ sub: 'tp-refund' }));
    const refund = await requestOk(refunding.socket, 'help:request', { language: 'en', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: '/' } });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(agent.log.of<OfferEvent>('offer:new').some((o) => o.session.sessionId === refund.sessionId)).toBe(false);
    await requestOk(refunding.socket, 'help:cancel', { sessionId: refund.sessionId });
    // a later sign-in's token carries the directory's skills
    const me = await call<{ principal: Record<string, unknown> }>('GET', '/api/auth/me', undefined, await c.instances[0]!.staffToken('agent3', 'agent3-pass'));
    expect(me.body.principal).toMatchObject({ sub: 'agent3', languages: ['en'], topics: ['registration'] });
    await requestOk(agent.socket, 'agent:status', { status: 'away' });
  });

  it('cuts a disabled agent off on every instance within 5 s, re-queues its session at the head and refuses its tokens', async () => {
    const token = await c.instances[0]!.staffToken('agent1', DEV_PASSWORDS.agent1);
    const onOne = await connect(0, token);
    const onTwo = await connect(1, token);
    await requestOk(onOne.socket, 'agent:status', { status: 'available' });
    const served = await connect(0, c.instances[0]!.taxpayerToken({ sub: 'tp-served' }));
    const help = { language: 'zh', topic: 'invoice', channel: 'voice', entry: { kind: 'portal', page: '/' } } as const;
    const asked = await requestOk(served.socket, 'help:request', help);
    const offer = await onTwo.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === asked.sessionId);
    await requestOk(onTwo.socket, 'offer:accept', { offerId: offer.offerId });
    await served.log.next<SessionSummary>('session:state', (s) => s.state === 'active');
    // another taxpayer waits in the same queue (a voice session takes the agent's whole capacity)
    const waiting = await connect(1, c.instances[1]!.taxpayerToken({ sub: 'tp-waiting' }));
    const queued = await requestOk(waiting.socket, 'help:request', help);
    await waiting.log.next<SessionSummary>('session:state', (s) => s.sessionId === queued.sessionId && s.queuePosition === 1);

    const ended = [onOne, onTwo].map(
      ({ socket, log }) =>
        new Promise<{ reason: AuthEndedEvent | undefined; at: number }>((resolve) =>
          socket.once('disconnect', () => resolve({ reason: log.of<AuthEndedEvent>('auth:ended')[0], at: Date.now() })),
        ),
    );
    const start = Date.now();
    // the administrator's call reaches the second instance; the agent's first socket is on the first
    const disabled = await call<StaffMember>('POST', '/api/staff/agent1/disable', undefined, admin, 1);
    expect(disabled).toMatchObject({ status: 200, body: { active: false, updatedBy: 'admin1' } });
    for (const { reason, at } of await Promise.all(ended)) {
      expect(reason).toEqual({ code: 'ACCOUNT_DISABLED', message: 'Your account was disabled by an administrator' });
      expect(at - start).toBeLessThan(5000);
    }
    const requeued = await served.log.next<SessionSummary>('session:state', (s) => s.state === 'queued' && s.sessionId === asked.sessionId);
    expect(requeued.queuePosition).toBe(1);
    await waiting.log.next<SessionSummary>('session:state', (s) => s.sessionId === queued.sessionId && s.queuePosition === 2);

    // its tokens are refused from now on, over HTTP and at connect, on both instances; it cannot sign in
    for (const instance of [0, 1]) {
      expect(await call('GET', '/api/auth/me', undefined, token, instance)).toMatchObject({ status: 403, body: { error: { code: 'ACCOUNT_DISABLED' } } });
      await expect(connectSocket(url(instance), token)).rejects.toMatchObject({ code: 'ACCOUNT_DISABLED' });
    }
    await expect(c.instances[0]!.staffToken('agent1', DEV_PASSWORDS.agent1)).rejects.toThrow(/403/);
    expect((await call<StaffEventList>('GET', '/api/staff/agent1/events')).body.events[0]).toMatchObject({
      kind: 'disabled',
      by: 'admin1',
      changes: { active: { before: true, after: false } },
    });
    expect((await call<StaffList>('GET', '/api/staff?active=false')).body.members.map((m) => m.sub)).toEqual(['agent1']);

    // enabled again, the same account signs in and connects
    expect(await call('POST', '/api/staff/agent1/enable')).toMatchObject({ status: 200, body: { active: true } });
    await connect(1, await c.instances[1]!.staffToken('agent1', DEV_PASSWORDS.agent1));
  });

  it('with PostgreSQL away, staff still sign in from the accounts file, and a disabled member is still refused', async () => {
    expect(await call('POST', '/api/staff/agent2/disable')).toMatchObject({ status: 200, body: { active: false } });
    await c.postgres.pause();
    try {
      await expect(c.instances[1]!.staffToken('agent2', DEV_PASSWORDS.agent2)).rejects.toThrow(/403/);
      const token = await c.instances[1]!.staffToken('expert1', DEV_PASSWORDS.expert1);
      // and connects, registered from its token's claims
      await connect(1, token);
    } finally {
      await c.postgres.start();
    }
  });
});
