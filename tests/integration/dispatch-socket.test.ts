import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStateEvent, HelpRequest, OfferEvent, SessionNoticeEvent, SessionSummary, SupervisorMetrics } from '@etax-assist/protocol';
import { ADMIN_PASSWORD, registerTestKiosk } from '../harness/kiosk-device.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { TestClients, request } from '../harness/socket.js';

describe('dispatch over sockets: taxpayer, agent and supervisor clients on a real service', () => {
  let t: TestService;
  const clients = new TestClients(() => t.url);
  const client = (token: string) => clients.connect(token);
  /** From a registered kiosk in 浦东办税服务厅 (its device token set in beforeAll). */
  let help: HelpRequest;

  beforeAll(async () => {
    t = await startTestService({
      DISPATCH_AGENT_HEARTBEAT_TIMEOUT_S: '2',
      DISPATCH_AGENT_HEARTBEAT_INTERVAL_MS: '500',
      DISPATCH_SWEEP_INTERVAL_MS: '200',
      DISPATCH_TAXPAYER_GRACE_S: '2',
      DISPATCH_METRICS_INTERVAL_MS: '300',
    });
    const kiosk = await registerTestKiosk(t.url, await t.staffToken('admin1', ADMIN_PASSWORD), 'K-03', { id: 'pudong-test', nameZh: '浦东办税服务厅' });
    help = { language: 'zh', topic: 'invoice', channel: 'voice', entry: { kind: 'kiosk', device: kiosk.deviceToken } };
  });
  afterAll(async () => {
    clients.closeAll();
    await t?.stop();
  });

  it('routes a help request to an available agent, and the taxpayer sees the agent join', async () => {
    const agent = await client(await t.staffToken('agent1', DEV_PASSWORDS.agent1));
    expect((await agent.log.next<AgentStateEvent>('agent:state')).state.status).toBe('offline');
    const status = await request(agent.socket, 'agent:status', { status: 'available' });
    expect(status).toMatchObject({ ok: true, result: { status: 'available', busy: false, capacity: 5 } });

    const taxpayer = await client(t.taxpayerToken({ sub: 'tp-route', name: '张伟' }));
    const asked = await request(taxpayer.socket, 'help:request', help);
    if (!asked.ok) throw new Error(asked.error.message);
    const sessionId = asked.result.sessionId;

    const offer = await agent.log.next<OfferEvent>('offer:new');
    expect(offer).toMatchObject({ kind: 'primary', session: { sessionId, taxpayer: { name: '张伟' }, entry: { kind: 'kiosk', hallId: 'pudong-test' } } });
    expect(offer.expiresInMs).toBeGreaterThan(15_000);
    const accepted = await request(agent.socket, 'offer:accept', { offerId: offer.offerId });
    expect(accepted).toMatchObject({ ok: true, result: { sessionId, state: 'active' } });

    const active = await taxpayer.log.next<SessionSummary>('session:state', (s) => s.state === 'active');
    expect(active.agent).toEqual({ id: 'agent1', name: '王敏 Wang Min' });
    await taxpayer.log.next<SessionNoticeEvent>('session:notice', (n) => n.notice === 'agent-joined');

    // the agent is a participant now: it can open the media room of the session
    expect(await request(agent.socket, 'media:join', { sessionId })).toMatchObject({ ok: true });
    // and may not act on offers or sessions that are not theirs
    expect(await request(agent.socket, 'offer:accept', { offerId: offer.offerId })).toMatchObject({ ok: false, error: { code: 'OFFER_EXPIRED' } });

    expect(await request(agent.socket, 'session:end', { sessionId })).toMatchObject({ ok: true, result: { state: 'wrap-up' } });
    expect(await request(agent.socket, 'session:wrap-up', { sessionId, notes: '已指导', outcome: 'resolved' })).toMatchObject({ ok: true });
    await taxpayer.log.next<SessionSummary>('session:state', (s) => s.state === 'ended');
    await request(agent.socket, 'agent:status', { status: 'away' });
  });

  it('tells waiting taxpayers their position, serves the green channel first, and lets them cancel', async () => {
    const first = await client(t.taxpayerToken({ sub: 'tp-q1' }));
    const second = await client(t.taxpayerToken({ sub: 'tp-q2' }));
    const green = await client(t.taxpayerToken({ sub: 'tp-q3' }));
    const a = await request(first.socket, 'help:request', help);
    const b = await request(second.socket, 'help:request', help);
    const c = await request(green.socket, 'help:request', { ...help, priority: 'elderly' });
    if (!a.ok || !b.ok || !c.ok) throw new Error('request failed');
    expect(a.result.queuePosition).toBe(1);
    expect(b.result.queuePosition).toBe(2);
    expect(c.result.queuePosition).toBe(1);
    // the green channel request moved the others back; they are told so
    await second.log.next<SessionSummary>('session:state', (s) => s.queuePosition === 3);
    expect(await request(first.socket, 'help:cancel', { sessionId: a.result.sessionId })).toMatchObject({ ok: true, result: { state: 'cancelled' } });
    await second.log.next<SessionSummary>('session:state', (s) => s.queuePosition === 2);
    // someone else's session cannot be cancelled
    expect(await request(first.socket, 'help:cancel', { sessionId: b.result.sessionId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    for (const [socket, id] of [
      [second.socket, b.result.sessionId],
      [green.socket, c.result.sessionId],
    ] as const) {
      await request(socket, 'help:cancel', { sessionId: id });
    }
  });

  it('pushes live metrics to supervisors and lets them force an agent away', async () => {
    const supervisor = await client(await t.staffToken('super1', DEV_PASSWORDS.super1));
    const subscribed = await request(supervisor.socket, 'supervisor:subscribe', {});
    if (!subscribed.ok) throw new Error(subscribed.error.message);
    expect(subscribed.result.queues.find((q) => q.queue === 'zh:invoice:frontline')).toBeDefined();
    const pushed = await supervisor.log.next<SupervisorMetrics>('supervisor:metrics', (m) => m.today.served >= 1);
    expect(pushed.today.offers.accepted).toBeGreaterThanOrEqual(1);
    expect(pushed.agents.find((a) => a.id === 'agent1')).toMatchObject({ state: 'away' });
    // the staffing forecast: the window's requests through Erlang C, its inputs shown with it
    const invoice = pushed.queues.find((q) => q.queue === 'zh:invoice:frontline')!;
    const arrivals = invoice.answered + invoice.abandoned + invoice.waiting;
    expect(arrivals).toBeGreaterThanOrEqual(1);
    expect(invoice.forecast).toMatchObject({ arrivalsPerHour: arrivals * 4, targetPct: 80 });
    expect(invoice.forecast.trafficErlangs).toBeCloseTo((arrivals / 900) * invoice.forecast.handlingS, 1);
    // a light queue still needs an agent, and more than its traffic (under one erlang) to answer 80 % within the target
    expect(invoice.forecast.agentsNeeded).toBeGreaterThanOrEqual(Math.ceil(invoice.forecast.trafficErlangs));
    expect(invoice.forecast.agentsNeeded).toBeGreaterThanOrEqual(1);

    // a request from a hall's kiosk shows under that hall while it waits
    const kiosk = await client(t.taxpayerToken({ sub: 'tp-hall' }));
    const waiting = await request(kiosk.socket, 'help:request', { ...help, topic: 'registration' });
    if (!waiting.ok) throw new Error(waiting.error.message);
    const hallId = 'pudong-test';
    const withHall = await supervisor.log.next<SupervisorMetrics>('supervisor:metrics', (m) => m.halls.some((h) => h.hallId === hallId && h.waiting >= 1));
    expect(withHall.halls.find((h) => h.hallId === hallId)?.kiosks).toContain('K-03');
    await request(kiosk.socket, 'help:cancel', { sessionId: waiting.result.sessionId });

    expect(await request(supervisor.socket, 'supervisor:agent-status', { agentId: 'agent1', status: 'offline' })).toMatchObject({ ok: true });
    const taxpayer = await client(t.taxpayerToken({ sub: 'tp-x' }));
    expect(await request(taxpayer.socket, 'supervisor:subscribe', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const metricsText = await t.metricsText();
    expect(metricsText).toMatch(/etax_queue_waiting\{queue="zh:invoice:frontline"\} \d+/);
  });

  it('re-queues a session at the head when its agent vanishes, and the taxpayer is told', async () => {
    // agent2's only socket: when it closes, its heartbeats stop
    const agent = await client(await t.staffToken('agent2', 'agent2-pass'));
    await request(agent.socket, 'agent:status', { status: 'available' });
    const taxpayer = await client(t.taxpayerToken({ sub: 'tp-lost' }));
    const asked = await request(taxpayer.socket, 'help:request', help);
    if (!asked.ok) throw new Error(asked.error.message);
    const offer = await agent.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === asked.result.sessionId);
    await request(agent.socket, 'offer:accept', { offerId: offer.offerId });
    await taxpayer.log.next<SessionSummary>('session:state', (s) => s.state === 'active');

    // a supervisor can watch silently without taking agent capacity
    const supervisor = await client(await t.staffToken('super1', DEV_PASSWORDS.super1));
    const watched = await request(supervisor.socket, 'supervisor:observe', { sessionId: asked.result.sessionId, mode: 'monitor' });
    expect(watched).toMatchObject({ ok: true, result: { sessionId: asked.result.sessionId, taxpayer: { sub: 'tp-lost' } } });
    expect(await t.service.redis.hGet('dp:agent:super1', 'load')).toBeNull();
    expect(await request(supervisor.socket, 'media:join', { sessionId: asked.result.sessionId })).toMatchObject({ ok: true });

    agent.socket.close();
    const requeued = await taxpayer.log.next<SessionSummary>('session:state', (s) => s.state === 'queued' && s.sessionId === asked.result.sessionId);
    expect(requeued.queuePosition).toBe(1);
    await taxpayer.log.next<SessionNoticeEvent>('session:notice', (n) => n.notice === 'agent-left');
  });

  it('keeps a queued taxpayer through a reload and abandons one who does not come back', async () => {
    const token = t.taxpayerToken({ sub: 'tp-reload' });
    const before = await client(token);
    const asked = await request(before.socket, 'help:request', { ...help, topic: 'refund' });
    if (!asked.ok) throw new Error(asked.error.message);
    before.socket.close();
    const after = await client(token);
    const resumed = await after.log.next<SessionSummary>('session:state');
    expect(resumed).toMatchObject({ sessionId: asked.result.sessionId, state: 'queued' });

    const leaver = await client(t.taxpayerToken({ sub: 'tp-leaver' }));
    const left = await request(leaver.socket, 'help:request', { ...help, topic: 'refund' });
    if (!left.ok) throw new Error(left.error.message);
    leaver.socket.close();
    await expect.poll(async () => await t.service.redis.hGet(`sess:${left.result.sessionId}`, 'state'), { timeout: 10_000 }).toBe('abandoned');
    expect(await t.service.redis.hGet(`sess:${asked.result.sessionId}`, 'state')).toBe('queued');
  });
});
