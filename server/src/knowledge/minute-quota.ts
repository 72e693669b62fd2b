import { ProtocolError } from '@etax-assist/protocol';
import type { RedisClient } from '../redis/client.js';

/**
 * At most `perMinute` calls of one kind a minute for one caller (the taxpayer's sub), counted in
 * Redis so that every instance counts the same; past it RATE_LIMITED with the seconds to wait.
 */
export class MinuteQuota {
  constructor(
    private readonly redis: RedisClient,
    private readonly name: string,
    private readonly perMinute: number,
  ) {}

  async take(caller: string): Promise<void> {
    const minute = Math.floor(Date.now() / 60_000);
    const key = `quota:${this.name}:${caller}:${minute}`;
    const [count] = (await this.redis.multi().incr(key).expire(key, 120).exec()) as [number, unknown];
    if (count > this.perMinute) {
      const retryAfterS = Math.max(1, Math.ceil(((minute + 1) * 60_000 - Date.now()) / 1000));
      throw new ProtocolError('RATE_LIMITED', `At most ${this.perMinute} ${this.name} requests a minute; try again in ${retryAfterS} s`, { retryAfterS });
    }
  }
}
