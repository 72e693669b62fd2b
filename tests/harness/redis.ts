import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { EmbeddedRedis, type connectRedis } from '@etax-assist/server';
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

/**
 * Fills a Redis started with `maxmemoryBytes` until it refuses writes (OOM), with keys `test:fill:*`
 * in ever smaller values (a large one's own query buffer counts against the limit while it is
 * refused), then lowers its maxmemory 1 MB under what it uses: buffers that come and go (the
 * append-only file's, clients') cannot let a write through while the test asserts refusals.
 * Returns what frees the memory again: the keys deleted, the maxmemory as it was.
 */
export async function fillToMaxmemory(redis: Awaited<ReturnType<typeof connectRedis>>): Promise<() => Promise<void>> {
  const maxmemory = (await redis.configGet('maxmemory')).maxmemory ?? '0';
  const filler: string[] = [];
  for (const size of [256 * 1024, 16 * 1024, 1024]) {
    for (;;) {
      const key = `test:fill:${filler.length}`;
      const refused = await redis.set(key, 'x'.repeat(size)).then(
        () => false,
        (error: Error) => /^OOM /.test(error.message),
      );
      if (refused) break;
      filler.push(key);
    }
  }
  const used = Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
  // well past the limit: what Redis frees by itself meanwhile (an append-only rewrite's buffer, the
  // service's own expiring keys) must not bring it back under it before the test's next write
  await redis.configSet('maxmemory', String(used - 4 * 1024 * 1024));
  return async () => {
    await redis.del(filler);
    await redis.configSet('maxmemory', maxmemory);
  };
}
