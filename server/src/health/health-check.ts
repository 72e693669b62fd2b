import type { Logger } from 'pino';
import type { WorkerPool } from '@etax-assist/sfu';
import type { InstanceRegistry } from '../cluster/instance-registry.js';
import type { DatabasePool } from '../database/pool.js';
import type { RedisClient } from '../redis/client.js';

export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export interface HealthReport {
  /**
   * Redis answers and every mediasoup worker is alive. The database is reported, not counted:
   * routing, chat and co-browsing run on Redis, and records wait there until it is back.
   */
  healthy: boolean;
  draining: boolean;
  instance: string;
  checks: { redis: CheckResult; database: CheckResult; mediasoup: CheckResult };
}

export interface HealthCheckOptions {
  redis: RedisClient;
  database: DatabasePool;
  pool: WorkerPool;
  registry: InstanceRegistry;
  /** How long a Redis PING or a database SELECT may take before it counts as down. */
  timeoutMs: number;
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
    const { redis, database, pool, registry, timeoutMs } = this.options;
    const [redisCheck, databaseCheck] = await Promise.all([pingRedis(redis, timeoutMs), answers(() => database.query('SELECT 1'), timeoutMs)]);
    const { workers, alive } = pool.health();
    const mediasoupCheck: CheckResult = alive === workers ? { ok: true } : { ok: false, detail: `${alive} of ${workers} workers alive` };
    const report = {
      healthy: redisCheck.ok && mediasoupCheck.ok,
      draining: registry.draining,
      instance: registry.id,
      checks: { redis: redisCheck, database: databaseCheck, mediasoup: mediasoupCheck },
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
