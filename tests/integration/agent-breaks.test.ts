import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '@etax-assist/protocol';
import { collectSupervisorMetrics, loadConfig } from '@etax-assist/server';
import { dispatchHarness, type DispatchHarness } from '../harness/dispatch.js';
import { startTestRedis, type TestRedis } from '../harness/redis.js';

const ENV = { DISPATCH_MAX_CONSECUTIVE_SESSIONS: '2', DISPATCH_BREAK_MIN_S: '1', DISPATCH_OFFER_TIMEOUT_S: '60' };

/** Issue 19, item 6: the cap on sessions in a row, enforced by the script whichever instance offers. */
describe('consecutive sessions and breaks (real Redis, two dispatcher instances)', () => {
  let redis: TestRedis;
  let a: DispatchHarness;
  let b: DispatchHarness;
  const config = () => loadConfig({ NODE_ENV: 'test', REDIS_URL: redis.url, ...ENV });

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });
  beforeEach(async () => {
    await a?.close();
    await b?.close();
    a = await dispatchHarness(redis.url, ENV);
    await a.redis.flushAll();
    await a.dispatcher.start();
    b = await dispatchHarness(redis.url, ENV);
  });

  /** The sessions of the agent's pending offers, whichever instance made them (dp:agent:{id}:offers). */
  const offersTo = async (agent: string) => (await a.redis.sMembers(`dp:agent:${agent}:offers`)).map((offer) => offer.replace(/:\d+$/, '')).sort();
  const text = { channel: 'text' as const };
  const row = async (agent: string) => (await collectSupervisorMetrics(a.redis, config().dispatch, config().catalog.seed as never, 10_000)).agents.find((r) => r.id === agent);

  /** a1 signed in, two text sessions taken (one through each instance): at the cap. */
  async function atTheCap(): Promise<string[]> {
    await a.agent('a1');
    await a.dispatcher.setStatus('a1', 'available');
    const s1 = await a.taxpayer('t1', text);
    await b.dispatcher.accept(`${s1}:1`, 'a1');
    const s2 = await b.taxpayer('t2', text);
    await a.dispatcher.accept(`${s2}:1`, 'a1');
    return [s1, s2];
  }

  it('offers up to the cap, pending offers included, and nothing at it from any instance', async () => {
    await a.agent('a1');
    await a.dispatcher.setStatus('a1', 'available');
    // three requests before any answer: two offers (the cap), the third waits although capacity is left
    const s1 = await a.taxpayer('t1', text);
    const s2 = await b.taxpayer('t2', text);
    const s3 = await b.taxpayer('t3', text);
    expect(await offersTo('a1')).toEqual([s1, s2].sort());
    expect((await a.session(s3)).state).toBe('queued');
    // a decline gives the slot back
    await a.dispatcher.decline(`${s2}:1`, 'a1');
    expect(await offersTo('a1')).toEqual([s1, s3].sort());
    await b.dispatcher.accept(`${s1}:1`, 'a1');
    await a.dispatcher.accept(`${s3}:1`, 'a1');
    expect(await a.agentFields('a1')).toMatchObject({ streak: '2', load: '2' });
    const s4 = await a.taxpayer('t4', text);
    expect((await a.session(s4)).state).toBe('queued');
    expect(await row('a1')).toMatchObject({ sessionsSinceBreak: 2, breakDue: true, state: 'available' });
    // the agent's own state says so, with the whole break ahead
    const state = a.effects.filter((e) => e.t === 'agent' && e.agent === 'a1').at(-1);
    expect(state).toMatchObject({ streak: 2 });
  });

  it('a supervisor cannot hand a session to an agent at the cap either', async () => {
    await atTheCap();
    await a.agent('a2');
    await a.dispatcher.setStatus('a2', 'available');
    const s3 = await b.taxpayer('t3', text);
    await b.dispatcher.accept(`${s3}:1`, 'a2');
    const refused = await a.dispatcher.reassign(s3, 'super1', 'a1').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ProtocolError);
    expect(refused).toMatchObject({ code: 'CONFLICT', message: 'The agent is due a break' });
  });

  it('a break too short changes nothing; one of DISPATCH_BREAK_MIN_S brings offers back, the count from 0', async () => {
    await atTheCap();
    const waiting = await a.taxpayer('t3', text);
    await a.dispatcher.setStatus('a1', 'away');
    await sleep(300);
    await b.dispatcher.setStatus('a1', 'available');
    expect((await a.session(waiting)).state).toBe('queued');
    expect(await a.agentFields('a1')).toMatchObject({ streak: '2' });

    await a.dispatcher.setStatus('a1', 'away');
    const away = await row('a1');
    expect(away).toMatchObject({ breakDue: true, state: 'away' });
    await sleep(1100);
    await b.dispatcher.setStatus('a1', 'available');
    expect((await a.session(waiting)).state).toBe('offered');
    expect(await offersTo('a1')).toEqual([waiting]);
    const rested = await row('a1');
    expect(rested).toMatchObject({ sessionsSinceBreak: 0, breakDue: false });
    expect(rested?.sinceBreakS).toBeLessThanOrEqual(1);
  });

  it('signing in starts the count at 0; without a cap nothing is held back', async () => {
    await atTheCap();
    await a.dispatcher.setStatus('a1', 'offline', 'super1');
    await a.dispatcher.setStatus('a1', 'available');
    // its two sessions went back to the queue at sign-off, and come back to it now
    expect(await offersTo('a1')).toHaveLength(2);
    expect(await a.agentFields('a1')).toMatchObject({ streak: '0' });

    await a.close();
    await b.close();
    a = await dispatchHarness(redis.url, { ...ENV, DISPATCH_MAX_CONSECUTIVE_SESSIONS: '0' });
    b = await dispatchHarness(redis.url, { ...ENV, DISPATCH_MAX_CONSECUTIVE_SESSIONS: '0' });
    await a.redis.flushAll();
    await a.dispatcher.start();
    await atTheCap();
    const s3 = await a.taxpayer('t3', text);
    expect(await offersTo('a1')).toEqual([s3]);
  });
});
