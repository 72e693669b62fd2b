import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { InstanceInfo } from '@etax-assist/protocol';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import type { RedisClient } from '../redis/client.js';

const INSTANCES = 'cluster:instances';
const instanceKey = (id: string) => `cluster:instance:${id}`;
const reapedKey = (id: string) => `cluster:reaped:${id}`;

// Heartbeat ages are measured by Redis's clock, never by the instances' own (which may differ).
const REDIS_NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
/** ARGV: timeout ms, `live` (younger than it) or `lost` (older). */
const BY_AGE = `${REDIS_NOW}
if ARGV[2] == 'live' then return redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[1]), '+inf') end
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[1])))`;
/** One round trip: was this instance declared dead meanwhile (and forget it), then its heartbeat. ARGV: id, info, ttl ms. */
const BEAT = `${REDIS_NOW}
local reaped = redis.call('GETDEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[3], now, ARGV[1])
return reaped and 1 or 0`;

function instancesByAge(redis: RedisClient, timeoutMs: number, age: 'live' | 'lost'): Promise<string[]> {
  return redis.eval(BY_AGE, { keys: [INSTANCES], arguments: [String(timeoutMs), age] }) as Promise<string[]>;
}

/** The instances whose heartbeat is younger than `timeoutMs`, as they last announced themselves. */
export async function readInstances(redis: RedisClient, timeoutMs: number): Promise<InstanceInfo[]> {
  const ids = await instancesByAge(redis, timeoutMs, 'live');
  if (ids.length === 0) return [];
  const values = await redis.mGet(ids.map(instanceKey));
  return values.flatMap((value) => (value ? [JSON.parse(value) as InstanceInfo] : [])).sort((a, b) => a.id.localeCompare(b.id));
}

export interface InstanceRegistryOptions {
  id: string | undefined;
  url: string;
  intervalMs: number;
  timeoutMs: number;
}

type RegistryEvents = {
  /** Another instance stopped beating: exactly one surviving instance hears it. */
  lost: [id: string];
  /** This instance was silent too long and the others re-homed its sessions (e.g. a long GC or VM pause). */
  'declared-dead': [];
};

/**
 * The instances sharing this Redis: each announces itself (heartbeat with its load) every
 * interval; new media rooms go to the least-loaded live instance that is not draining; an
 * instance silent past the timeout is lost, and one survivor (who claims it first) re-homes
 * what it held.
 *
 * What the heartbeat measures: that this instance's event loop ran its heartbeat and the write
 * reached Redis, aged by Redis's clock. A stall of the event loop (long GC, saturated CPU, VM
 * pause) shorter than the timeout minus one interval is never taken for death. Past the timeout
 * the instance is declared dead; when it runs again, its next beat learns it, it closes the media
 * rooms it still had (their clients were told to rejoin elsewhere) and it is live again from that
 * beat on, its sockets served as before (what its adapter missed meanwhile: cluster/stream-gap.ts).
 */
export class InstanceRegistry extends EventEmitter<RegistryEvents> {
  readonly id: string;
  readonly #startedAt = Date.now();
  #draining = false;
  #task: PeriodicTask | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: InstanceRegistryOptions,
    private readonly load: () => { rooms: number; sockets: number },
    private readonly log: Logger,
  ) {
    super();
    this.id = options.id ?? randomUUID();
  }

  get draining(): boolean {
    return this.#draining;
  }

  async start(): Promise<void> {
    await this.#beat();
    this.#task = new PeriodicTask(
      'instance heartbeat',
      this.options.intervalMs,
      async () => {
        await this.#beat();
        await this.#reap();
      },
      this.log,
    );
  }

  /** No new media rooms here from now on; what runs here finishes (rolling upgrade). */
  async drain(): Promise<InstanceInfo> {
    this.#draining = true;
    this.log.warn({ instance: this.id }, 'draining: no new sessions on this instance');
    return this.#beat();
  }

  async #beat(): Promise<InstanceInfo> {
    const info: InstanceInfo = { id: this.id, url: this.options.url, ...this.load(), draining: this.#draining, startedAt: this.#startedAt, at: Date.now() };
    const reaped = await this.redis.eval(BEAT, {
      keys: [reapedKey(this.id), instanceKey(this.id), INSTANCES],
      arguments: [this.id, JSON.stringify(info), String(this.options.timeoutMs)],
    });
    if (reaped === 1) {
      // back in the cluster from now on (this beat), without what the others re-homed
      this.log.error({ instance: this.id }, 'this instance was declared dead by the others: dropping what it held');
      this.emit('declared-dead');
    }
    return info;
  }

  /** Instances whose heartbeat stopped: claimed once (SET NX), then reported as lost. */
  async #reap(): Promise<void> {
    const dead = await instancesByAge(this.redis, this.options.timeoutMs, 'lost');
    for (const id of dead) {
      if (id === this.id) continue;
      const claimed = await this.redis.set(reapedKey(id), this.id, { NX: true, PX: this.options.timeoutMs * 10 });
      await this.redis.zRem(INSTANCES, id);
      if (claimed !== 'OK') continue;
      this.log.warn({ lost: id }, 'instance lost (no heartbeat): re-homing what it held');
      this.emit('lost', id);
    }
  }

  /** The live instances, as they last announced themselves. */
  live(): Promise<InstanceInfo[]> {
    return readInstances(this.redis, this.options.timeoutMs);
  }

  async isLive(id: string): Promise<boolean> {
    return (await this.redis.exists(instanceKey(id))) === 1;
  }

  /** Where a new media room goes: the live, non-draining instance with the fewest rooms. */
  async pickForNewRoom(): Promise<string | undefined> {
    const candidates = (await this.live()).filter((i) => !i.draining);
    candidates.sort((a, b) => a.rooms - b.rooms || a.sockets - b.sockets || a.id.localeCompare(b.id));
    return candidates[0]?.id;
  }

  /** Leaves the cluster on a graceful stop, so nobody waits for the timeout to notice. */
  async stop(): Promise<void> {
    await this.#task?.stop();
    await this.redis
      .multi()
      .del(instanceKey(this.id))
      .zRem(INSTANCES, this.id)
      .exec()
      .catch(() => {});
  }
}
