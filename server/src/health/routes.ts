import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { MetricsAccess } from '../metrics/access.js';
import type { HealthCheck } from './health-check.js';

const Check = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) });
/** Everyone gets the status; the internals only a caller with metrics access. */
const HealthResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable'), Type.Literal('draining')]),
  instance: Type.Optional(Type.String()),
  checks: Type.Optional(Type.Object({ redis: Check, database: Check, mediasoup: Check, outbox: Check })),
});

export interface HealthRoutesOptions {
  health: HealthCheck;
  access: MetricsAccess;
}

/**
 * Liveness for load balancers: 200 when Redis answers and every mediasoup worker is alive, else
 * 503 — also while draining, so the balancer sends no new clients here. A database that does not
 * answer, or a long records outbox, shows in the checks only (every instance shares them: taking
 * them all out helps nobody).
 */
export async function healthRoutes(app: FastifyInstance, { health, access }: HealthRoutesOptions): Promise<void> {
  app.get('/healthz', { config: { auth: 'public' }, schema: { response: { 200: HealthResponse, 503: HealthResponse } } }, async (request, reply) => {
    const report = await health.run();
    const status = !report.healthy ? 'unavailable' : report.draining ? 'draining' : 'ok';
    const body = access.granted(request) ? { status, instance: report.instance, checks: report.checks } : { status };
    return reply.status(status === 'ok' ? 200 : 503).send(body);
  });
}
