import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { EmbeddedRedis } from '@etax-assist/server';
import { freePort } from './ports.js';

export interface TestRedis {
  url: string;
  redis: EmbeddedRedis;
  dir: string;
  stop(): Promise<void>;
}

/** A real redis-server of the test's own, on a free port with a throw-away data dir. */
export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'etax-redis-'));
  const redis = await EmbeddedRedis.start({
    serverBin: 'redis-server',
    port: await freePort(),
    dir,
    startTimeoutMs: 10_000,
    log: pino({ level: 'silent' }),
  });
  return {
    url: redis.url,
    redis,
    dir,
    async stop() {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
