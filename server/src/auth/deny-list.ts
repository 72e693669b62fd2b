import type { RedisClient } from '../redis/client.js';
import type { ReplicationBarrier } from '../redis/replication-barrier.js';

/** Redis key of one revoked token id. */
export const revokedTokenKey = (jti: string): string => `auth:revoked:${jti}`;

/**
 * Revoked token ids (`jti`), shared by every instance through Redis. Each entry lives exactly as
 * long as its token would still be accepted, so the list never outgrows the tokens it refuses.
 */
export class TokenDenyList {
  constructor(
    private readonly redis: RedisClient,
    private readonly replication: Pick<ReplicationBarrier, 'confirm'>,
  ) {}

  async add(jti: string, validUntilMs: number): Promise<void> {
    const remainingMs = validUntilMs - Date.now();
    // a token past its validity is refused as expired already: nothing to remember
    if (remainingMs <= 0) return;
    await this.redis.set(revokedTokenKey(jti), '1', { PX: remainingMs });
    // a sign-out a failover took back would let the token in again
    await this.replication.confirm();
  }

  async has(jti: string): Promise<boolean> {
    return (await this.redis.exists(revokedTokenKey(jti))) === 1;
  }
}
