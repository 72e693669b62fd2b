import { promisify } from 'node:util';
import { deflateRaw, inflateRawSync } from 'node:zlib';
import { ProtocolError, RECORDING_COMMANDS, type RecordingPage } from '@etax-assist/protocol';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import type { RedisClient } from '../redis/client.js';
import { LuaScript } from '../redis/lua-script.js';
import { luaLocal } from '../redis/lua-source.js';
import { recordKeys } from '../records/keys.js';
import { sessionKeys } from '../sessions/keys.js';
import { cobrowseKeys } from './keys.js';
import type { Logger } from 'pino';

export interface RecordingEntry {
  kind: string;
  at: number;
  payload: unknown;
}

/** An entry waiting to be written, with the size it counts for in the buffers' bounds. */
interface Held {
  entry: RecordingEntry;
  size: number;
}

interface Pending {
  held: Held[];
  bytes: number;
  since: number;
}

/** The entry that closes a recording which reached COBROWSE_MAX_RECORDING_BYTES. */
export const RECORDING_STOPPED = 'recording-stopped';
/** The entry that stands where entries were dropped while Redis refused the recording (payload: RecordingGap). */
export const RECORDING_GAP = 'recording-gap';
/** What a gap entry says: how many entries are missing, recorded from when until when. */
export interface RecordingGap {
  entries: number;
  from: number;
  to: number;
}
/**
 * A stored chunk's entries as a replay page has them, their ids the chunk's place in the
 * recording (`seq`, from 0) and theirs in it: the same whether the chunk is read from Redis or,
 * once moved, from PostgreSQL.
 */
export function chunkEntries(seq: number, deflated: Buffer): RecordingPage['entries'] {
  const decoded = JSON.parse(inflateRawSync(deflated).toString()) as RecordingEntry[];
  return decoded.map((e, i) => ({ id: `${seq}/${i}`, kind: e.kind, at: e.at, payload: e.payload }));
}

/** Where a replay page goes on: after chunk `seq`, and (a cursor of the hot replay) its stream id in Redis. */
export interface RecordingPosition {
  seq: number;
  streamId?: string;
}

/** A RecordingCursor (protocol/src/cobrowse.ts, checked by the request's schema) taken apart. */
export function recordingCursor(after: string): RecordingPosition {
  const [seq, streamId] = after.split(':');
  return streamId ? { seq: Number(seq), streamId } : { seq: Number(seq) };
}

/** What a gap entry counts for in the retry buffer's bound. */
const GAP_SIZE = 64;

export interface RecordingLimits {
  flushMs: number;
  maxChunkBytes: number;
  /** Stored (compressed) bytes per session; past them the session's recording stops. */
  maxBytes: number;
  /** Bytes of entries held, all sessions together, for sessions whose last write Redis refused. */
  retryMaxBytes: number;
}

/**
 * The stored recording of a session (rrweb events, annotations, control, sharing changes, chat),
 * appended in compressed chunks: entries are buffered per session for up to `flushMs` or
 * `maxChunkBytes`, then written as one deflated stream entry. A 10-minute session is a few
 * hundred kilobytes instead of megabytes of JSON. A session's recording holds at most `maxBytes`
 * of chunks (server/lua/recording.lua, shared by all instances): the chunk that does not fit and
 * all that follow are dropped, a closing entry says so, and `onLimit` is called once, on the
 * instance that saw it.
 *
 * A chunk Redis refuses (outage, maxmemory) goes back in front of the session's buffer, and the
 * session is written again by the periodic flush, a chunk at a time. What refused sessions hold
 * is bounded by `retryMaxBytes`: past it their newest entries are dropped, never the oldest — an
 * rrweb recording replays its incremental events on top of the full snapshot before them, so
 * keeping the oldest keeps a playable beginning, where dropping it would make all that is kept
 * unplayable. A `recording-gap` entry stands where entries were dropped (how many, from when to
 * when), so the replay can say that the recording is incomplete there.
 */
// compression runs in libuv's thread pool: hundreds of sessions' chunks never stall the event loop
const deflate = promisify(deflateRaw);
/** How long an instance remembers that a session's recording is full (see #stopped). */
const STOPPED_MEMORY_MS = 10 * 60_000;

export class RecordingWriter {
  readonly #pending = new Map<string, Pending>();
  readonly #writing = new Map<string, Promise<void>>();
  /**
   * Sessions whose recording is full, and since when: what comes is not buffered. Forgotten when the
   * session closes here, or after a while (the session may close on another instance): a forgotten
   * one's next chunk is refused by the script again and remembered anew.
   */
  readonly #stopped = new Map<string, number>();
  /** Sessions whose last write Redis refused: what they hold is the retry buffer. */
  readonly #refused = new Set<string>();
  #droppedEntries = 0;
  readonly #script: LuaScript<typeof RECORDING_COMMANDS>;
  readonly #task: PeriodicTask;

  constructor(
    private readonly redis: RedisClient,
    private readonly limits: RecordingLimits,
    private readonly onLimit: (sessionId: string) => void,
    private readonly log: Logger,
  ) {
    this.#script = new LuaScript(redis, RECORDING_COMMANDS, {
      name: 'recording',
      files: ['recording.lua'],
      prelude: luaLocal('key', { ...cobrowseKeys, session: sessionKeys.session, moves: recordKeys.moves }),
    });
    this.#task = new PeriodicTask('recording flush', Math.max(100, Math.floor(limits.flushMs / 2)), () => this.#flushDue(), log);
  }

  /** Bytes held for sessions whose last write Redis refused (the bound is `retryMaxBytes`). */
  get retryBytes(): number {
    let bytes = 0;
    for (const sessionId of this.#refused) bytes += this.#pending.get(sessionId)?.bytes ?? 0;
    return bytes;
  }

  /** Entries dropped since the start because the retry buffer was full. */
  get droppedEntries(): number {
    return this.#droppedEntries;
  }

  append(sessionId: string, kind: string, payload: unknown, at = Date.now(), size = 64): void {
    if (this.#stopped.has(sessionId)) return;
    const refused = this.#refused.has(sessionId);
    let pending = this.#pending.get(sessionId);
    if (!pending) this.#pending.set(sessionId, (pending = { held: [], bytes: 0, since: Date.now() }));
    if (refused && this.retryBytes + size > this.limits.retryMaxBytes) {
      this.#droppedEntries += 1;
      this.#markGap(sessionId, pending, { entries: 1, from: at, to: at });
      return;
    }
    pending.held.push({ entry: { kind, at, payload }, size });
    pending.bytes += size;
    // a refused session is retried by the periodic flush, not at every entry
    if (pending.bytes >= this.limits.maxChunkBytes && !refused) {
      this.flush(sessionId).catch((error: unknown) => this.log.warn({ err: error, sessionId }, 'recording chunk not written yet'));
    }
  }

  /**
   * Records dropped entries in the gap entry at the end of the buffer, or in a new one there
   * (logged once per gap, unless it replaces one that was logged).
   */
  #markGap(sessionId: string, pending: Pending, dropped: RecordingGap, logged = false): void {
    const last = pending.held.at(-1)?.entry;
    if (last?.kind === RECORDING_GAP) {
      const gap = last.payload as RecordingGap;
      last.payload = { entries: gap.entries + dropped.entries, from: Math.min(gap.from, dropped.from), to: Math.max(gap.to, dropped.to) } satisfies RecordingGap;
      return;
    }
    pending.held.push({ entry: { kind: RECORDING_GAP, at: dropped.from, payload: dropped }, size: GAP_SIZE });
    pending.bytes += GAP_SIZE;
    if (!logged)
      this.log.warn(
        { sessionId, retryMaxBytes: this.limits.retryMaxBytes },
        'Redis refuses the recording and its retry buffer is full: newer entries are dropped until Redis accepts again',
      );
  }

  /** Drops the newest entries of a refused session until the retry buffer is within its bound again. */
  #trimToBound(sessionId: string, pending: Pending): void {
    let over = this.retryBytes - this.limits.retryMaxBytes;
    const dropped: RecordingGap = { entries: 0, from: Infinity, to: -Infinity };
    let logged = false;
    while (over > 0 && pending.held.length > 0) {
      const { entry, size } = pending.held.pop() as Held;
      pending.bytes -= size;
      over -= size;
      let gap: RecordingGap;
      if (entry.kind === RECORDING_GAP) {
        // a gap entry popped on the way is folded into the one that replaces it
        gap = entry.payload as RecordingGap;
        logged = true;
      } else {
        gap = { entries: 1, from: entry.at, to: entry.at };
        this.#droppedEntries += 1;
      }
      dropped.entries += gap.entries;
      dropped.from = Math.min(dropped.from, gap.from);
      dropped.to = Math.max(dropped.to, gap.to);
    }
    if (dropped.entries > 0) this.#markGap(sessionId, pending, dropped, logged);
  }

  /** Writes what is buffered for the session; one write at a time per session, so chunks keep their order. */
  flush(sessionId: string): Promise<void> {
    const previous = this.#writing.get(sessionId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.#write(sessionId));
    this.#writing.set(sessionId, next);
    void next
      .finally(() => {
        if (this.#writing.get(sessionId) === next) this.#writing.delete(sessionId);
      })
      .catch(() => {});
    return next;
  }

  /** Writes the session's buffer a chunk (`maxChunkBytes`, at least one entry) at a time. */
  async #write(sessionId: string): Promise<void> {
    for (let taken = this.#take(sessionId); taken; taken = this.#take(sessionId)) {
      if (!(await this.#writeChunk(sessionId, taken))) return;
    }
  }

  /** The oldest chunk's worth of the session's buffer, out of it (the rest stays). */
  #take(sessionId: string): Pending | undefined {
    const pending = this.#pending.get(sessionId);
    if (!pending || pending.held.length === 0) return undefined;
    let count = 0;
    let bytes = 0;
    for (const { size } of pending.held) {
      if (count > 0 && bytes + size > this.limits.maxChunkBytes) break;
      bytes += size;
      count += 1;
    }
    const taken = { held: pending.held.slice(0, count), bytes, since: pending.since };
    if (count === pending.held.length) this.#pending.delete(sessionId);
    else this.#pending.set(sessionId, { held: pending.held.slice(count), bytes: pending.bytes - bytes, since: pending.since });
    return taken;
  }

  /** Writes one chunk; false once the session's recording has stopped (at its limit). */
  async #writeChunk(sessionId: string, taken: Pending): Promise<boolean> {
    const chunk = await deflate(Buffer.from(JSON.stringify(taken.held.map((h) => h.entry))));
    let outcome: 'written' | 'reached' | 'stopped';
    try {
      outcome = await this.#script.run('append', {
        session: sessionId,
        n: String(taken.held.length),
        z: chunk.toString('base64'),
        maxBytes: this.limits.maxBytes,
      });
    } catch (error) {
      // Redis refused or went away: the entries go back in front of what came since, for the next flush
      const since = this.#pending.get(sessionId);
      const requeued = since ? { held: [...taken.held, ...since.held], bytes: taken.bytes + since.bytes, since: taken.since } : taken;
      this.#pending.set(sessionId, requeued);
      this.#refused.add(sessionId);
      this.#trimToBound(sessionId, requeued);
      throw error;
    }
    this.#refused.delete(sessionId);
    if (outcome === 'written') return true;
    this.#stopped.set(sessionId, Date.now());
    this.#pending.delete(sessionId); // what came meanwhile is past the limit too
    if (outcome === 'reached') {
      this.log.info({ sessionId, maxBytes: this.limits.maxBytes }, 'recording limit reached: the session is no longer recorded');
      this.onLimit(sessionId);
      // the last entry: every instance's later chunks are refused by the script
      const closing = await deflate(Buffer.from(JSON.stringify([{ kind: RECORDING_STOPPED, at: Date.now(), payload: { maxBytes: this.limits.maxBytes } }])));
      await this.redis.xAdd(cobrowseKeys.recording(sessionId), '*', { n: '1', z: closing.toString('base64') });
    }
    return false;
  }

  /** The session is over: its recording was closed, nothing more comes for it. */
  forget(sessionId: string): void {
    this.#stopped.delete(sessionId);
  }

  async #flushDue(): Promise<void> {
    const now = Date.now();
    for (const [sessionId, since] of this.#stopped) if (now - since > STOPPED_MEMORY_MS) this.#stopped.delete(sessionId);
    for (const [sessionId, pending] of this.#pending) {
      if (now - pending.since >= this.limits.flushMs) await this.flush(sessionId);
    }
  }

  /** Entries oldest first from Redis, whole chunks at a time until `limit` entries; `next` continues. */
  async read(sessionId: string, after: string | undefined, limit: number): Promise<RecordingPage> {
    await this.flush(sessionId);
    const position: RecordingPosition = after === undefined ? { seq: -1 } : recordingCursor(after);
    // a cursor without a stream id is the archived replay's: the recording was read from PostgreSQL
    if (after !== undefined && position.streamId === undefined) throw new ProtocolError('VALIDATION_FAILED', `Recording cursor ${after} is not one of this recording in Redis`);
    const key = cobrowseKeys.recording(sessionId);
    const entries: RecordingPage['entries'] = [];
    let { seq, streamId: last } = position;
    let next: string | undefined;
    while (entries.length < limit) {
      const [chunk] = await this.redis.xRange(key, last ? `(${last}` : '-', '+', { COUNT: 1 });
      if (!chunk) {
        next = undefined;
        break;
      }
      seq += 1;
      entries.push(...chunkEntries(seq, Buffer.from(chunk.message.z ?? '', 'base64')));
      last = chunk.id;
      next = `${seq}:${chunk.id}`;
    }
    if (next !== undefined) {
      const [more] = await this.redis.xRange(key, `(${last}`, '+', { COUNT: 1 });
      if (!more) next = undefined;
    }
    return next === undefined ? { entries } : { entries, next };
  }

  /** Bytes the session's recording takes in Redis (for sizing and the benchmark). */
  async storedBytes(sessionId: string): Promise<number> {
    await this.flush(sessionId);
    return Number((await this.redis.sendCommand(['MEMORY', 'USAGE', cobrowseKeys.recording(sessionId)])) ?? 0);
  }

  async stop(): Promise<void> {
    await this.#task.stop();
    for (const sessionId of [...this.#pending.keys()]) await this.flush(sessionId);
  }
}
