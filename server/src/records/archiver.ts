import type { Logger } from 'pino';
import type { OutboxEntry } from '@etax-assist/protocol';
import type { DatabasePool } from '../database/pool.js';
import type { RedisClient } from '../redis/client.js';
import { ArchiveBatch, outboxEntry } from './archive-batch.js';
import type { ArchiverMetrics } from './archiver-metrics.js';
import { ARCHIVER_GROUP, recordKeys } from './keys.js';

export interface ArchiverOptions {
  /** This instance's name in the consumer group (its cluster instance id). */
  consumer: string;
  /** Outbox entries read, and written to PostgreSQL in one transaction, at a time. */
  batchSize: number;
  /** How long a read waits for new entries (also how long stopping may wait for it). */
  blockMs: number;
  /** Entries delivered to a consumer and not acknowledged for this long are taken over (their consumer died). */
  claimIdleMs: number;
  /** The pause after a failed round (PostgreSQL or Redis away) before the same entries are tried again. */
  retryMs: number;
}

/** A stream entry as Redis returns it raw: its id, and its `entry` field (none: deleted since it was delivered). */
interface OutboxItem {
  id: string;
  json: string | undefined;
  deleted: boolean;
}

type RawEntry = [string, string[] | null];

function items(raw: RawEntry[]): OutboxItem[] {
  return raw.map(([id, fields]) => {
    if (!fields) return { id, json: undefined, deleted: true };
    const at = fields.indexOf('entry');
    return { id, json: at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined, deleted: false };
  });
}

/**
 * Writes the records outbox (docs/records.md) to PostgreSQL. Every instance runs one, all in one
 * consumer group: each entry is delivered to one of them, written in a transaction that also
 * holds the rest of its batch (idempotently: keyed by the entry's id), and only then acknowledged
 * and deleted, so that the outbox holds exactly what PostgreSQL lacks. What a consumer that died
 * held is claimed after `claimIdleMs`; an entry that fails validation goes to the dead-letter
 * stream instead of blocking the rest.
 */
export class Archiver {
  #reader: RedisClient | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  /** The batch whose write or acknowledgement failed: tried again first. */
  #retry: OutboxItem[] = [];
  #claimCursor = '0-0';
  #nextClaimAt = 0;
  #lastFailure = '';

  constructor(
    private readonly redis: RedisClient,
    private readonly database: DatabasePool,
    private readonly options: ArchiverOptions,
    private readonly metrics: ArchiverMetrics,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.#createGroup();
    // a blocking read holds its connection: its own, so that the service's commands never wait behind it
    const reader = this.redis.duplicate();
    reader.on('error', (error: Error) => this.log.debug({ err: error }, 'archiver reader connection error'));
    await reader.connect();
    this.#reader = reader;
    this.#loop = this.#run(reader);
  }

  /**
   * Stops after the batch in flight: it is written and acknowledged, or (PostgreSQL away) left
   * pending for whichever archiver claims it. A blocked read is cut short.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    this.#reader?.destroy();
    await this.#loop;
    // instance ids are new on every start: a consumer left with nothing pending is forgotten
    // (one still holding entries stays, for another archiver to claim them from)
    try {
      const [, , , consumers] = await this.redis.sendCommand<[number, unknown, unknown, [string, string][] | null]>(['XPENDING', recordKeys.outbox, ARCHIVER_GROUP]);
      if (!consumers?.some(([name]) => name === this.options.consumer))
        await this.redis.sendCommand(['XGROUP', 'DELCONSUMER', recordKeys.outbox, ARCHIVER_GROUP, this.options.consumer]);
    } catch (error) {
      this.log.warn({ err: error }, 'archiver consumer not removed from its group (harmless: it holds nothing)');
    }
  }

  async #createGroup(): Promise<void> {
    try {
      await this.redis.sendCommand(['XGROUP', 'CREATE', recordKeys.outbox, ARCHIVER_GROUP, '0', 'MKSTREAM']);
    } catch (error) {
      // the other instances' archivers made it already
      if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
    }
  }

  async #run(reader: RedisClient): Promise<void> {
    while (!this.#stopping) {
      let batch: OutboxItem[];
      try {
        batch = await this.#next(reader);
      } catch (error) {
        if (this.#stopping) break;
        this.#failed('read', error);
        // a Redis that lost its data (restarted without persistence, flushed) lost the group too
        if (error instanceof Error && error.message.startsWith('NOGROUP')) await this.#createGroup().catch((cause: unknown) => this.#failed('read', cause));
        await this.#pause();
        continue;
      }
      if (batch.length > 0) await this.#archive(batch);
    }
  }

  /** What to archive next: a batch that failed, entries a dead consumer held, else new ones. */
  async #next(reader: RedisClient): Promise<OutboxItem[]> {
    if (this.#retry.length > 0) return this.#retry;
    const { consumer, batchSize, blockMs, claimIdleMs } = this.options;
    if (Date.now() >= this.#nextClaimAt) {
      const [cursor, claimed] = await this.redis.sendCommand<[string, RawEntry[]]>([
        'XAUTOCLAIM',
        recordKeys.outbox,
        ARCHIVER_GROUP,
        consumer,
        String(claimIdleMs),
        this.#claimCursor,
        'COUNT',
        String(batchSize),
      ]);
      this.#claimCursor = cursor;
      // a full pass over the pending entries: the next one when any could have become idle
      if (cursor === '0-0') this.#nextClaimAt = Date.now() + claimIdleMs / 2;
      if (claimed.length > 0) {
        this.log.info({ entries: claimed.length }, 'archiver claimed outbox entries of a consumer that stopped');
        return items(claimed);
      }
    }
    const read = await reader.sendCommand<[string, RawEntry[]][] | null>([
      'XREADGROUP',
      'GROUP',
      ARCHIVER_GROUP,
      consumer,
      'COUNT',
      String(batchSize),
      'BLOCK',
      String(blockMs),
      'STREAMS',
      recordKeys.outbox,
      '>',
    ]);
    return items(read?.[0]?.[1] ?? []);
  }

  async #archive(batch: OutboxItem[]): Promise<void> {
    const rows = new ArchiveBatch();
    const poison: { item: OutboxItem; reason: string }[] = [];
    const kinds: Record<OutboxEntry['t'], number> = { event: 0, chat: 0, agent: 0, 'call-in': 0 };
    for (const item of batch) {
      if (item.deleted) continue;
      try {
        const entry = outboxEntry(item.json);
        rows.add(item.id, entry);
        kinds[entry.t]++;
      } catch (error) {
        poison.push({ item, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    try {
      if (rows.size > 0) await rows.write(this.database);
    } catch (error) {
      this.#failed('write', error);
      this.#retry = batch;
      await this.#pause();
      return;
    }
    const ids = batch.map((item) => item.id);
    const done = this.redis.multi();
    for (const { item, reason } of poison) done.xAdd(recordKeys.deadLetters, '*', { id: item.id, entry: item.json ?? '', reason });
    // a session whose record is written is due to leave Redis (its files and recording moved, its keys expired: SessionMover)
    const closed = rows.rows.sessions.map((session) => ({ score: Date.now(), value: String(session.id) }));
    if (closed.length > 0) done.zAdd(recordKeys.moves, closed, { condition: 'NX' });
    done.xAck(recordKeys.outbox, ARCHIVER_GROUP, ids).xDel(recordKeys.outbox, ids);
    try {
      await done.exec();
    } catch (error) {
      // written already: writing again writes nothing, and the acknowledgement is tried again
      this.#failed('ack', error);
      this.#retry = batch;
      await this.#pause();
      return;
    }
    this.#retry = [];
    for (const { item, reason } of poison) this.log.error({ outboxId: item.id, reason }, 'outbox entry set aside in the dead-letter stream');
    if (poison.length > 0) this.metrics.deadLetters.inc(poison.length);
    for (const [kind, count] of Object.entries(kinds)) if (count > 0) this.metrics.archived.inc({ kind }, count);
    if (this.#lastFailure) this.log.info('archiver writing again');
    this.#lastFailure = '';
  }

  #failed(stage: 'read' | 'write' | 'ack', error: unknown): void {
    this.metrics.failures.inc({ stage });
    const message = error instanceof Error ? error.message : String(error);
    // one line per distinct failure, not one per retry while PostgreSQL is away
    if (message !== this.#lastFailure) this.log.warn({ err: error, stage }, 'archiver round failed; the entries stay in the outbox');
    this.#lastFailure = message;
  }

  #pause(): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.options.retryMs);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
