import type { Logger } from 'pino';
import type { DatabasePool } from '../database/pool.js';
import { PeriodicTask } from '../lifecycle/periodic-task.js';

/** Months of `recordings` partitions kept ready past the current one: a start or a schedule missed for weeks still finds them. */
export const PARTITION_MONTHS_AHEAD = 3;

/**
 * Creates the coming months' partitions of `recordings` (server/migrations/0001_records.sql,
 * `ensure_recording_partitions`) at start and then on a schedule, under an advisory lock, so
 * that instances doing it at once create each partition once. A chunk of a month that still has
 * none is not lost: its move fails and it stays in Redis until the partition exists.
 */
export class RecordingPartitions {
  #task: PeriodicTask | undefined;

  constructor(
    private readonly database: DatabasePool,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  /** Ensures them once (PostgreSQL away: only logged, the schedule tries again), then on schedule. */
  async start(): Promise<void> {
    await this.ensure().catch((error: unknown) => this.log.warn({ err: error }, 'recording partitions not checked yet; tried again on schedule'));
    this.#task = new PeriodicTask('recording partitions', this.intervalMs, () => this.ensure().then(() => undefined), this.log);
  }

  /** Creates the missing partitions from this month to PARTITION_MONTHS_AHEAD ahead; returns how many it made. */
  async ensure(): Promise<number> {
    const client = await this.database.connect();
    try {
      await client.query('BEGIN');
      // one instance at a time: others wait, then find the partitions made
      await client.query("SELECT pg_advisory_xact_lock(hashtext('etax-assist recording partitions'))");
      const { rows } = await client.query<{ created: number }>(`SELECT ensure_recording_partitions(now(), now() + make_interval(months => $1)) AS created`, [
        PARTITION_MONTHS_AHEAD,
      ]);
      await client.query('COMMIT');
      client.release();
      const created = rows[0]?.created ?? 0;
      if (created > 0) this.log.info({ created }, 'recording partitions created for the coming months');
      return created;
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.#task?.stop();
  }
}
