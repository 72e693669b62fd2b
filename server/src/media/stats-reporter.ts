import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { MediaRoom, WorkerPool } from '@etax-assist/sfu';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import type { RedisClient } from '../redis/client.js';

export const MEDIA_INSTANCES_KEY = 'media:instances';
export const mediaInstanceKey = (id: string) => `media:instance:${id}`;

export interface WorkerMediaStats {
  index: number;
  pid: number;
  rooms: number;
  consumers: number;
  /** Share of one core used since the previous report, %. */
  cpuPct: number;
  maxRssKb: number;
}

export interface SessionMediaStats {
  sessionId: string;
  workerIndex: number;
  consumers: number;
  recvKbps: number;
  sendKbps: number;
  /** Packets lost / expected across the session's producers since the room was created, %. */
  lossPct: number;
  rttMs: number | null;
}

export interface InstanceMediaStats {
  instance: string;
  at: number;
  workers: WorkerMediaStats[];
  sessions: SessionMediaStats[];
}

async function sessionStats(room: MediaRoom): Promise<SessionMediaStats> {
  const { transports, producers, rttMs } = await room.getStats();
  const sum = <T>(items: T[], figure: (item: T) => number): number => items.reduce((total, item) => total + figure(item), 0);
  const recv = sum(transports, (t) => t.recvBitrate);
  const send = sum(transports, (t) => t.sendBitrate);
  const packets = sum(producers, (p) => p.packetCount);
  const lost = sum(producers, (p) => p.packetsLost);
  return {
    sessionId: room.sessionId,
    workerIndex: room.workerIndex,
    consumers: room.consumerCount,
    recvKbps: Math.round(recv / 1000),
    sendKbps: Math.round(send / 1000),
    lossPct: packets + lost > 0 ? Math.round((lost / (packets + lost)) * 10000) / 100 : 0,
    rttMs: rttMs.length ? Math.round((sum(rttMs, (rtt) => rtt) / rttMs.length) * 10) / 10 : null,
  };
}

/**
 * Every instance publishes the media figures of its own workers and rooms to Redis, so the
 * supervisor metrics (computed by whichever instance leads) show all of them.
 */
export class MediaStatsReporter {
  readonly id = randomUUID();
  readonly #task: PeriodicTask;
  #previousCpu = new Map<number, { at: number; cpuMs: number }>();
  #latest: InstanceMediaStats | undefined;

  constructor(
    private readonly pool: WorkerPool,
    private readonly redis: RedisClient,
    private readonly intervalMs: number,
    log: Logger,
  ) {
    this.#task = new PeriodicTask('media stats', intervalMs, () => this.#report(), log);
  }

  get latest(): InstanceMediaStats | undefined {
    return this.#latest;
  }

  async #report(): Promise<void> {
    const now = Date.now();
    const workers: WorkerMediaStats[] = (await this.pool.workerStats()).map((w) => {
      const cpuMs = w.usage.ru_utime + w.usage.ru_stime;
      const previous = this.#previousCpu.get(w.pid);
      this.#previousCpu.set(w.pid, { at: now, cpuMs });
      const cpuPct = previous && now > previous.at ? Math.round(((cpuMs - previous.cpuMs) / (now - previous.at)) * 1000) / 10 : 0;
      return { index: w.index, pid: w.pid, rooms: w.rooms, consumers: w.consumers, cpuPct, maxRssKb: w.usage.ru_maxrss };
    });
    const sessions = await Promise.all(this.pool.rooms.filter((r) => !r.closed).map(sessionStats));
    this.#latest = { instance: this.id, at: now, workers, sessions };
    const ttl = this.intervalMs * 3;
    await this.redis.set(mediaInstanceKey(this.id), JSON.stringify(this.#latest), { PX: ttl });
    await this.redis.zAdd(MEDIA_INSTANCES_KEY, { score: now, value: this.id });
    await this.redis.zRemRangeByScore(MEDIA_INSTANCES_KEY, '-inf', now - ttl);
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }
}

/** The media figures every live instance reported. */
export async function readMediaStats(redis: RedisClient, maxAgeMs: number): Promise<InstanceMediaStats[]> {
  const ids = await redis.zRangeByScore(MEDIA_INSTANCES_KEY, Date.now() - maxAgeMs, '+inf');
  const values = await Promise.all(ids.map((id) => redis.get(mediaInstanceKey(id))));
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as InstanceMediaStats);
}
