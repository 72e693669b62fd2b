import type pg from 'pg';
import type { Logger } from 'pino';
import type { DatabasePool } from '../database/pool.js';
import { inTransaction } from '../database/transaction.js';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import { heldSql } from './legal-holds.js';
import type { RetentionMetrics } from './retention-metrics.js';
import { SESSION_PARTS, anonymiseSessions, deleteSessions, noRowsDeleted, type DeletedRows } from './session-parts.js';

/** Held by the instance running retention (on its connection): the others skip their run. */
const RETENTION_LOCK = "hashtext('etax-assist records retention')";
const PARTITION_NAME = /^recordings_(\d{4})_(\d{2})$/;

export interface RetentionOptions {
  retentionDays: number;
  /** Sessions past `retentionDays` keep their row, anonymised, for the reports until this (≥ retentionDays). */
  reportDays: number;
  /** Sessions (or orphaned rows) deleted per transaction. */
  batchSize: number;
  intervalMs: number;
}

/** What one run did. */
export interface RetentionRun {
  /** Sessions created before this are due (unless held): anonymised, or deleted when before `reportCutoff`. */
  cutoff: Date;
  reportCutoff: Date;
  deleted: DeletedRows;
  /** Sessions whose record went while their row stays for the reports. */
  anonymised: number;
  /** Rows of agent_activity older than the cutoff (no session holds them: they go by their time alone). */
  deletedActivity: number;
  /** Rows of call_in_events of call-ins made before the cutoff (by their time alone, like the activity). */
  deletedCallIns: number;
  droppedPartitions: string[];
}

/**
 * Deletes the records older than SESSION_RETENTION_DAYS (docs/records.md "Retention"): whole
 * sessions by their created_at — the row, its events, chat, attachments and recording —, except
 * those under a legal hold. Until REPORT_RETENTION_DAYS the row stays for the reports, stripped
 * of what names or describes the taxpayer (the figures: times, topic, hall, agent, outcome…). Recordings go by dropping whole monthly partitions where no held
 * session has chunks in them. Every instance schedules it (and runs it at start); a PostgreSQL
 * advisory lock lets one run at a time. Each batch is its own transaction, so a run never holds
 * locks for long.
 */
export class RecordsRetention {
  #task: PeriodicTask | undefined;
  #first: Promise<unknown> | undefined;

  constructor(
    private readonly database: DatabasePool,
    private readonly options: RetentionOptions,
    private readonly metrics: RetentionMetrics,
    private readonly log: Logger,
  ) {}

  /** Runs now (in the background: the start does not wait for it) and every `intervalMs`. */
  start(): void {
    this.#first = this.run().catch((error: unknown) => this.log.warn({ err: error }, 'records retention failed; it runs again at the next interval'));
    this.#task = new PeriodicTask(
      'records retention',
      this.options.intervalMs,
      async () => {
        await this.run();
      },
      this.log,
    );
  }

  /** Resolves once a run under way has finished. */
  async stop(): Promise<void> {
    await this.#task?.stop();
    await this.#first;
  }

  /** One run; undefined when another instance is running it. `now` is for tests. */
  async run(now = new Date()): Promise<RetentionRun | undefined> {
    const started = performance.now();
    const client = await this.database.connect();
    let locked = false;
    try {
      locked = (await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${RETENTION_LOCK}) AS locked`)).rows[0]?.locked === true;
      if (!locked) return undefined;
      const cutoff = new Date(now.getTime() - this.options.retentionDays * 86_400_000);
      const reportCutoff = new Date(now.getTime() - this.options.reportDays * 86_400_000);
      const result: RetentionRun = {
        cutoff,
        reportCutoff,
        deleted: noRowsDeleted(),
        anonymised: 0,
        deletedActivity: 0,
        deletedCallIns: 0,
        droppedPartitions: await this.#dropPartitions(cutoff),
      };
      await this.#eachDueBatch(reportCutoff, '', async (client, ids) => deleteSessions(client, ids, result.deleted));
      result.anonymised = await this.#eachDueBatch(cutoff, 'AND anonymised_at IS NULL', async (client, ids) => anonymiseSessions(client, ids, result.deleted));
      await this.#deleteOrphans(cutoff, result.deleted);
      result.deletedActivity = await this.#deleteOlder('agent_activity', 'at', cutoff);
      result.deletedCallIns = await this.#deleteOlder('call_in_events', 'made_at', cutoff);
      // an erased session's record changes cannot still be on their way after this long
      await this.database.query('DELETE FROM erased_sessions WHERE erased_at < $1', [cutoff]);
      for (const [table, rows] of Object.entries({ ...result.deleted, agent_activity: result.deletedActivity, call_in_events: result.deletedCallIns }))
        if (rows > 0) this.metrics.deletedRows.inc({ table }, rows);
      this.metrics.droppedPartitions.inc(result.droppedPartitions.length);
      this.metrics.anonymisedSessions.inc(result.anonymised);
      this.metrics.lastRun.set(Date.now() / 1000);
      this.metrics.lastRunDuration.set((performance.now() - started) / 1000);
      this.log.info(
        {
          cutoff,
          reportCutoff,
          deleted: result.deleted,
          anonymised: result.anonymised,
          deletedActivity: result.deletedActivity,
          deletedCallIns: result.deletedCallIns,
          droppedPartitions: result.droppedPartitions,
          ms: Math.round(performance.now() - started),
        },
        'records retention run',
      );
      return result;
    } finally {
      if (locked) {
        await client.query(`SELECT pg_advisory_unlock(${RETENTION_LOCK})`).then(
          () => client.release(),
          // a connection that cannot unlock is closed, which unlocks
          () => client.release(true),
        );
      } else {
        client.release();
      }
    }
  }

  /**
   * Drops the monthly recordings partitions that end before the cutoff and hold no chunk of a
   * held session (the held ones are kept; their other rows go with their sessions below).
   */
  async #dropPartitions(cutoff: Date): Promise<string[]> {
    const partitions = await this.database.query<{ name: string }>(
      "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'recordings'::regclass",
    );
    const dropped: string[] = [];
    for (const { name } of partitions.rows) {
      const month = PARTITION_NAME.exec(name);
      if (!month || Date.UTC(Number(month[1]), Number(month[2]), 1) > cutoff.getTime()) continue;
      const drop = await inTransaction(this.database, async (client) => {
        // a hold placed meanwhile waits for this transaction (and then finds its session gone)
        await client.query('LOCK TABLE legal_holds IN SHARE MODE');
        const held = await client.query(`SELECT 1 FROM ${name} r WHERE ${heldSql('r.session_id')} LIMIT 1`);
        if (held.rowCount !== 0) return false;
        await client.query(`DROP TABLE ${name}`);
        return true;
      });
      if (drop) dropped.push(name);
    }
    return dropped;
  }

  /** Hands the unheld sessions created before `cutoff` (and matching `andWhere`) to `act`, a batch per transaction; returns how many. */
  async #eachDueBatch(cutoff: Date, andWhere: string, act: (client: pg.PoolClient, ids: string[]) => Promise<void>): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await inTransaction(this.database, async (client) => {
        // rows a hold is being placed on (FOR SHARE) are skipped, and seen held at the next run
        const due = await client.query<{ id: string }>(
          `SELECT id FROM sessions s WHERE created_at < $1 ${andWhere} AND NOT ${heldSql('s.id')} ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [cutoff, this.options.batchSize],
        );
        const ids = due.rows.map((row) => row.id);
        if (ids.length > 0) await act(client, ids);
        return ids.length;
      });
      total += batch;
      if (batch < this.options.batchSize) return total;
    }
  }

  /**
   * The parts older than the cutoff whose session has no record: no row (a session whose closing
   * entry never came, its Redis lost, or parts archived after their session was deleted), or an
   * anonymised one. A held session always has its record, so none of these is held.
   */
  async #deleteOrphans(cutoff: Date, deleted: DeletedRows): Promise<void> {
    for (const { table, key, at } of SESSION_PARTS) {
      for (;;) {
        const result = await this.database.query(
          `DELETE FROM ${table} WHERE (${key}) IN (SELECT ${key} FROM ${table} p WHERE p.${at} < $1 AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = p.session_id AND s.anonymised_at IS NULL) LIMIT $2)`,
          [cutoff, this.options.batchSize],
        );
        deleted[table] += result.rowCount ?? 0;
        if ((result.rowCount ?? 0) < this.options.batchSize) break;
      }
    }
  }

  /** The rows of a table kept by their time alone (the agents' activity, the call-ins) older than the cutoff, a batch per statement; how many rows. */
  async #deleteOlder(table: 'agent_activity' | 'call_in_events', time: 'at' | 'made_at', cutoff: Date): Promise<number> {
    let deleted = 0;
    for (;;) {
      const result = await this.database.query(`DELETE FROM ${table} WHERE event_id IN (SELECT event_id FROM ${table} WHERE ${time} < $1 LIMIT $2)`, [
        cutoff,
        this.options.batchSize,
      ]);
      deleted += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < this.options.batchSize) return deleted;
    }
  }
}
