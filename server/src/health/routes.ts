import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { WorkerPool } from '@etax-assist/sfu';
import type { InstanceRegistry } from '../cluster/instance-registry.js';
import type { RedisClient } from '../redis/client.js';

const Check = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) });
const HealthResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('draining')]),
  instance: Type.String(),
  checks: Type.Object({ redis: Check, mediasoup: Check }),
});

export interface HealthOptions {
  redis: RedisClient;
  pool: WorkerPool;
  /** How long a Redis PING may take before Redis counts as down. */
  redisTimeoutMs: number;
  registry: InstanceRegistry;
}

async function pingRedis(redis: RedisClient, timeoutMs: number): Promise<{ ok: boolean; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    if (!redis.isReady) return { ok: false, detail: 'not connected' };
    await Promise.race([redis.ping(), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Liveness for load balancers: 200 when Redis answers and every mediasoup worker is alive, else
 * 503 — also while draining, so the balancer sends no new clients here.
 */
export async function healthRoutes(app: FastifyInstance, { redis, pool, redisTimeoutMs, registry }: HealthOptions): Promise<void> {
  app.get(
    '/healthz',
    { config: { auth: 'public' }, schema: { response: { 200: HealthResponse, 503: HealthResponse } } },
    async (_request, reply) => {
      const redisCheck = await pingRedis(redis, redisTimeoutMs);
      const { workers, alive } = pool.health();
      const mediasoupCheck = alive === workers ? { ok: true } : { ok: false, detail: `${alive} of ${workers} workers alive` };
      const ok = redisCheck.ok && mediasoupCheck.ok;
      const status = !ok ? 'degraded' : registry.draining ? 'draining' : 'ok';
      return reply
        .status(status === 'ok' ? 200 : 503)
        .send({ status, instance: registry.id, checks: { redis: redisCheck, mediasoup: mediasoupCheck } });
    },
  );
}
