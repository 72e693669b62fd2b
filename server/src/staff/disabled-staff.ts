import type { RedisClient } from '../redis/client.js';

/** Redis set of the subs of disabled staff members. */
export const DISABLED_STAFF_KEY = 'staff:disabled';

/**
 * Who is disabled in the staff directory, as every instance's authenticator checks it on each
 * token: in Redis, beside the deny-list, so the check costs what a sign-out's costs and holds
 * while PostgreSQL is away. The directory is the truth: `replace` copies it at start.
 */
export class DisabledStaff {
  constructor(private readonly redis: RedisClient) {}

  async has(sub: string): Promise<boolean> {
    return (await this.redis.sIsMember(DISABLED_STAFF_KEY, sub)) === 1;
  }

  async set(sub: string, disabled: boolean): Promise<void> {
    if (disabled) await this.redis.sAdd(DISABLED_STAFF_KEY, sub);
    else await this.redis.sRem(DISABLED_STAFF_KEY, sub);
  }

  async replace(subs: readonly string[]): Promise<void> {
    const multi = this.redis.multi().del(DISABLED_STAFF_KEY);
    if (subs.length > 0) multi.sAdd(DISABLED_STAFF_KEY, [...subs]);
    await multi.exec();
  }
}
