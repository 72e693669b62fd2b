import { ProtocolError, type Principal } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import type { RedisClient } from '../redis/client.js';

export const sessionCountKey = (sessionId: string) => `att:${sessionId}:count`;
/** Per taxpayer and local day (the day of the daily totals, DISPATCH_TZ_OFFSET_MIN). */
const dailyKey = (sub: string, day: number) => `att:daily:${sub}:${day}`;

/**
 * The upload allowances: files per session (everyone) and, for taxpayers, files and bytes per
 * local day across all their sessions, so a page cannot fill Redis session after session. A
 * refused file gives back what it reserved: it is not counted against the next one.
 */
export class AttachmentQuota {
  constructor(
    private readonly redis: RedisClient,
    private readonly config: Config,
  ) {}

  async reserve(sessionId: string, principal: Principal, bytes: number): Promise<void> {
    const { maxAttachmentsPerSession, maxAttachmentsPerDay, maxAttachmentBytesPerDay } = this.config.chat;
    const day = Math.floor((Date.now() + this.config.dispatch.tzOffsetMin * 60_000) / 86_400_000);
    const daily = principal.role === 'taxpayer' ? dailyKey(principal.sub, day) : undefined;
    const reserve = this.redis
      .multi()
      .incr(sessionCountKey(sessionId))
      .expire(sessionCountKey(sessionId), this.config.dispatch.retentionDays * 86_400);
    if (daily)
      reserve
        .hIncrBy(daily, 'count', 1)
        .hIncrBy(daily, 'bytes', bytes)
        .expire(daily, 2 * 86_400);
    const [sessionCount, , dailyCount, dailyBytes] = (await reserve.exec()) as unknown as number[];

    const refusal =
      sessionCount! > maxAttachmentsPerSession
        ? `At most ${maxAttachmentsPerSession} files a session`
        : daily && dailyCount! > maxAttachmentsPerDay
          ? `At most ${maxAttachmentsPerDay} files a day`
          : daily && dailyBytes! > maxAttachmentBytesPerDay
            ? `At most ${Math.round(maxAttachmentBytesPerDay / 1024)} KB of files a day`
            : undefined;
    if (!refusal) return;
    const release = this.redis.multi().decr(sessionCountKey(sessionId));
    if (daily) release.hIncrBy(daily, 'count', -1).hIncrBy(daily, 'bytes', -bytes);
    await release.exec();
    throw new ProtocolError('RATE_LIMITED', refusal);
  }
}
