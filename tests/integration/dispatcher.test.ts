import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '@etax-assist/protocol';
import { dispatchHarness, type DispatchHarness } from '../harness/dispatch.js';
import { startTestRedis, type TestRedis } from '../harness/redis.js';

const codeOf = async (work: Promise<unknown>): Promise<string> => {
  try {
    await work;
    return 'ok';
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
};

const ENV = {
  DISPATCH_OFFER_TIMEOUT_S: '1',
  DISPATCH_MAX_OFFER_TIMEOUTS: '2',
  DISPATCH_WRAP_UP_S: '1',
  DISPATCH_AGENT_HEARTBEAT_TIMEOUT_S: '1',
  DISPATCH_TAXPAYER_GRACE_S: '1',
  DISPATCH_WIDENING_STEPS: '[{"afterS":1,"languages":"same","topics":"any"}]',
};

describe('dispatcher flows against a real Redis', () => {
  let redis: TestRedis;
  let h: DispatchHarness;

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await h?.close();
    await redis?.stop();
  });
  beforeEach(async () => {
    await h?.close();
    h = await dispatchHarness(redis.url, ENV);
    await h.redis.flushAll();
    await h.dispatcher.start();
  });
  /** This test's dispatcher with the published catalog's proficiency steps these (on the same, emptied Redis). */
  const withProficiencySteps = async (steps: string) => {
    await h.close();
    h = await dispatchHarness(redis.url, { ...ENV, DISPATCH_PROFICIENCY_STEPS: steps });
  };
  const level = (topic: string, n: number) => ({ topics: [{ topic, level: n }] });

  const available = async (...ids: string[]) => {
    for (const id of ids) await h.dispatcher.setStatus(id, 'available');
  };
  /** Sweeps until the check holds; agents in `present` keep sending heartbeats meanwhile. */
  const sweepUntil = async (check: () => Promise<boolean> | boolean, present: string[] = [], timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await h.dispatcher.heartbeat(present);
      await h.dispatcher.sweep();
      if (await check()) return;
      await sleep(100);
    }
    throw new Error('condition not reached');
  };

  it('offers a request to the eligible agent idle longest and reserves its capacity', async () => {
    await h.agent('a1');
    await h.agent('a2');
    await h.agent('a3', { topics: [{ topic: 'refund', level: 3 }] });
    await available('a2');
    await sleep(5);
    await available('a1', 'a3');
    const s = await h.taxpayer('t1');
    expect(h.pendingOffers('a2')).toEqual([{ offer: `${s}:1`, session: s }]);
    expect(h.pendingOffers('a1')).toEqual([]);
    expect((await h.session(s)).state).toBe('offered');
    expect((await h.agentFields('a2')).load).toBe('5');

    await h.dispatcher.accept(`${s}:1`, 'a2');
    const session = await h.session(s);
    expect(session).toMatchObject({ state: 'active', agent: 'a2' });
    expect(await h.redis.sIsMember(`sess:${s}:participants`, 'agent:a2')).toBe(1);
    // a second voice request goes to a1 (a2 is full, a3 has the wrong topic)
    const s2 = await h.taxpayer('t2');
    expect(h.pendingOffers('a1').map((o) => o.session)).toEqual([s2]);
  });

  it('fills text capacity up to the configured number, but video needs a free agent', async () => {
    await h.agent('a1');
    await available('a1');
    const texts = [];
    for (let i = 0; i < 6; i++) texts.push(await h.taxpayer(`t${i}`, { channel: 'text' }));
    expect(h.pendingOffers('a1')).toHaveLength(5);
    expect((await h.session(texts[5]!)).state).toBe('queued');
    expect((await h.agentFields('a1')).load).toBe('5');
    const video = await h.taxpayer('tv', { channel: 'video' });
    expect((await h.session(video)).state).toBe('queued');
  });

  it('prefers the higher level for the topic, then the agent idle longest within that level', async () => {
    await withProficiencySteps('[{"afterS":0,"minLevel":1}]');
    await h.agent('low', level('invoice', 2));
    await h.agent('high1', level('invoice', 5));
    await h.agent('high2', level('invoice', 5));
    await h.agent('mid', level('invoice', 4));
    // the level-2 agent has been idle longest, the level-5 ones shortest
    await available('low');
    await sleep(5);
    await available('mid');
    await sleep(5);
    await available('high1');
    await sleep(5);
    await available('high2');
    const offeredTo = async () => {
      const s = await h.taxpayer(`t${h.effects.length}`);
      return ['low', 'high1', 'high2', 'mid'].find((a) => h.pendingOffers(a).some((o) => o.session === s));
    };
    expect([await offeredTo(), await offeredTo(), await offeredTo(), await offeredTo()]).toEqual(['high1', 'high2', 'mid', 'low']);
  });

  it("routes by the levels parsed at registration, and follows an edit of the agent's levels", async () => {
    await withProficiencySteps('[{"afterS":0,"minLevel":4}]');
    await h.agent('edited', level('invoice', 5));
    expect(JSON.parse((await h.agentFields('edited')).skillIndex ?? '[]')).toContain('zh:invoice:frontline');
    // the edit lowers the level below the session's minimum: no offer, and nothing left in the old sets
    await h.agent('edited', level('invoice', 2));
    await available('edited');
    const s = await h.taxpayer('t1');
    expect((await h.session(s)).state).toBe('queued');
    // indexed in the band of level 2: (5 − 2) bands of 10¹³ before its idle time
    expect(await h.redis.zScore('dp:idx:zh:invoice:frontline:full', 'edited')).toBe(3e13 + Number((await h.agentFields('edited')).idleSince));
    // raised again: offered the waiting session at once
    await h.agent('edited', level('invoice', 4));
    expect(h.pendingOffers('edited').map((o) => o.session)).toEqual([s]);
  });

  it('routes an agent whose hash predates the parsed levels (kept over an upgrade) at its levels', async () => {
    await withProficiencySteps('[{"afterS":0,"minLevel":3}]');
    await h.agent('legacy', level('invoice', 4));
    await h.agent('novice', level('invoice', 1));
    for (const a of ['legacy', 'novice']) await h.redis.hDel(`dp:agent:${a}`, 'skillIndex');
    await available('novice', 'legacy');
    const s = await h.taxpayer('t1');
    expect(h.pendingOffers('legacy').map((o) => o.session)).toEqual([s]);
    expect(h.pendingOffers('novice')).toEqual([]);
  });

  it('offers only agents at the minimum level at first, and relaxes to lower levels after the configured wait', async () => {
    await withProficiencySteps('[{"afterS":0,"minLevel":4},{"afterS":1,"minLevel":2}]');
    await h.agent('novice', level('invoice', 1));
    await h.agent('junior', level('invoice', 2));
    await available('novice', 'junior');
    const s = await h.taxpayer('t1');
    expect((await h.session(s)).minLevel).toBe('4');
    expect((await h.session(s)).state).toBe('queued');
    // an agent below the level looking for work does not get it either
    await h.dispatcher.setStatus('junior', 'away');
    await available('junior');
    expect(h.pendingOffers('junior')).toEqual([]);
    await sweepUntil(() => h.pendingOffers('junior').length === 1, ['novice', 'junior']);
    expect(await h.session(s)).toMatchObject({ state: 'offered', minLevel: '2' });
    const relaxed = (await h.redis.xRange(`sess:${s}:events`, '-', '+')).find((e) => e.message.relaxed);
    expect(relaxed?.message.relaxed).toBe('2');
    // level 1 is below the last step: a session the level-2 agent declines waits for another
    await h.dispatcher.decline(`${s}:1`, 'junior');
    await sleep(1100);
    await h.dispatcher.sweep();
    expect(h.pendingOffers('novice')).toEqual([]);
    expect((await h.session(s)).state).toBe('queued');
  });

  it('fills each agent up to its own capacity: one text session for capacity 1, three for capacity 3', async () => {
    await h.agent('one', { capacity: 1 });
    await h.agent('three', { capacity: 3 });
    await available('one', 'three');
    const texts = [];
    for (let i = 0; i < 5; i++) texts.push(await h.taxpayer(`t${i}`, { channel: 'text' }));
    expect(h.pendingOffers('one')).toHaveLength(1);
    expect(h.pendingOffers('three')).toHaveLength(3);
    expect((await h.session(texts[4]!)).state).toBe('queued');
    expect(await h.agentFields('one')).toMatchObject({ load: '1', cap: '1' });
    expect(await h.agentFields('three')).toMatchObject({ load: '3', cap: '3' });
    expect(h.effects.filter((e) => e.t === 'agent' && e.agent === 'three').at(-1)).toMatchObject({ capacity: 3 });
    // a capacity raised by an administrator applies at once: the waiting session goes to the agent
    await h.dispatcher.register({ id: 'one', name: 'one', tier: 'frontline', languages: ['zh'], topics: [{ topic: 'invoice', level: 3 }], capacity: 2 });
    expect(h.pendingOffers('one').map((o) => o.session)).toContain(texts[4]);
  });

  it('gives a voice session the whole capacity of the agent it is offered to, and takes back exactly that', async () => {
    await h.agent('three', { capacity: 3 });
    await h.agent('two', { capacity: 2 });
    await available('three');
    await sleep(5);
    await available('two');
    const call = await h.taxpayer('t1', { channel: 'voice' });
    expect(await h.agentFields('three')).toMatchObject({ load: '3' });
    expect((await h.session(call))['held:three']).toBe('3');
    const text = await h.taxpayer('t2', { channel: 'text' });
    expect(h.pendingOffers('two').map((o) => o.session)).toEqual([text]);
    await h.dispatcher.decline(`${call}:1`, 'three');
    // declined by the capacity-3 agent, the call waits for the capacity-2 agent's text to end
    expect(await h.agentFields('three')).toMatchObject({ load: '0' });
    await h.dispatcher.accept(`${text}:1`, 'two');
    await h.dispatcher.finish(text, { agentId: 'two' });
    await h.dispatcher.wrapUp(text, 'two', 'done', 'resolved');
    expect(h.pendingOffers('two').map((o) => o.session)).toEqual([call]);
    expect(await h.agentFields('two')).toMatchObject({ load: '2' });
    expect((await h.session(call))['held:two']).toBe('2');
  });

  it("checks a reassignment against the target's own capacity", async () => {
    await h.agent('a1', { capacity: 1 });
    await available('a1');
    const s = await h.taxpayer('t1', { channel: 'text' });
    await h.dispatcher.accept(`${s}:1`, 'a1');
    await h.agent('one', { capacity: 1 });
    await h.agent('three', { capacity: 3 });
    await available('one');
    await sleep(5);
    await available('three');
    const other = await h.taxpayer('t2', { channel: 'text' });
    await h.dispatcher.accept(`${other}:1`, 'one');
    // one text session fills a capacity of 1 (of the deployment's 5 it would not)
    expect(await codeOf(h.dispatcher.reassign(s, 'super1', 'one'))).toBe('CONFLICT');
    expect(await codeOf(h.dispatcher.reassign(s, 'super1', 'three'))).toBe('ok');
  });

  it('moves on after a decline and never offers the same session to that agent again', async () => {
    await h.agent('a1');
    await h.agent('a2');
    await available('a1');
    await sleep(5);
    await available('a2');
    const s = await h.taxpayer('t1');
    await h.dispatcher.decline(`${s}:1`, 'a1');
    expect(h.pendingOffers('a2').map((o) => o.session)).toEqual([s]);
    expect((await h.agentFields('a1')).load).toBe('0');
    await h.dispatcher.decline(`${s}:2`, 'a2');
    const session = await h.session(s);
    expect(session.state).toBe('queued');
    expect(h.pendingOffers('a1')).toEqual([]);
  });

  it('times out offers from any instance, moves on, and sets an agent away after N timeouts in a row', async () => {
    await h.agent('a1');
    await h.agent('a2');
    await available('a1');
    await sleep(5);
    await available('a2');
    const s1 = await h.taxpayer('t1');
    await sweepUntil(() => h.pendingOffers('a2').length === 1, ['a1', 'a2']);
    expect((await h.agentFields('a1')).timeouts).toBe('1');
    // an accept that arrives after the timeout is refused clearly
    expect(await codeOf(h.dispatcher.accept(`${s1}:1`, 'a1'))).toBe('OFFER_EXPIRED');
    await h.dispatcher.accept(`${s1}:2`, 'a2');
    await h.taxpayer('t2');
    await sweepUntil(async () => (await h.agentFields('a1')).status === 'away', ['a1', 'a2']);
    expect(h.effects).toContainEqual({ t: 'agent-auto-away', agent: 'a1', timeouts: 2 });
  });

  it('serves the green channel first, then the longest waiting', async () => {
    await h.agent('a1');
    const normal1 = await h.taxpayer('n1');
    await sleep(5);
    const normal2 = await h.taxpayer('n2');
    await sleep(5);
    const elderly = await h.taxpayer('e1', { priority: 'elderly' });
    await available('a1');
    expect(h.pendingOffers('a1').map((o) => o.session)).toEqual([elderly]);
    await h.dispatcher.accept(`${elderly}:1`, 'a1');
    await h.dispatcher.finish(elderly, { agentId: 'a1' });
    await h.dispatcher.wrapUp(elderly, 'a1', 'done', 'resolved');
    expect(h.pendingOffers('a1').map((o) => o.session)).toEqual([normal1]);
    expect((await h.session(normal2)).state).toBe('queued');
  });

  it('widens a waiting request to other topics when its step comes due', async () => {
    await h.agent('r1', { topics: [{ topic: 'refund', level: 3 }] });
    await available('r1');
    const s = await h.taxpayer('t1', { topic: 'invoice' });
    expect((await h.session(s)).state).toBe('queued');
    await sweepUntil(() => h.pendingOffers('r1').length === 1, ['r1']);
    expect((await h.session(s)).cands).toBe('zh:invoice:frontline,zh:*:frontline');
  });

  it('escalates warmly to an expert: the frontline agent stays until the expert accepts, then leaves', async () => {
    await h.agent('a1');
    await h.agent('x1', { tier: 'expert' });
    await available('a1', 'x1');
    const s = await h.taxpayer('t1');
    await h.dispatcher.accept(`${s}:1`, 'a1');
    await h.dispatcher.handover('escalation', s, 'a1', { language: 'zh', topic: 'invoice', tier: 'expert', note: '跨区迁移' });
    expect((await h.session(s)).state).toBe('escalating');
    const offer = h.pendingOffers('x1')[0]!;
    await h.dispatcher.accept(offer.offer, 'x1');
    expect(await h.session(s)).toMatchObject({ state: 'active', agent: 'x1', secondary: 'a1' });
    // experts sign in with the expert role: that is how they are listed among the participants
    expect(await h.redis.sIsMember(`sess:${s}:participants`, 'expert:x1')).toBe(1);
    expect((await h.agentFields('a1')).load).toBe('5');
    await h.dispatcher.leave(s, 'a1');
    expect((await h.agentFields('a1')).load).toBe('0');
    expect(await h.redis.sIsMember(`sess:${s}:participants`, 'agent:a1')).toBe(0);
    const events = await h.redis.xRange(`sess:${s}:events`, '-', '+');
    expect(events.some((e) => e.message.note === '跨区迁移')).toBe(true);
  });

  it('transfers to another language and topic through an offer', async () => {
    await h.agent('a1');
    await h.agent('en1', { languages: ['en'], topics: [{ topic: 'refund', level: 3 }] });
    await available('a1', 'en1');
    const s = await h.taxpayer('t1');
    await h.dispatcher.accept(`${s}:1`, 'a1');
    await h.dispatcher.handover('transfer', s, 'a1', { language: 'en', topic: 'refund', tier: 'frontline', note: 'speaks English' });
    expect((await h.session(s)).state).toBe('transferring');
    await h.dispatcher.accept(h.pendingOffers('en1')[0]!.offer, 'en1');
    expect(await h.session(s)).toMatchObject({ state: 'active', agent: 'en1', language: 'en', topic: 'refund' });
  });

  it('lets a supervisor reassign to a chosen agent or put a session back at the head of the queue', async () => {
    await h.agent('a1');
    await h.agent('a2');
    await available('a1');
    const s = await h.taxpayer('t1');
    await h.dispatcher.accept(`${s}:1`, 'a1');
    await available('a2');
    await h.dispatcher.reassign(s, 'super1', 'a2');
    await h.dispatcher.accept(h.pendingOffers('a2')[0]!.offer, 'a2');
    expect(await h.session(s)).toMatchObject({ state: 'active', agent: 'a2' });
    expect((await h.agentFields('a1')).load).toBe('0');

    await h.dispatcher.reassign(s, 'super1');
    // back in the queue at the head, and offered to the free agent a1
    expect((await h.session(s)).band).toBe('0');
    expect(h.pendingOffers('a1').map((o) => o.session)).toEqual([s]);
  });

  it('offers the agent a reassignment took a session from the next waiting one at once', async () => {
    await h.agent('a1', { capacity: 1 });
    await h.agent('r1', { capacity: 1, ...level('refund', 3) });
    await available('a1', 'r1');
    const s = await h.taxpayer('t1', { channel: 'text' });
    await h.dispatcher.accept(`${s}:1`, 'a1');
    // a1 is full and r1 serves another topic: the next request waits
    const next = await h.taxpayer('t2', { channel: 'text' });
    expect((await h.session(next)).state).toBe('queued');
    await h.dispatcher.reassign(s, 'super1', 'r1');
    await h.dispatcher.accept(h.pendingOffers('r1')[0]!.offer, 'r1');
    expect(h.pendingOffers('a1').map((o) => o.session)).toEqual([next]);
  });

  it('marks an agent whose heartbeat stops offline and re-queues its session at the head, wait kept', async () => {
    await h.agent('a1');
    await h.agent('a2');
    await available('a1');
    const s = await h.taxpayer('t1');
    const waiting = await h.taxpayer('t2');
    await h.dispatcher.accept(`${s}:1`, 'a1');
    const before = await h.session(s);
    await sweepUntil(async () => (await h.agentFields('a1')).status === 'offline');
    const after = await h.session(s);
    expect(after).toMatchObject({ state: 'queued', band: '0', enqueuedAt: before.firstEnqueuedAt });
    expect(h.effects).toContainEqual({ t: 'agent-lost', agent: 'a1' });
    await available('a2');
    expect(h.pendingOffers('a2').map((o) => o.session)).toEqual([s]);
    expect((await h.session(waiting)).state).toBe('queued');
  });

  it('keeps a queued taxpayer who reloads within the grace period, abandons one who does not return', async () => {
    const kept = await h.taxpayer('t1');
    const gone = await h.taxpayer('t2');
    await h.dispatcher.taxpayerGone(kept, 't1');
    await h.dispatcher.taxpayerGone(gone, 't2');
    await h.dispatcher.taxpayerBack(kept, 't1');
    await sweepUntil(async () => (await h.session(gone)).state === 'abandoned');
    expect((await h.session(kept)).state).toBe('queued');
    expect(await h.redis.exists('taxpayer:t2:active')).toBe(0);
  });

  it('holds an agent in wrap-up after a session, keeps its notes and outcome, and frees them when wrap-up ends', async () => {
    await h.agent('a1', { name: '王敏' });
    await available('a1');
    const s = await h.taxpayer('t1');
    await h.dispatcher.accept(`${s}:1`, 'a1');
    await h.dispatcher.finish(s, { agentId: 'a1' });
    expect((await h.agentFields('a1')).wrap).toBe('1');
    const next = await h.taxpayer('t2');
    expect((await h.session(next)).state).toBe('queued');
    await h.dispatcher.wrapUp(s, 'a1', '已指导开票', 'resolved');
    expect(h.pendingOffers('a1').map((o) => o.session)).toEqual([next]);
    expect(await h.session(s)).toMatchObject({ state: 'ended', notes: '已指导开票', outcome: 'resolved' });

    // without notes, wrap-up ends by itself after DISPATCH_WRAP_UP_S
    await h.dispatcher.accept(`${next}:1`, 'a1');
    await h.dispatcher.finish(next, { taxpayerSub: 't2' });
    await sweepUntil(async () => (await h.session(next)).state === 'ended', ['a1']);
    expect((await h.agentFields('a1')).wrap).toBe('0');
  });

  it('refuses bad input clearly and changes nothing', async () => {
    await h.agent('a1');
    await h.agent('a2');
    await available('a1', 'a2');
    expect(await codeOf(h.taxpayer('t0', { topic: 'astrology' }))).toBe('VALIDATION_FAILED');
    const s = await h.taxpayer('t1');
    const [offer] = [...h.pendingOffers('a1'), ...h.pendingOffers('a2')];
    const other = offer!.offer && (h.pendingOffers('a1').length ? 'a2' : 'a1');
    const snapshot = JSON.stringify(await h.session(s));
    expect(await codeOf(h.dispatcher.accept(offer!.offer, other))).toBe('FORBIDDEN');
    expect(await codeOf(h.dispatcher.decline(offer!.offer, other))).toBe('FORBIDDEN');
    expect(await codeOf(h.dispatcher.accept('nosuchsession:1', 'a1'))).toBe('NOT_FOUND');
    expect(await codeOf(h.dispatcher.finish(s, { agentId: other }))).toBe('FORBIDDEN');
    expect(await codeOf(h.dispatcher.cancel(s, 'someone-else'))).toBe('NOT_FOUND');
    expect(await codeOf(h.taxpayer('t1'))).toBe('CONFLICT');
    expect(await codeOf(h.dispatcher.wrapUp(s, 'a1', '', 'made-up'))).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(await h.session(s))).toBe(snapshot);
  });

  it('lets a taxpayer cancel while waiting and frees the reserved agent', async () => {
    await h.agent('a1');
    await available('a1');
    const s = await h.taxpayer('t1');
    await h.dispatcher.cancel(s, 't1');
    expect((await h.session(s)).state).toBe('cancelled');
    expect((await h.agentFields('a1')).load).toBe('0');
    expect(await h.redis.exists('taxpayer:t1:active')).toBe(0);
  });
});
