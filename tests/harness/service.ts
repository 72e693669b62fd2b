import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadConfig, startService, type RunningService } from '@etax-assist/server';
import type { TaxpayerClaims } from '@etax-assist/protocol';
import { freeMediaPort } from './ports.js';
import { startTestPostgres, type TestPostgres } from './postgres.js';
import { startTestRedis, type TestRedis } from './redis.js';
import type { TestSentinelRedis } from './sentinel.js';

/** A single redis-server, or a primary and replica watched by sentinels (harness/sentinel.ts). */
type StoreRedis = TestRedis | TestSentinelRedis;

/** What instances of one deployment share: Redis and the system of record. */
export interface TestStores<R extends StoreRedis = TestRedis> {
  redis: R;
  postgres: TestPostgres;
}

/** A real redis-server and PostgreSQL for instances to share; `stop` stops both. */
export async function startTestStores(appendfsync: 'always' | 'everysec' = 'everysec'): Promise<TestStores & { stop(): Promise<void> }> {
  const [redis, postgres] = await Promise.all([startTestRedis(appendfsync), startTestPostgres()]);
  return {
    redis,
    postgres,
    async stop() {
      await Promise.all([redis.stop(), postgres.stop()]);
    },
  };
}

export interface TestService<R extends StoreRedis = TestRedis> extends TestStores<R> {
  service: RunningService;
  url: string;
  /** A taxpayer token signed with the portal key, as the portal would mint it. */
  taxpayerToken(claims?: Partial<TaxpayerClaims>, ttlS?: number): string;
  /** A staff token from the dev login. */
  staffToken(username: string, password: string): Promise<string>;
  /** The Prometheus text of /metrics, fetched with the test services' metrics token. */
  metricsText(): Promise<string>;
  stop(): Promise<void>;
}

export const DEV_PASSWORDS = {
  agent1: 'agent1-pass',
  agent2: 'agent2-pass',
  agent3: 'agent3-pass',
  expert1: 'expert1-pass',
  super1: 'super1-pass',
} as const;

/** The bearer token of /metrics and the detailed /healthz in every test service. */
export const METRICS_TOKEN = 'test-metrics-token-0123456789abcdef';

/**
 * The whole service in this process, on free ports, with one mediasoup worker and its own real
 * Redis and PostgreSQL (or the given ones, shared with other instances, which it then leaves
 * running); it logs to `log` when given (else at TEST_LOG_LEVEL).
 */
export async function startTestService<R extends StoreRedis = TestRedis>(env: Record<string, string> = {}, shared?: TestStores<R>, log?: Logger): Promise<TestService<R>> {
  const own = shared ? undefined : await startTestStores();
  const { redis, postgres } = (shared ?? own!) as TestStores<R>;
  const dataDir = mkdtempSync(join(tmpdir(), 'etax-data-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    ...('env' in redis ? redis.env : { REDIS_URL: redis.url }),
    DATABASE_URL: postgres.url,
    MEDIASOUP_WORKER_BIN: workerBin(),
    MEDIASOUP_NUM_WORKERS: '1',
    MEDIASOUP_RTC_BASE_PORT: String(await freeMediaPort()),
    MEDIASOUP_RESPAWN_DELAY_MS: '200',
    METRICS_TOKEN,
    ...env,
  });
  const service = await startService(config, log ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  return {
    service,
    redis,
    postgres,
    url: service.url,
    taxpayerToken(claims = {}, ttlS = 600) {
      return service.tokens.issuePortal({ sub: 'tp-1', role: 'taxpayer', name: '张伟', taxpayerId: '91310000MA1K000001', company: '示例公司', ...claims }, ttlS).token;
    },
    async staffToken(username, password) {
      const response = await fetch(`${service.url}/api/auth/dev-login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (!response.ok) throw new Error(`dev login failed: ${response.status}`);
      return ((await response.json()) as { token: string }).token;
    },
    async metricsText() {
      const response = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      if (!response.ok) throw new Error(`metrics failed: ${response.status}`);
      return response.text();
    },
    async stop() {
      await service.close();
      await own?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The worker binary the set-up built (or the one given in MEDIASOUP_WORKER_BIN). */
export function workerBin(): string {
  return process.env.MEDIASOUP_WORKER_BIN ?? join(import.meta.dirname, '../../.data/bin/mediasoup-worker');
}

/** The environment of an instance run as its own process on shared stores (one a test kills or pauses). */
export async function instanceProcessEnv(stores: TestStores, port: number, dataDir: string): Promise<Record<string, string>> {
  return {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    REDIS_URL: stores.redis.url,
    DATABASE_URL: stores.postgres.url,
    MEDIASOUP_WORKER_BIN: workerBin(),
    MEDIASOUP_NUM_WORKERS: '1',
    MEDIASOUP_RTC_BASE_PORT: String(await freeMediaPort()),
    LOG_LEVEL: 'warn',
  };
}

export interface TestCluster extends TestStores {
  instances: TestService[];
  stop(): Promise<void>;
}

/** What every instance of a test cluster shares: the token secrets. */
export const CLUSTER_SECRETS = { STAFF_JWT_SECRET: 'cluster-test-staff-secret-0123456789abcdef', PORTAL_JWT_SECRET: 'cluster-test-portal-secret-0123456789abcdef' };

/** Several instances on one Redis and one database, as behind a load balancer: same secrets, own ports and workers. */
export async function startTestCluster(count: number, env: Record<string, string> = {}, appendfsync: 'always' | 'everysec' = 'everysec'): Promise<TestCluster> {
  const stores = await startTestStores(appendfsync);
  const instances: TestService[] = [];
  for (let i = 1; i <= count; i++) instances.push(await startTestService({ ...CLUSTER_SECRETS, INSTANCE_ID: `instance-${i}`, ...env }, stores));
  return {
    redis: stores.redis,
    postgres: stores.postgres,
    instances,
    async stop() {
      for (const instance of instances) await instance.stop().catch(() => {});
      await stores.stop();
    },
  };
}
