import { MOVE_COMMANDS } from '@etax-assist/protocol';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AttachmentStore } from '../chat/attachment-store.js';
import type { DatabasePool } from '../database/pool.js';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import type { RedisClient } from '../redis/client.js';
import { LuaScript } from '../redis/lua-script.js';
import { luaLocal } from '../redis/lua-source.js';
import { sessionHotKeys } from './hot-keys.js';
import { recordKeys } from './keys.js';
import type { RecordingArchive } from './recording-archive.js';

/** Sessions taken per round: each may carry megabytes of files and recording. */
const MOVES_PER_ROUND = 10;

export interface SessionMoverOptions {
  /** SESSION_HOT_RETENTION_S: how long a moved session's keys stay in Redis. */
  hotRetentionS: number;
  intervalMs: number;
  /** How long a taken move is leased: past it (its mover died, or PostgreSQL was away) another takes it. */
  leaseMs: number;
}

/**
 * Moves what an ended session left in Redis to PostgreSQL and lets its keys expire. Driven by
 * `rec:moves` (server/lua/moves.lua): the archiver queues a session once its record is written,
 * the recording script again when a chunk comes after that. Every instance runs one; a move is
 * leased, written in one transaction keyed by what identifies each row (done again, it writes
 * nothing), and only then ends its lease and sets the expiry — so a mover killed mid-move, or
 * PostgreSQL away, leaves the session queued and its keys intact until a later move succeeds.
 */
export class SessionMover {
  readonly #script: LuaScript<typeof MOVE_COMMANDS>;
  readonly #moved: Counter;
  readonly #failures: Counter;
  #task: PeriodicTask | undefined;
  #lastFailure = '';

  constructor(
    private readonly redis: RedisClient,
    private readonly database: DatabasePool,
    private readonly stores: { attachments: AttachmentStore; recordings: RecordingArchive },
    private readonly options: SessionMoverOptions,
    registry: Registry,
    private readonly log: Logger,
  ) {
    this.#script = new LuaScript(redis, MOVE_COMMANDS, { name: 'moves', files: ['moves.lua'], prelude: luaLocal('key', recordKeys) });
    const registers = [registry];
    this.#moved = new Counter({ name: 'etax_sessions_moved_total', help: 'Ended sessions whose files and recording this instance moved to PostgreSQL', registers });
    this.#failures = new Counter({ name: 'etax_session_move_failures_total', help: 'Session moves that failed (tried again once their lease ends)', registers });
    new Gauge({
      name: 'etax_session_moves_pending',
      help: 'Ended sessions queued to leave Redis (the deployment, not only this instance)',
      registers,
      async collect() {
        this.set(await redis.zCard(recordKeys.moves));
      },
    });
  }

  start(): void {
    this.#task = new PeriodicTask('session moves', this.options.intervalMs, () => this.round(), this.log);
  }

  /** Takes the sessions due and moves each (one failing does not hold back the others). */
  async round(): Promise<void> {
    const taken = await this.#script.run('take', { limit: MOVES_PER_ROUND, leaseMs: this.options.leaseMs });
    for (const { session, lease } of taken) {
      try {
        if (!(await this.#write(session))) continue;
        if (await this.#script.run('done', { session, lease, keys: sessionHotKeys(session), hotS: this.options.hotRetentionS })) this.#moved.inc();
        if (this.#lastFailure) this.log.info('session moves succeed again');
        this.#lastFailure = '';
      } catch (error) {
        this.#failures.inc();
        const message = error instanceof Error ? error.message : String(error);
        // one line per distinct failure, not one per session while PostgreSQL is away
        if (message !== this.#lastFailure) this.log.warn({ err: error, sessionId: session }, 'session move failed; it stays in Redis and is tried again');
        this.#lastFailure = message;
      }
    }
  }

  /** The session's files and recording into PostgreSQL; false while its record is not there yet (its lease runs out, it is tried again). */
  async #write(sessionId: string): Promise<boolean> {
    const client = await this.database.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ created_at: Date }>('SELECT created_at FROM sessions WHERE id = $1', [sessionId]);
      const created = rows[0]?.created_at;
      if (created) {
        await this.stores.attachments.archive(client, sessionId);
        await this.stores.recordings.archive(client, sessionId, created);
      }
      await client.query('COMMIT');
      client.release();
      return created !== undefined;
    } catch (error) {
      // the connection's state is unknown: discarded, and the transaction with it
      client.release(true);
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.#task?.stop();
  }
}
