import { promisify } from 'node:util';
import { deflateRaw, inflateRawSync } from 'node:zlib';
import type { RecordingPage } from '@etax-assist/protocol';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import type { RedisClient } from '../redis/client.js';
import type { Logger } from 'pino';

export interface RecordingEntry {
  kind: string;
  at: number;
  payload: unknown;
}

interface Pending {
  entries: RecordingEntry[];
  bytes: number;
  since: number;
}

export const recordingKey = (sessionId: string): string => `cb:${sessionId}:rec`;

/**
 * The stored recording of a session (rrweb events, annotations, control, sharing changes, chat),
 * appended in compressed chunks: entries are buffered per session for up to `flushMs` or
 * `maxChunkBytes`, then written as one deflated stream entry. A 10-minute session is a few
 * hundred kilobytes instead of megabytes of JSON.
 */
// compression runs in libuv's thread pool: hundreds of sessions' chunks never stall the event loop
const deflate = promisify(deflateRaw);

export class RecordingWriter {
  readonly #pending = new Map<string, Pending>();
  readonly #writing = new Map<string, Promise<void>>();
  readonly #task: PeriodicTask;

  constructor(
    private readonly redis: RedisClient,
    private readonly flushMs: number,
    private readonly maxChunkBytes: number,
    private readonly log: Logger,
  ) {
    this.#task = new PeriodicTask('recording flush', Math.max(100, Math.floor(flushMs / 2)), () => this.#flushDue(), log);
  }

  append(sessionId: string, kind: string, payload: unknown, at = Date.now(), size = 64): void {
    let pending = this.#pending.get(sessionId);
    if (!pending) this.#pending.set(sessionId, (pending = { entries: [], bytes: 0, since: Date.now() }));
    pending.entries.push({ kind, at, payload });
    pending.bytes += size;
    if (pending.bytes >= this.maxChunkBytes) {
      // kept for the next flush when Redis refuses (see #write)
      this.flush(sessionId).catch((error: unknown) => this.log.warn({ err: error, sessionId }, 'recording chunk not written yet'));
    }
  }

  /** Writes what is buffered for the session; one write at a time per session, so chunks keep their order. */
  flush(sessionId: string): Promise<void> {
    const previous = this.#writing.get(sessionId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.#write(sessionId));
    this.#writing.set(sessionId, next);
    void next.finally(() => {
      if (this.#writing.get(sessionId) === next) this.#writing.delete(sessionId);
    }).catch(() => {});
    return next;
  }

  async #write(sessionId: string): Promise<void> {
    const pending = this.#pending.get(sessionId);
    if (!pending || pending.entries.length === 0) return;
    this.#pending.delete(sessionId);
    const chunk = await deflate(Buffer.from(JSON.stringify(pending.entries)));
    try {
      await this.redis.xAdd(recordingKey(sessionId), '*', { n: String(pending.entries.length), z: chunk.toString('base64') });
    } catch (error) {
      // Redis refused or went away: the entries go back in front of what came since, for the next flush
      const since = this.#pending.get(sessionId);
      this.#pending.set(sessionId, since
        ? { entries: [...pending.entries, ...since.entries], bytes: pending.bytes + since.bytes, since: pending.since }
        : pending);
      throw error;
    }
  }

  async #flushDue(): Promise<void> {
    const now = Date.now();
    for (const [sessionId, pending] of this.#pending) {
      if (now - pending.since >= this.flushMs) await this.flush(sessionId);
    }
  }

  /** Entries oldest first, whole chunks at a time until `limit` entries; `next` continues. */
  async read(sessionId: string, after: string | undefined, limit: number): Promise<RecordingPage> {
    await this.flush(sessionId);
    const entries: RecordingPage['entries'] = [];
    let cursor = after ? `(${after}` : '-';
    let next: string | undefined;
    while (entries.length < limit) {
      const [chunk] = await this.redis.xRange(recordingKey(sessionId), cursor, '+', { COUNT: 1 });
      if (!chunk) {
        next = undefined;
        break;
      }
      const decoded = JSON.parse(inflateRawSync(Buffer.from(chunk.message.z ?? '', 'base64')).toString()) as RecordingEntry[];
      decoded.forEach((e, i) => entries.push({ id: `${chunk.id}/${i}`, kind: e.kind, at: e.at, payload: e.payload }));
      cursor = `(${chunk.id}`;
      next = chunk.id;
    }
    if (next !== undefined) {
      const [more] = await this.redis.xRange(recordingKey(sessionId), `(${next}`, '+', { COUNT: 1 });
      if (!more) next = undefined;
    }
    return next === undefined ? { entries } : { entries, next };
  }

  /** Bytes the session's recording takes in Redis (for sizing and the benchmark). */
  async storedBytes(sessionId: string): Promise<number> {
    await this.flush(sessionId);
    return Number((await this.redis.sendCommand(['MEMORY', 'USAGE', recordingKey(sessionId)])) ?? 0);
  }

  async stop(): Promise<void> {
    await this.#task.stop();
    for (const sessionId of [...this.#pending.keys()]) await this.flush(sessionId);
  }
}
