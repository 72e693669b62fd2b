import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { AgentProfile } from '@etax-assist/server';
import { Dispatcher, connectRedis, loadConfig } from '@etax-assist/server';
import type { Effect, TaxpayerClaims, AdmittedHelpRequest } from '@etax-assist/protocol';

import { startTestRedis, type TestRedis } from './redis.js';

type RedisClient = Awaited<ReturnType<typeof connectRedis>>;

export interface DispatchHarness {
  dispatcher: Dispatcher;
  redis: RedisClient;
  effects: Effect[];
  agent(id: string, overrides?: Partial<AgentProfile>): Promise<AgentProfile>;
  taxpayer(sub: string, request?: Partial<AdmittedHelpRequest>): Promise<string>;
  session(id: string): Promise<Record<string, string>>;
  agentFields(id: string): Promise<Record<string, string>>;
  /** Offers currently pending for an agent (effects seen minus closed ones). */
  pendingOffers(agentId: string): { offer: string; session: string }[];
  close(): Promise<void>;
}

/** A Dispatcher on its own Redis connection, with the given DISPATCH_* environment. */
export async function dispatchHarness(redisUrl: string, env: Record<string, string> = {}): Promise<DispatchHarness> {
  const config = loadConfig({ NODE_ENV: 'test', REDIS_URL: redisUrl, ...env });
  const redis = await connectRedis(redisUrl, pino({ level: 'silent' }), 'test-dispatch');
  // no PostgreSQL here: the catalog the environment seeds, as its only version
  const dispatcher = new Dispatcher(redis, config.dispatch, { current: { version: 1, ...config.catalog.seed } });
  await dispatcher.start();
  const effects: Effect[] = [];
  dispatcher.on('effects', (batch) => effects.push(...batch));
  return {
    dispatcher,
    redis,
    effects,
    async agent(id, overrides = {}) {
      const profile: AgentProfile = {
        id,
        name: id,
        tier: 'frontline',
        languages: ['zh'],
        topics: [{ topic: 'invoice', level: 3 }],
        capacity: config.dispatch.textSessionsPerAgent,
        ...overrides,
      };
      await dispatcher.register(profile);
      return profile;
    },
    async taxpayer(sub, request = {}) {
      const claims: TaxpayerClaims = { sub, role: 'taxpayer', name: `taxpayer ${sub}` };
      return dispatcher.request(claims, {
        language: 'zh',
        topic: 'invoice',
        channel: 'voice',
        entry: { kind: 'portal', page: '/invoice' },
        priority: 'normal',
        ...request,
      });
    },
    session: (id) => redis.hGetAll(`sess:${id}`),
    agentFields: (id) => redis.hGetAll(`dp:agent:${id}`),
    pendingOffers(agentId) {
      const open = new Map<string, string>();
      for (const e of effects) {
        if (e.t === 'offer' && e.agent === agentId) open.set(e.offer, e.session);
        if (e.t === 'offer-closed') open.delete(e.offer);
      }
      return [...open].map(([offer, session]) => ({ offer, session }));
    },
    async close() {
      await redis.close();
    },
  };
}

/** Two dispatcher instances on one real redis-server, as two service instances: `redis` for the suite, `a` and `b` fresh (Redis flushed) for each test. */
export interface DispatcherPair {
  redis: TestRedis;
  a: DispatchHarness;
  b: DispatchHarness;
}

/** Starts the suite's redis-server and, before each test, a fresh pair of dispatchers with the given environment. */
export function dispatcherPairPerTest(env: Record<string, string>): DispatcherPair {
  const pair = {} as DispatcherPair;
  beforeAll(async () => {
    pair.redis = await startTestRedis();
  });
  afterAll(async () => {
    await pair.a?.close();
    await pair.b?.close();
    await pair.redis?.stop();
  });
  beforeEach(async () => {
    await pair.a?.close();
    await pair.b?.close();
    pair.a = await dispatchHarness(pair.redis.url, env);
    await pair.a.redis.flushAll();
    await pair.a.dispatcher.start();
    pair.b = await dispatchHarness(pair.redis.url, env);
  });
  return pair;
}
