import type { Logger } from 'pino';
import type { RedisClient } from './client.js';

/**
 * Warns when an external Redis may evict keys at its maxmemory: evicting would silently drop
 * dispatcher state and sessions in progress, where `noeviction` refuses writes (UNAVAILABLE).
 * A managed Redis may not allow CONFIG GET; then nothing can be said, and that is logged too.
 */
export async function warnIfEvicting(redis: RedisClient, log: Logger): Promise<void> {
  let policy: string | undefined;
  try {
    policy = (await redis.configGet('maxmemory-policy'))['maxmemory-policy'];
  } catch (error) {
    log.info({ err: error }, 'the maxmemory-policy of the external Redis cannot be read (CONFIG GET refused); it should be noeviction');
    return;
  }
  if (policy !== undefined && policy !== 'noeviction') {
    log.warn({ policy }, 'the external Redis evicts keys at its maxmemory: dispatcher state and sessions in progress may vanish; set maxmemory-policy noeviction');
  }
}
