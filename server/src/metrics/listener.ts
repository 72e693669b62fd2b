import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { HealthCheck } from '../health/health-check.js';
import { healthRoutes } from '../health/routes.js';
import { installErrorHandlers } from '../web/errors.js';
import { MetricsAccess } from './access.js';
import { metricsRoutes, type ServiceMetrics } from './registry.js';

/**
 * The separate metrics listener (METRICS_HOST:METRICS_PORT) for Prometheus on an internal
 * network: /metrics and the detailed /healthz, without a token. Not listening yet.
 */
export async function buildMetricsListener(metrics: ServiceMetrics, health: HealthCheck, log: Logger): Promise<FastifyInstance> {
  // a scrape every few seconds would flood the logs with request lines
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- it is needed: it keeps the app typed with fastify's default logger, not pino's
  const app: FastifyInstance = Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });
  installErrorHandlers(app);
  const access = MetricsAccess.internal();
  await app.register(metricsRoutes, { metrics, access });
  await app.register(healthRoutes, { health, access });
  await app.ready();
  return app;
}
