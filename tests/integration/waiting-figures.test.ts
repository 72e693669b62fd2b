import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HelpRequest, OfferEvent, SessionSummary } from '@etax-assist/protocol';
import { startTestService, type TestService } from '../harness/service.js';
import { TestClients, request, type TestSocket } from '../harness/socket.js';

// agent2 is the only frontline agent for Chinese registration questions
const help: HelpRequest = { language: 'zh', topic: 'registration', channel: 'voice', entry: { kind: 'portal', page: '/demo/' } };

describe('what a waiting taxpayer is told: honest figures from the agents on duty only', () => {
  let t: TestService;
  const clients = new TestClients(() => t.url);
  const client = (token: string) => clients.connect(token);
  const ask = async (socket: TestSocket) => {
    const asked = await request(socket, 'help:request', help);
    if (!asked.ok) throw new Error(asked.error.message);
    return asked.result;
  };
  const resume = async (socket: TestSocket, sessionId: string) => {
    const resumed = await request(socket, 'session:resume', { sessionId });
    if (!resumed.ok) throw new Error(resumed.error.message);
    return resumed.result;
  };

  beforeAll(async () => {
    // after one second a request accepts any topic in its language (the first widening step)
    t = await startTestService({ DISPATCH_SWEEP_INTERVAL_MS: '200', DISPATCH_WIDENING_STEPS: '[{"afterS":1,"languages":"same","topics":"any"}]' });
  });
  afterAll(async () => {
    clients.closeAll();
    await t?.stop();
  });

  it('says nobody is on duty (no position-based promise, no wait) until an available agent could take the request', async () => {
    const first = await client(t.taxpayerToken({ sub: 'tp-nobody' }));
    // nobody signed in at all
    const asked = await ask(first.socket);
    expect(asked).toMatchObject({ state: 'queued', queuePosition: 1, agentOnDuty: false });
    expect(asked.estimatedWaitS).toBeUndefined();

    // signed in but away: takes no work, so it is no one to wait for
    const agent = await client(await t.staffToken('agent2', 'agent2-pass'));
    expect(await request(agent.socket, 'agent:status', { status: 'away' })).toMatchObject({ ok: true });
    const away = await resume(first.socket, asked.sessionId);
    expect(away.agentOnDuty).toBe(false);
    expect(away.estimatedWaitS).toBeUndefined();

    // available: it is offered the request at once and serves it
    await request(agent.socket, 'agent:status', { status: 'available' });
    const offer = await agent.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === asked.sessionId);
    await request(agent.socket, 'offer:accept', { offerId: offer.offerId });

    // the next taxpayer waits for the busy agent: a wait estimated from it (the default handling
    // time, one call at a time)
    const second = await client(t.taxpayerToken({ sub: 'tp-behind' }));
    const behind = await ask(second.socket);
    expect(behind).toMatchObject({ state: 'queued', queuePosition: 1, agentOnDuty: true, estimatedWaitS: 300 });

    // the agent steps away: the waiting taxpayer is told that nobody is on duty any more
    await request(agent.socket, 'agent:status', { status: 'away' });
    const told = await second.log.next<SessionSummary>('session:state', (s) => s.sessionId === behind.sessionId && s.agentOnDuty === false);
    expect(told.estimatedWaitS).toBeUndefined();
    expect(told.state).toBe('queued');
    await request(second.socket, 'help:cancel', { sessionId: behind.sessionId });
  });

  it('counts the agents of every skill the request accepts after widening', async () => {
    // agent3 (refunds, social insurance) is busy with a call of its own skills
    const agent = await client(await t.staffToken('agent3', 'agent3-pass'));
    await request(agent.socket, 'agent:status', { status: 'available' });
    const own = await client(t.taxpayerToken({ sub: 'tp-own' }));
    await request(own.socket, 'help:request', { ...help, topic: 'refund' });
    const offer = await agent.log.next<OfferEvent>('offer:new');
    await request(agent.socket, 'offer:accept', { offerId: offer.offerId });

    // a registration question: nobody for it, until widening lets agent3 take it after its call
    const taxpayer = await client(t.taxpayerToken({ sub: 'tp-widen' }));
    const asked = await ask(taxpayer.socket);
    expect(asked.agentOnDuty).toBe(false);
    const widened = await taxpayer.log.next<SessionSummary>('session:state', (s) => s.sessionId === asked.sessionId && s.agentOnDuty === true);
    expect(widened).toMatchObject({ state: 'queued', estimatedWaitS: 300 });
  });
});
