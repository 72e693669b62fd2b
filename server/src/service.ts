import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { WorkerPool } from '@etax-assist/sfu';
import { buildApp, type App } from './app.js';
import { buildPortalOrigin } from './demo-portal/portal-origin.js';
import { AccountDirectory } from './auth/accounts.js';
import { loadAuthKeys } from './auth/keys.js';
import { DeviceTokens } from './devices/device-tokens.js';
import { TokenService } from './auth/tokens.js';
import type { Config } from './config/env.js';
import { persistedSecret } from './config/persisted-secret.js';
import { EmbeddedPostgres } from './database/embedded.js';
import { migrate, MIGRATIONS_DIR } from './database/migrator.js';
import { closeDatabase, connectDatabase, type DatabasePool } from './database/pool.js';
import { connectRedis, type RedisClient } from './redis/client.js';
import { SentinelRelay } from './redis/sentinel-relay.js';
import { EmbeddedRedis } from './redis/embedded.js';
import { warnIfEvicting } from './redis/eviction-policy.js';
import { clusterAdapter } from './cluster/socket-adapter.js';

export interface RunningService {
  app: App;
  pool: WorkerPool;
  redis: RedisClient;
  embeddedRedis: EmbeddedRedis | undefined;
  database: DatabasePool;
  embeddedPostgres: EmbeddedPostgres | undefined;
  tokens: TokenService;
  /** Where the HTTP server actually listens (PORT=0 picks a free port). */
  url: string;
  /** Where the metrics listener listens (METRICS_PORT), if it does. */
  metricsUrl: string | undefined;
  /** The demo portal's second origin (DEMO_PORTAL_PORT), if it has one. */
  demoPortalUrl: string | undefined;
  /** Stops in dependency order: stop taking work, close sockets and HTTP, media, Redis, then the database. */
  close(): Promise<void>;
}

/** Starts everything the service needs and returns a handle to stop it again. */
export async function startService(config: Config, log: Logger): Promise<RunningService> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const runCleanups = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log.error({ err: error }, 'error during shutdown');
      }
    }
  };
  try {
    const database = await startDatabase(config, log, cleanups);
    let redisUrl = config.redis.url;
    let embeddedRedis: EmbeddedRedis | undefined;
    const { sentinel } = config.redis;
    if (sentinel) {
      const relay = await SentinelRelay.start(sentinel, log.child({ component: 'redis-sentinel' }));
      cleanups.push(() => relay.stop());
      redisUrl = relay.url;
    } else if (!redisUrl) {
      embeddedRedis = await EmbeddedRedis.start({
        serverBin: config.redis.serverBin,
        port: config.redis.embeddedPort,
        dir: join(config.dataDir, 'redis'),
        startTimeoutMs: 10_000,
        log: log.child({ component: 'redis' }),
        appendfsync: config.redis.appendfsync,
        maxmemoryBytes: config.redis.maxmemoryBytes,
      });
      const started = embeddedRedis;
      cleanups.push(() => started.stop());
      redisUrl = started.url;
    }
    const redis = await connectRedis(redisUrl, log, 'etax-assist');
    if (config.redis.url || sentinel) await warnIfEvicting(redis, log);
    cleanups.push(async () => {
      if (redis.isOpen) await redis.close();
    });

    const pool = await WorkerPool.start(
      {
        workerBin: config.mediasoup.workerBin,
        numWorkers: config.mediasoup.numWorkers,
        logLevel: config.mediasoup.logLevel,
        listenIp: config.mediasoup.listenIp,
        announcedAddress: config.mediasoup.announcedAddress,
        basePort: config.mediasoup.rtcBasePort,
        respawnDelayMs: config.mediasoup.respawnDelayMs,
      },
      log.child({ component: 'sfu' }),
    );
    cleanups.push(() => pool.close());

    const keys = loadAuthKeys(config);
    const tokens = new TokenService(keys, {
      audience: config.auth.audience,
      staffIssuer: config.auth.staffIssuer,
      portalIssuer: config.auth.portalIssuer,
      staffTokenTtlS: config.auth.staffTokenTtlS,
      clockToleranceS: config.auth.clockToleranceS,
    });
    const deviceTokens = new DeviceTokens({
      secret: keys.staffSecret,
      issuer: `${config.auth.staffIssuer}:device`,
      audience: config.auth.audience,
      ttlS: config.devices.tokenTtlS,
      clockToleranceS: config.auth.clockToleranceS,
    });
    const accounts = config.auth.devLogin ? AccountDirectory.fromFile(config.auth.devAccountsFile) : undefined;

    const cluster = await clusterAdapter(redisUrl, config.cluster.adapterStreamMaxLen, log);
    cleanups.push(async () => {
      if (cluster.client.isOpen) await cluster.client.close();
    });
    const app = await buildApp({
      config,
      log,
      tokens,
      deviceTokens,
      accounts,
      redis,
      database: database.pool,
      pool,
      assetSecret: keys.staffSecret,
      adapter: cluster.adapter,
      adapterWatch: cluster.watch,
    });
    cleanups.push(async () => {
      // Periodic work first, then sockets (clients reconnect elsewhere), then HTTP waits for
      // in-flight requests.
      await app.stopBackground();
      await app.io.close();
      await app.settleHooks();
      await app.http.close();
    });
    const address = await app.http.listen({ host: config.host, port: config.port });
    const port = new URL(address).port;
    const url = config.port === 0 ? `http://localhost:${port}` : config.publicUrl;
    const demoPortalUrl = await listenPortalOrigin(config, app, url, log, cleanups);
    const { metricsHttp } = app;
    let metricsUrl: string | undefined;
    if (metricsHttp) {
      cleanups.push(() => metricsHttp.close());
      metricsUrl = await metricsHttp.listen({ host: config.metrics.host, port: config.metrics.port });
    }

    let closing: Promise<void> | undefined;
    return {
      app,
      pool,
      redis,
      embeddedRedis,
      database: database.pool,
      embeddedPostgres: database.embedded,
      tokens,
      url,
      metricsUrl,
      demoPortalUrl,
      close: () => (closing ??= runCleanups()),
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
}

/**
 * The demo portal on its second origin (DEMO_PORTAL_PORT), loading the SDK from `serviceUrl`:
 * listening, and admitted by the origin policy. Its URL, or undefined when there is none.
 */
async function listenPortalOrigin(config: Config, app: App, serviceUrl: string, log: Logger, cleanups: (() => Promise<void> | void)[]): Promise<string | undefined> {
  if (config.demoPortalPort === undefined || !app.demoPortal) return undefined;
  const portal = await buildPortalOrigin({ ...app.demoPortal, serviceUrl, log: log.child({ component: 'demo-portal-origin' }) });
  cleanups.push(() => portal.close());
  const port = new URL(await portal.listen({ host: config.host, port: config.demoPortalPort })).port;
  // the browser's name for it: the host part of the service's URL, on the portal's port
  const url = new URL(serviceUrl);
  url.port = port;
  app.origins.add(url.origin);
  return url.origin;
}

/**
 * The system of record, first up and last down: the embedded PostgreSQL when DATABASE_URL is
 * unset (its password kept under DATA_DIR/secrets), the pool, and the schema brought up to date.
 */
async function startDatabase(config: Config, log: Logger, cleanups: (() => Promise<void> | void)[]): Promise<{ pool: DatabasePool; embedded: EmbeddedPostgres | undefined }> {
  const databaseLog = log.child({ component: 'postgres' });
  let url = config.database.url;
  let embedded: EmbeddedPostgres | undefined;
  if (!url) {
    const password = persistedSecret(join(config.dataDir, 'secrets'), 'postgres.password', () => randomBytes(24).toString('base64url'));
    const started = await EmbeddedPostgres.start({
      binDir: config.database.binDir,
      port: config.database.embeddedPort,
      dir: join(config.dataDir, 'postgres'),
      password,
      // crash recovery after a kill -9 replays the WAL first
      startTimeoutMs: 60_000,
      log: databaseLog,
    });
    cleanups.push(() => started.stop());
    embedded = started;
    url = started.url;
  }
  const pool = await connectDatabase(
    {
      url,
      max: config.database.poolMax,
      connectTimeoutMs: config.database.connectTimeoutMs,
      statementTimeoutMs: config.database.statementTimeoutMs,
      applicationName: `etax-assist ${config.cluster.instanceId ?? ''}`.trim(),
    },
    databaseLog,
  );
  cleanups.push(() => closeDatabase(pool));
  await migrate(pool, MIGRATIONS_DIR, databaseLog);
  return { pool, embedded };
}
