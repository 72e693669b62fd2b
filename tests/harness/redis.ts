import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { EmbeddedRedis } from '@etax-assist/server';
import { freePort } from './ports.js';

export interface TestRedis {
  url: string;
  readonly redis: EmbeddedRedis;
  dir: string;
  /** Starts redis-server again on the same port and data dir: after a graceful stop, or after `kill -9` when `crash`. */
  restart(crash?: boolean): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real redis-server of the test's own, on a free port with a throw-away data dir; with
 * `maxmemoryBytes` it refuses writes past them (noeviction), as the embedded one does.
 */
export async function startTestRedis(appendfsync: 'always' | 'everysec' = 'everysec', maxmemoryBytes?: number): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'etax-redis-'));
  const options = { serverBin: 'redis-server', port: await freePort(), dir, startTimeoutMs: 10_000, log: pino({ level: 'silent' }), appendfsync, maxmemoryBytes };
  let redis = await EmbeddedRedis.start(options);
  return {
    url: redis.url,
    get redis() {
      return redis;
    },
    dir,
    async restart(crash = false) {
      if (crash) {
        process.kill(redis.pid!, 'SIGKILL');
        await redis.stop(); // waits for the exit
      } else await redis.stop();
      redis = await EmbeddedRedis.start(options);
    },
    async stop() {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
