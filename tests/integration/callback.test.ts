import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '@etax-assist/protocol';
import { collectSupervisorMetrics } from '@etax-assist/server';
import { dispatchHarness, type DispatchHarness } from '../harness/dispatch.js';
import { startTestRedis, type TestRedis } from '../harness/redis.js';

const refusal = async (work: Promise<unknown>): Promise<{ code: string; message: string } | 'ok'> => {
  try {
    await work;
    return 'ok';
  } catch (error) {
    if (error instanceof ProtocolError) return { code: error.code, message: error.message };
    throw error;
  }
};

const ENV = { CALLBACK_ANSWER_GRACE_S: '1', CALLBACK_HOLD_MAX_S: '60', DISPATCH_OFFER_TIMEOUT_S: '20', DISPATCH_MAX_OFFER_TIMEOUTS: '1' };
const AGENT = 'agent-cb';

/** Callbacks (docs/dispatcher.md, "Callback") against a real Redis: the place kept, the offer held, missed twice, cancelled, across a restart. */
describe('a callback keeps the request its place', () => {
  let redis: TestRedis;
  let h: DispatchHarness;

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await h?.close();
    await redis?.stop();
  });
  const fresh = async (env: Record<string, string> = {}) => {
    await h?.close();
    h = await dispatchHarness(redis.url, { ...ENV, ...env });
    await h.redis.flushAll();
    await h.dispatcher.start();
    await h.agent(AGENT);
  };
  beforeEach(() => fresh());

  const state = async (s: string) => (await h.session(s)).state;
  /** Sweeps until the check holds (the grace is 1 s). */
  const sweepUntil = async (check: () => Promise<boolean>, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await h.dispatcher.heartbeat([AGENT]);
      await h.dispatcher.sweep();
      if (await check()) return;
      await sleep(100);
    }
    throw new Error('condition not reached');
  };
  /** The supervisor's live figures: the queue's waiting and callbacks, today's missed. */
  const figures = async () => {
    const m = await collectSupervisorMetrics(h.redis, h.dispatcher.config, h.dispatcher.catalog.current, 10_000);
    const queue = m.queues.find((q) => q.queue === 'zh:invoice:frontline');
    return { waiting: queue?.waiting, callbacks: queue?.callbacks, missed: m.today.missed };
  };
  const heldOffers = () => h.effects.filter((e) => e.t === 'offer' && e.awaitingTaxpayer === true);

  it('keeps its place ahead of later requests, holds the offer until the taxpayer is back, then goes on as any offer', async () => {
    const first = await h.taxpayer('tp-first');
    const second = await h.taxpayer('tp-second');
    await h.dispatcher.callback(first, 'tp-first');
    expect(await state(first)).toBe('callback');
    // still in the queue, at its place (its original wait)
    expect(await h.redis.zRange('dp:q:zh:invoice:frontline', 0, -1)).toEqual([first, second]);
    expect(await figures()).toEqual({ waiting: 2, callbacks: 1, missed: 0 });

    await h.dispatcher.setStatus(AGENT, 'available');
    const [held] = heldOffers();
    expect(held).toMatchObject({ session: first, agent: AGENT });
    expect(await h.session(first)).toMatchObject({ state: 'callback', offerAgent: AGENT });
    expect((await h.session(first)).recallUntil).toBeDefined();
    // the agent cannot take it before the taxpayer is back
    expect(await refusal(h.dispatcher.accept(`${first}:1`, AGENT))).toEqual({ code: 'CONFLICT', message: 'The taxpayer has not come back yet' });
    // nobody else may answer for the taxpayer
    expect(await refusal(h.dispatcher.answerCallback(first, 'tp-second'))).toEqual({ code: 'NOT_FOUND', message: 'No such session' });

    await h.dispatcher.answerCallback(first, 'tp-first');
    expect(await state(first)).toBe('offered');
    const again = h.effects.filter((e) => e.t === 'offer' && e.offer === `${first}:1`);
    expect(again.at(-1)).toMatchObject({ agent: AGENT });
    expect(again.at(-1)).not.toHaveProperty('awaitingTaxpayer');
    await h.dispatcher.accept(`${first}:1`, AGENT);
    expect(await state(first)).toBe('active');
    expect(await state(second)).toBe('queued');
    const kinds = (await h.redis.xRange(`sess:${first}:events`, '-', '+')).map((e) => e.message.state ?? Object.keys(e.message)[1]);
    expect(kinds).toEqual(['queued', 'callback', 'recall', 'offered', 'active']);
  });

  it('goes back to its place once when the taxpayer does not come back, the agent free for others meanwhile; the second miss ends it as missed', async () => {
    const first = await h.taxpayer('tp-first');
    await h.dispatcher.callback(first, 'tp-first');
    await h.dispatcher.setStatus(AGENT, 'available');
    expect(heldOffers()).toHaveLength(1);
    const second = await h.taxpayer('tp-second');

    // grace over: the agent takes the request behind (it is not blocked beyond the grace), the callback waits at its place
    await sweepUntil(async () => (await h.session(first)).callbackMisses === '1');
    expect(await state(first)).toBe('callback');
    expect(await state(second)).toBe('offered');
    expect((await h.agentFields(AGENT)).timeouts).toBe('0');
    expect(await h.redis.zRange('dp:q:zh:invoice:frontline', 0, -1)).toEqual([first]);
    // the second try: the agent is free again, the request is held for the taxpayer once more
    await h.dispatcher.decline(`${second}:1`, AGENT);
    expect(heldOffers()).toHaveLength(2);
    await sweepUntil(async () => (await state(first)) === 'missed');
    const agent = await h.agentFields(AGENT);
    expect(agent.load).toBe('0');
    expect(agent.status).toBe('available');
    expect(await h.redis.get('taxpayer:tp-first:active')).toBeNull();
    // recorded as its own final state, with the closing record for the archive
    const closing = (await h.redis.xRange('rec:outbox', '-', '+'))
      .map((e) => JSON.parse(e.message.entry ?? '{}') as { session?: string; record?: { fields: { state: string } } })
      .find((e) => e.session === first && e.record);
    expect(closing?.record?.fields.state).toBe('missed');
    // the request the agent declined waits on for another agent
    expect(await figures()).toEqual({ waiting: 1, callbacks: 0, missed: 1 });
  });

  it('ends as missed once the place was kept CALLBACK_HOLD_MAX_S, with no agent on duty', async () => {
    await fresh({ CALLBACK_HOLD_MAX_S: '1' });
    const s = await h.taxpayer('tp-first');
    await h.dispatcher.callback(s, 'tp-first');
    await sweepUntil(async () => (await state(s)) === 'missed');
    expect(await h.redis.zCard('dp:q:zh:invoice:frontline')).toBe(0);
  });

  it('can be cancelled, a held offer with it (the agent is free at once)', async () => {
    const s = await h.taxpayer('tp-first');
    await h.dispatcher.callback(s, 'tp-first');
    await h.dispatcher.setStatus(AGENT, 'available');
    expect((await h.agentFields(AGENT)).load).not.toBe('0');
    await h.dispatcher.cancel(s, 'tp-first');
    expect(await state(s)).toBe('cancelled');
    expect((await h.agentFields(AGENT)).load).toBe('0');
    expect(await h.redis.zScore('dp:callbacks', s)).toBeNull();
  });

  it('refuses a callback for a request that is not queued, and an answer with no agent ready', async () => {
    const s = await h.taxpayer('tp-first');
    expect(await refusal(h.dispatcher.answerCallback(s, 'tp-first'))).toEqual({ code: 'CONFLICT', message: 'The request is not waiting for a callback (state: queued)' });
    await h.dispatcher.callback(s, 'tp-first');
    expect(await refusal(h.dispatcher.answerCallback(s, 'tp-first'))).toEqual({ code: 'CONFLICT', message: 'No agent is ready for you yet; your place is kept' });
    expect(await refusal(h.dispatcher.callback(s, 'tp-first'))).toEqual({ code: 'CONFLICT', message: 'Only a queued request can wait for a callback (state: callback)' });
  });

  it('survives a restart of the service: the held offer is answered through a new instance', async () => {
    const s = await h.taxpayer('tp-first');
    await h.dispatcher.callback(s, 'tp-first');
    await h.dispatcher.setStatus(AGENT, 'available');
    await h.close();
    // a new process on the same Redis: everything it needs is there
    h = await dispatchHarness(redis.url, ENV);
    await h.dispatcher.answerCallback(s, 'tp-first');
    await h.dispatcher.accept(`${s}:1`, AGENT);
    expect(await state(s)).toBe('active');
  });
});
