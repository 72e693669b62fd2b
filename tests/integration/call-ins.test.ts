import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError, type OutboxCallIn } from '@etax-assist/protocol';
import { CallIns, loadConfig, outboxEntry } from '@etax-assist/server';
import { dispatcherPairPerTest, type DispatchHarness } from '../harness/dispatch.js';

const ENV = { DISPATCH_OFFER_TIMEOUT_S: '60', CALLIN_COOLDOWN_S: '60', CALLIN_MAX_OPEN_PER_QUEUE: '2', CALLIN_AGENT_MAX_PER_HOUR: '1', CALLIN_EXPIRY_S: '1' };
const QUEUE = 'zh:invoice:frontline';
const round = { queue: QUEUE, trigger: 'gap' as const, gap: 3, waitS: 40, want: 3 };

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof ProtocolError ? { code: error.code, message: error.message } : error),
  );

/** Issue 19, item 5: back-office agents called into the pool, one decision in the script whichever instance asks. */
describe('call-ins (real Redis, two dispatcher instances)', () => {
  const pair = dispatcherPairPerTest(ENV);
  let a: DispatchHarness;
  let b: DispatchHarness;
  let callInsA: CallIns;
  let callInsB: CallIns;

  beforeEach(() => {
    ({ a, b } = pair);
    const { callIns } = loadConfig({ NODE_ENV: 'test', REDIS_URL: pair.redis.url, ...ENV });
    callInsA = new CallIns(a.dispatcher, a.redis, callIns);
    callInsB = new CallIns(b.dispatcher, b.redis, callIns);
  });

  async function inBackOffice(...agents: string[]): Promise<void> {
    for (const agent of agents) {
      await a.agent(agent);
      await a.dispatcher.setStatus(agent, 'back-office');
    }
  }
  const callInEntries = async () => (await a.redis.xRange('rec:outbox', '-', '+')).map((e) => outboxEntry(e.message.entry)).filter((e): e is OutboxCallIn => e.t === 'call-in');

  it('never offers a session to a back-office agent; accepting a call-in offers it the waiting one at once', async () => {
    await inBackOffice('bo1');
    const waiting = await a.taxpayer('t1', { channel: 'text' });
    expect((await a.session(waiting)).state).toBe('queued');
    expect(a.pendingOffers('bo1')).toEqual([]);
    // not on duty either: the waiting taxpayer is not promised it
    expect(await a.redis.sMembers(`dp:staff:${QUEUE}`)).toEqual([]);
    const [agent] = await callInsB.round({ ...round, want: 1 });
    expect(agent).toBe('bo1');
    // still nothing offered while the call-in is open
    expect(a.pendingOffers('bo1')).toEqual([]);
    const callIn = b.effects.find((e) => e.t === 'call-in');
    expect(callIn).toMatchObject({ agent: 'bo1', queue: QUEUE, trigger: 'gap', note: '' });
    await callInsA.answer('bo1', callIn!.t === 'call-in' ? callIn!.callIn : '', 'accept', '');
    expect(a.pendingOffers('bo1').map((o) => o.session)).toEqual([waiting]);
    expect(await a.agentFields('bo1')).toMatchObject({ status: 'available', office: '0' });
    expect((await callInEntries()).map((e) => e.kind)).toEqual(['made', 'accepted']);
  });

  it('two instances deciding at once call each agent in once, within the queue’s open limit and cool-down', async () => {
    await inBackOffice('bo1', 'bo2', 'bo3');
    const [fromA, fromB] = await Promise.all([callInsA.round(round), callInsB.round(round)]);
    // want 3, at most CALLIN_MAX_OPEN_PER_QUEUE = 2 open: one round called two, the other none (cool-down)
    expect([...fromA, ...fromB].sort()).toEqual(['bo1', 'bo2']);
    expect([fromA.length, fromB.length].sort()).toEqual([0, 2]);
    expect(await callInsA.round(round)).toEqual([]);
    await a.redis.del(`dp:callins:cool:${QUEUE}`);
    // the cool-down over, the two still open count against the limit
    expect(await callInsB.round(round)).toEqual([]);
    expect((await callInEntries()).filter((e) => e.kind === 'made').map((e) => [e.agent, e.trigger, e.gap, e.waitS])).toEqual([
      ['bo1', 'gap', 3, 40],
      ['bo2', 'gap', 3, 40],
    ]);
  });

  it('expires an unanswered call-in once, whichever instance sweeps, and refuses a late answer', async () => {
    await inBackOffice('bo1', 'bo2');
    await callInsA.round({ ...round, want: 2 });
    const [id1, id2] = [(await callInsA.open('bo1'))?.callInId, (await callInsA.open('bo2'))?.callInId];
    expect(id1).toBeDefined();
    await sleep(1100);
    // due but not swept yet: the answer expires it, and is refused
    expect(await refusal(callInsB.answer('bo2', id2!, 'accept', ''))).toEqual({ code: 'CALL_IN_CLOSED', message: 'This call-in is closed (expired)' });
    expect((await Promise.all([callInsA.expire(), callInsB.expire()])).sort()).toEqual([0, 1]);
    expect(await callInsA.open('bo1')).toBeUndefined();
    expect(await refusal(callInsA.answer('bo1', id1!, 'accept', ''))).toEqual({ code: 'CALL_IN_CLOSED', message: 'This call-in is closed (expired)' });
    expect(await a.agentFields('bo1')).toMatchObject({ status: 'back-office' });
    expect(await a.agentFields('bo2')).toMatchObject({ status: 'back-office' });
    const entries = await callInEntries();
    expect(entries.map((e) => [e.kind, e.agent])).toEqual([
      ['made', 'bo1'],
      ['made', 'bo2'],
      ['expired', 'bo2'],
      ['expired', 'bo1'],
    ]);
    expect(entries[3]).toMatchObject({ callIn: id1, queue: QUEUE, madeAt: entries[0]!.at });
    // CALLIN_AGENT_MAX_PER_HOUR = 1: neither is called in automatically again within the hour
    await a.redis.del(`dp:callins:cool:${QUEUE}`);
    expect(await callInsB.round(round)).toEqual([]);
  });

  it('a supervisor calls one back-office agent in by hand; the agent declines with a reason', async () => {
    await inBackOffice('bo1');
    await a.agent('a2');
    await a.dispatcher.setStatus('a2', 'available');
    expect(await refusal(callInsA.manual('a2', 'super1', ''))).toEqual({ code: 'CONFLICT', message: 'The agent is not in back office' });
    expect(await refusal(callInsA.manual('nobody', 'super1', ''))).toEqual({ code: 'NOT_FOUND', message: 'Unknown agent' });
    await callInsA.manual('bo1', 'super1', 'the refund queue is long');
    expect(await refusal(callInsB.manual('bo1', 'super1', ''))).toEqual({ code: 'CONFLICT', message: 'The agent has already been called in' });
    const open = await callInsB.open('bo1');
    expect(open).toMatchObject({ queue: '', trigger: 'manual', note: 'the refund queue is long' });
    expect(await refusal(callInsB.answer('a2', open!.callInId, 'accept', ''))).toEqual({ code: 'FORBIDDEN', message: 'This call-in was made to another agent' });
    expect(await callInsB.answer('bo1', open!.callInId, 'decline', 'finishing a refund case')).toBe('back-office');
    expect(await refusal(callInsA.answer('bo1', open!.callInId, 'accept', ''))).toEqual({ code: 'CALL_IN_CLOSED', message: 'This call-in is closed (declined)' });
    const [made, declined] = await callInEntries();
    expect(made).toMatchObject({ kind: 'made', trigger: 'manual', actor: { role: 'supervisor', id: 'super1' }, note: 'the refund queue is long' });
    expect(declined).toMatchObject({ kind: 'declined', reason: 'finishing a refund case' });
    expect(declined!.at - declined!.madeAt).toBeGreaterThanOrEqual(0);
  });

  it('calls in only agents with the queue’s skill, and only those in back office', async () => {
    await a.agent('bo-en', { languages: ['en'] });
    await a.dispatcher.setStatus('bo-en', 'back-office');
    await a.agent('away1');
    await a.dispatcher.setStatus('away1', 'away');
    expect(await callInsA.round(round)).toEqual([]);
    // leaving back office takes the agent out of the index
    await inBackOffice('bo1');
    await a.dispatcher.setStatus('bo1', 'away');
    expect(await callInsA.round(round)).toEqual([]);
  });
});
