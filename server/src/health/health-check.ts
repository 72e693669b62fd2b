import type { Logger } from 'pino';
import type { WorkerPool } from '@etax-assist/sfu';
import type { InstanceRegistry } from '../cluster/instance-registry.js';
import type { DatabasePool } from '../database/pool.js';
import type { RedisClient } from '../redis/client.js';
import { recordKeys } from '../records/keys.js';

export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export interface HealthReport {
  /**
   * Redis answers and every mediasoup worker is alive. The database and the records outbox are
   * reported, not counted: routing, chat and co-browsing run on Redis, and records wait in the
   * outbox until the database is back (a long outbox is a warning: Redis memory it holds).
   */
  healthy: boolean;
  draining: boolean;
  instance: string;
  checks: { redis: CheckResult; database: CheckResult; mediasoup: CheckResult; outbox: CheckResult };
}

export interface HealthCheckOptions {
  redis: RedisClient;
  database: DatabasePool;
  pool: WorkerPool;
  registry: InstanceRegistry;
  /** How long a Redis PING or a database SELECT may take before it counts as down. */
  timeoutMs: number;
  /** Record changes waiting in the outbox from which on it is reported as a warning. */
  outboxWarnLength: number;
  log: Logger;
}

/** Whether `ping` answers within the time; what went wrong if not. */
async function answers(ping: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([ping(), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** The records outbox: a warning once it holds `warnLength` entries or more (the archivers fall behind, or the database is away). */
async function outboxBacklog(redis: RedisClient, warnLength: number, timeoutMs: number): Promise<CheckResult> {
  if (!redis.isReady) return { ok: false, detail: 'Redis not connected' };
  let length = 0;
  const answered = await answers(async () => (length = await redis.xLen(recordKeys.outbox)), timeoutMs);
  if (!answered.ok) return answered;
  return length < warnLength ? { ok: true } : { ok: false, detail: `${length} record changes not archived yet` };
}

function pingRedis(redis: RedisClient, timeoutMs: number): Promise<CheckResult> {
  if (!redis.isReady) return Promise.resolve({ ok: false, detail: 'not connected' });
  return answers(() => redis.ping(), timeoutMs);
}

/**
 * The instance's health: Redis, the database and the mediasoup workers. What fails is logged when
 * it changes (a load balancer asks every few seconds; the logs get each change once, not each answer).
 */
export class HealthCheck {
  #lastProblems = '';

  constructor(private readonly options: HealthCheckOptions) {}

  async run(): Promise<HealthReport> {
    const { redis, database, pool, registry, timeoutMs, outboxWarnLength } = this.options;
    const [redisCheck, databaseCheck, outboxCheck] = await Promise.all([
      pingRedis(redis, timeoutMs),
      answers(() => database.query('SELECT 1'), timeoutMs),
      outboxBacklog(redis, outboxWarnLength, timeoutMs),
    ]);
    const { workers, alive } = pool.health();
    const mediasoupCheck: CheckResult = alive === workers ? { ok: true } : { ok: false, detail: `${alive} of ${workers} workers alive` };
    const report = {
      healthy: redisCheck.ok && mediasoupCheck.ok,
      draining: registry.draining,
      instance: registry.id,
      checks: { redis: redisCheck, database: databaseCheck, mediasoup: mediasoupCheck, outbox: outboxCheck },
    };
    this.#logChange(report);
    return report;
  }

  #logChange(report: HealthReport): void {
    const failing = Object.entries(report.checks).filter(([, check]) => !check.ok);
    const problems = JSON.stringify(failing);
    if (problems === this.#lastProblems) return;
    this.#lastProblems = problems;
    if (failing.length > 0) this.options.log.warn({ checks: report.checks }, 'health check failing');
    else this.options.log.info('health check passing again');
  }
}
