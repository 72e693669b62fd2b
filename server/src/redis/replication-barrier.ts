import { Counter } from 'prom-client';
import type { Logger } from 'pino';
import type { RedisClient } from './client.js';

/**
 * Acknowledgements sent before their writes reached the replicas WAIT asked for (a replica
 * lagging past the timeout, or none connected): a failover at that moment can lose them.
 * Process-wide like the default process metrics; each service's registry registers it.
 */
export const unreplicatedAcks = new Counter({
  name: 'etax_redis_unreplicated_acks_total',
  help: 'Acknowledgements of writes that must survive a Redis failover sent before enough replicas had them',
  registers: [],
});

export interface ReplicationOptions {
  /** Replicas each such write must reach before its acknowledgement; 0: no waiting. */
  replicas: number;
  timeoutMs: number;
}

/** While too few replicas are there, how often the primary is asked whether they are back. */
const PROBE_INTERVAL_MS = 1000;

/**
 * `WAIT` on the service's command connection, before the acknowledgement of a write that must
 * survive a failover: WAIT returns once the replicas have everything this connection wrote before
 * it, so the write being acknowledged (already answered by Redis) is on them. Callers in the same
 * event-loop turn share one WAIT: it covers all their writes, and the connection (whose commands
 * queue behind a WAIT) is held once per turn, not once per acknowledgement.
 *
 * The replicas online are asked of the primary (`INFO replication`) whenever the connection is
 * (re)made, so that after a failover (a new primary, often without a replica yet) no
 * acknowledgement waits out the timeout for replicas that are not there. With fewer than asked
 * for the service stays available: acknowledgements go out without waiting, counted in
 * `etax_redis_unreplicated_acks_total`, and the primary is asked every second whether enough are
 * back. Deployments that prefer refusing writes then set `min-replicas-to-write` on their Redis
 * (docs/scale-out.md).
 */
export class ReplicationBarrier {
  #next: Promise<void> | undefined;
  /** Replicas online at the primary; undefined: not known since the connection was made. */
  #online: number | undefined;
  #probing: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: ReplicationOptions,
    private readonly log: Logger,
  ) {
    redis.on('ready', () => (this.#online = undefined));
  }

  /**
   * Resolves once the writes this connection made before the call are on the replicas (or they are
   * short, or the timeout passed); rejects when the primary is gone meanwhile.
   */
  confirm(): Promise<void> {
    if (this.options.replicas === 0) return Promise.resolve();
    this.#next ??= new Promise((resolve, reject) => {
      setImmediate(() => {
        this.#next = undefined;
        this.#wait().then(resolve, reject);
      });
    });
    return this.#next;
  }

  async #wait(): Promise<void> {
    const { replicas, timeoutMs } = this.options;
    this.#online ??= await this.#countOnline();
    // a WAIT that fails (the primary gone) rejects: whether its writes reached a replica is unknown
    const reached = this.#online >= replicas ? await this.redis.wait(replicas, timeoutMs) : this.#online;
    if (reached >= replicas) return;
    unreplicatedAcks.inc();
    if (this.#probing) return;
    this.log.warn({ reached, wanted: replicas, online: this.#online, timeoutMs }, 'redis replicas short: acknowledgements go out before replication until they are back');
    this.#probing = setInterval(() => void this.#probe(), PROBE_INTERVAL_MS);
    this.#probing.unref();
  }

  async #countOnline(): Promise<number> {
    const info = await this.redis.info('replication');
    return info.split('\n').filter((line) => /^slave\d+:.*state=online/.test(line)).length;
  }

  async #probe(): Promise<void> {
    const online = await this.#countOnline().catch(() => 0);
    this.#online = online;
    if (online < this.options.replicas) return;
    clearInterval(this.#probing);
    this.#probing = undefined;
    this.log.info({ online }, 'redis replicas back: acknowledgements wait for replication again');
  }

  stop(): void {
    clearInterval(this.#probing);
  }
}
