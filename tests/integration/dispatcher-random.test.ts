import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '@etax-assist/protocol';
import { checkInvariants, checkNobodyIdles } from '../harness/dispatch-invariants.js';
import { dispatchHarness, type DispatchHarness } from '../harness/dispatch.js';
import { prng } from '../harness/prng.js';
import { startTestRedis, type TestRedis } from '../harness/redis.js';

const SEED = Number(process.env.DISPATCH_RANDOM_SEED ?? Date.now() % 1_000_000);
const AGENTS = 200;
const BATCHES = 500;
const ACTIONS_PER_BATCH = 12;
const LANGUAGES = ['zh', 'en'];
const TOPICS = ['invoice', 'refund', 'social-insurance', 'registration'];
const EXPECTED = new Set(['CONFLICT', 'OFFER_EXPIRED', 'NOT_FOUND', 'FORBIDDEN']);

describe(`randomised concurrency: 3 dispatcher instances on one Redis (seed ${SEED})`, () => {
  let redis: TestRedis;
  const instances: DispatchHarness[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    const env = {
      DISPATCH_OFFER_TIMEOUT_S: '1',
      DISPATCH_WRAP_UP_S: '1',
      DISPATCH_AGENT_HEARTBEAT_TIMEOUT_S: '1',
      DISPATCH_TAXPAYER_GRACE_S: '1',
      DISPATCH_MAX_OFFER_TIMEOUTS: '3',
      DISPATCH_WIDENING_STEPS: '[{"afterS":1,"languages":"same","topics":"any"},{"afterS":2,"languages":["zh"],"topics":"any"}]',
      // relaxing at the widening steps' times and between them: merged and separate steps
      DISPATCH_PROFICIENCY_STEPS: '[{"afterS":0,"minLevel":4},{"afterS":1,"minLevel":3},{"afterS":2,"minLevel":2},{"afterS":3,"minLevel":1}]',
    };
    for (let i = 0; i < 3; i++) instances.push(await dispatchHarness(redis.url, env));
  });
  afterAll(async () => {
    for (const h of instances) await h.close();
    await redis?.stop();
  });

  it('keeps every invariant after every batch of concurrent random actions, and loses nothing', async () => {
    const random = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const any = () => pick(instances);
    const { redis: client } = instances[0]!;

    const agentIds = Array.from({ length: AGENTS }, (_, i) => `ag${i}`);
    const present = new Set<string>();
    for (const id of agentIds) {
      const languages = random() < 0.3 ? ['zh', 'en'] : [pick(LANGUAGES)];
      const topics = TOPICS.filter(() => random() < 0.5);
      const tier = random() < 0.15 ? 'expert' : 'frontline';
      // each topic at a random level, each agent its own capacity
      const skills = (topics.length ? topics : [pick(TOPICS)]).map((topic) => ({ topic, level: 1 + Math.floor(random() * 5) }));
      await any().dispatcher.register({ id, name: id, tier, languages, topics: skills, capacity: 1 + Math.floor(random() * 5) });
    }
    /** Offers a supervisor made to a named agent (levels do not bind a person's choice). */
    const namedOffers = new Set<string>();

    const sessions: string[] = [];
    /** Sessions not yet ended, cancelled or abandoned: what the session actions pick from. */
    let live: string[] = [];
    const sessionOf = new Map<string, string>(); // session -> taxpayer
    const freeTaxpayers: string[] = [];
    let taxpayerCount = 0;
    const openOffers = () => {
      const open = new Map<string, { offer: string; agent: string; session: string }>();
      for (const h of instances) {
        for (const e of h.effects) {
          if (e.t === 'offer') open.set(e.offer, { offer: e.offer, agent: e.agent, session: e.session });
          if (e.t === 'offer-closed') open.delete(e.offer);
        }
      }
      return [...open.values()];
    };
    const sessionState = async (s: string) => (await client.hGet(`sess:${s}`, 'state')) ?? '';
    const unexpected: unknown[] = [];
    const attempt = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        if (!(error instanceof ProtocolError && EXPECTED.has(error.code))) unexpected.push(error);
      }
    };

    const actions: [number, () => Promise<void>][] = [
      [
        30,
        async () => {
          const sub = freeTaxpayers.pop() ?? `tp${taxpayerCount++}`;
          await attempt(async () => {
            const s = await any().dispatcher.request(
              { sub, role: 'taxpayer', name: sub },
              {
                language: pick(LANGUAGES),
                topic: pick(TOPICS),
                channel: pick(['voice', 'video', 'text', 'text'] as const),
                priority: random() < 0.1 ? 'elderly' : 'normal',
                entry: { kind: 'portal', page: '/' },
              },
            );
            sessions.push(s);
            live.push(s);
            sessionOf.set(s, sub);
          });
        },
      ],
      [
        12,
        async () => {
          const id = pick(agentIds);
          const status = pick(['available', 'available', 'available', 'away', 'offline'] as const);
          if (status === 'offline') present.delete(id);
          else present.add(id);
          await attempt(() => any().dispatcher.setStatus(id, status, random() < 0.3 ? 'super1' : undefined));
        },
      ],
      [
        20,
        async () => {
          const offer = pick(openOffers());
          if (offer) await attempt(() => any().dispatcher.accept(offer.offer, offer.agent));
        },
      ],
      [
        6,
        async () => {
          const offer = pick(openOffers());
          if (offer) await attempt(() => any().dispatcher.decline(offer.offer, random() < 0.9 ? offer.agent : pick(agentIds)));
        },
      ],
      [
        8,
        async () => {
          const s = pick(live);
          if (s) await attempt(() => any().dispatcher.cancel(s, sessionOf.get(s) ?? ''));
        },
      ],
      [
        10,
        async () => {
          const s = pick(live);
          if (!s) return;
          const agent = await client.hGet(`sess:${s}`, 'agent');
          await attempt(() => any().dispatcher.finish(s, random() < 0.8 && agent ? { agentId: agent } : { taxpayerSub: sessionOf.get(s) ?? '' }));
        },
      ],
      [
        6,
        async () => {
          const s = pick(live);
          const agent = s && (await client.hGet(`sess:${s}`, 'agent'));
          if (s && agent) await attempt(() => any().dispatcher.wrapUp(s, agent, 'n', 'resolved'));
        },
      ],
      [
        4,
        async () => {
          const s = pick(live);
          const agent = s && (await client.hGet(`sess:${s}`, 'agent'));
          if (s && agent) {
            await attempt(() =>
              any().dispatcher.handover(random() < 0.5 ? 'escalation' : 'transfer', s, agent, {
                language: pick(LANGUAGES),
                topic: pick(TOPICS),
                tier: random() < 0.5 ? 'expert' : 'frontline',
                note: 'n',
              }),
            );
          }
        },
      ],
      [
        3,
        async () => {
          const s = pick(live);
          const secondary = s && (await client.hGet(`sess:${s}`, 'secondary'));
          if (s && secondary) await attempt(() => any().dispatcher.leave(s, secondary));
        },
      ],
      [
        3,
        async () => {
          const s = pick(live);
          if (!s) return;
          const h = any();
          const target = random() < 0.5 ? pick(agentIds) : undefined;
          const before = h.effects.length;
          await attempt(() => h.dispatcher.reassign(s, 'sup', target));
          for (const e of h.effects.slice(before)) if (e.t === 'offer' && e.session === s && e.agent === target) namedOffers.add(e.offer);
        },
      ],
      [
        3,
        async () => {
          // an agent's browser or instance vanishes: its heartbeats stop
          present.delete(pick(agentIds));
        },
      ],
      [
        4,
        async () => {
          const s = pick(live);
          if (s) await attempt(() => any().dispatcher.taxpayerGone(s, sessionOf.get(s) ?? ''));
        },
      ],
      [
        8,
        async () => {
          await attempt(() => any().dispatcher.sweep());
        },
      ],
    ];
    const totalWeight = actions.reduce((sum, [w]) => sum + w, 0);
    const randomAction = () => {
      let r = random() * totalWeight;
      for (const [weight, action] of actions) {
        r -= weight;
        if (r < 0) return action;
      }
      return actions[0]![1];
    };

    for (let batch = 0; batch < BATCHES; batch++) {
      const before = instances.map((h) => h.effects.length);
      await Promise.all(Array.from({ length: ACTIONS_PER_BATCH }, () => randomAction()()));
      await any().dispatcher.heartbeat([...present]);
      expect(unexpected).toEqual([]);
      // check what this batch touched (and everything now and then)
      const touchedAgents = new Set<string>();
      const touchedSessions = new Set<string>();
      const requeued = new Set<string>();
      instances.forEach((h, i) => {
        for (const e of h.effects.slice(before[i])) {
          if ('agent' in e) touchedAgents.add(e.agent);
          if ('session' in e) touchedSessions.add(e.session);
          if (e.t === 'session' && ['queued', 'escalating', 'transferring'].includes(e.state)) requeued.add(e.session);
        }
      });
      const full = batch % 50 === 49;
      const problems = await checkInvariants(client, full ? agentIds : touchedAgents, full ? sessions : touchedSessions, namedOffers);
      problems.push(
        ...(await checkNobodyIdles(
          client,
          requeued,
          agentIds.filter((a) => !touchedAgents.has(a)),
        )),
      );
      expect(problems, `batch ${batch}`).toEqual([]);
      const ended = new Set<string>();
      for (const s of touchedSessions) {
        const state = await sessionState(s);
        if (['ended', 'cancelled', 'abandoned'].includes(state)) ended.add(s);
        if (ended.has(s) || state === 'wrap-up') {
          const sub = sessionOf.get(s);
          if (sub && (await client.get(`taxpayer:${sub}:active`)) === null && !freeTaxpayers.includes(sub)) freeTaxpayers.push(sub);
        }
      }
      live = live.filter((s) => !ended.has(s));
      if (batch % 100 === 99) await sleep(300); // let offers, heartbeats and wrap-ups time out
    }

    // wind down: everyone available, sweeps until nothing changes
    await sleep(1200);
    for (let i = 0; i < 5; i++) await any().dispatcher.sweep();
    expect(await checkInvariants(client, agentIds, sessions, namedOffers)).toEqual([]);

    // nothing lost: every request ended, or is still waiting or being served
    const states = new Map<string, number>();
    for (const s of sessions) {
      const state = await sessionState(s);
      states.set(state, (states.get(state) ?? 0) + 1);
    }
    const known = ['queued', 'offered', 'active', 'escalating', 'transferring', 'wrap-up', 'ended', 'cancelled', 'abandoned'];
    expect([...states.keys()].filter((s) => !known.includes(s))).toEqual([]);
    // the run did exercise the flows it claims to
    expect(sessions.length).toBeGreaterThan(1000);
    expect((states.get('ended') ?? 0) + (states.get('wrap-up') ?? 0)).toBeGreaterThan(50);
    const offerOutcomes = new Map<string, number>();
    for (const h of instances) for (const e of h.effects) if (e.t === 'offer-closed') offerOutcomes.set(e.reason, (offerOutcomes.get(e.reason) ?? 0) + 1);
    for (const reason of ['accepted', 'declined', 'timeout', 'revoked']) expect(offerOutcomes.get(reason) ?? 0, reason).toBeGreaterThan(10);
    expect(instances.some((h) => h.effects.some((e) => e.t === 'agent-lost'))).toBe(true);
    // sessions relaxed to every level, and agents at every level and capacity served
    const minLevels = new Set<string>();
    for (const s of sessions) minLevels.add((await client.hGet(`sess:${s}`, 'minLevel')) ?? '');
    expect([...minLevels].sort()).toEqual(['1', '2', '3', '4']);
    const capacities = new Set((await Promise.all(agentIds.map((a) => client.hGet(`dp:agent:${a}`, 'cap')))).map(Number));
    expect([...capacities].sort()).toEqual([1, 2, 3, 4, 5]);
    console.log(`seed ${SEED}: ${sessions.length} requests, ${AGENTS} agents; final states`, Object.fromEntries(states), 'offers', Object.fromEntries(offerOutcomes));
    // 6,000 actions and their checks: ~15 s on an idle 2-core machine, twice that beside other work
  }, 120_000);
});
