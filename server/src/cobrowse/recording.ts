import { promisify } from 'node:util';
import { deflateRaw, inflateRawSync } from 'node:zlib';
import { RECORDING_COMMANDS, type RecordingPage } from '@etax-assist/protocol';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import type { RedisClient } from '../redis/client.js';
import { LuaScript } from '../redis/lua-script.js';
import { luaLocal } from '../redis/lua-source.js';
import { cobrowseKeys } from './keys.js';
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

/** The entry that closes a recording which reached COBROWSE_MAX_RECORDING_BYTES. */
export const RECORDING_STOPPED = 'recording-stopped';

export interface RecordingLimits {
  flushMs: number;
  maxChunkBytes: number;
  /** Stored (compressed) bytes per session; past them the session's recording stops. */
  maxBytes: number;
}

/**
 * The stored recording of a session (rrweb events, annotations, control, sharing changes, chat),
 * appended in compressed chunks: entries are buffered per session for up to `flushMs` or
 * `maxChunkBytes`, then written as one deflated stream entry. A 10-minute session is a few
 * hundred kilobytes instead of megabytes of JSON. A session's recording holds at most `maxBytes`
 * of chunks (server/lua/recording.lua, shared by all instances): the chunk that does not fit and
 * all that follow are dropped, a closing entry says so, and `onLimit` is called once, on the
 * instance that saw it.
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
  readonly #script: LuaScript<typeof RECORDING_COMMANDS>;
  readonly #task: PeriodicTask;

  constructor(
    private readonly redis: RedisClient,
    private readonly limits: RecordingLimits,
    private readonly onLimit: (sessionId: string) => void,
    private readonly log: Logger,
  ) {
    this.#script = new LuaScript(redis, RECORDING_COMMANDS, { name: 'recording', files: ['recording.lua'], prelude: luaLocal('key', cobrowseKeys) });
    this.#task = new PeriodicTask('recording flush', Math.max(100, Math.floor(limits.flushMs / 2)), () => this.#flushDue(), log);
  }

  append(sessionId: string, kind: string, payload: unknown, at = Date.now(), size = 64): void {
    if (this.#stopped.has(sessionId)) return;
    let pending = this.#pending.get(sessionId);
    if (!pending) this.#pending.set(sessionId, (pending = { entries: [], bytes: 0, since: Date.now() }));
    pending.entries.push({ kind, at, payload });
    pending.bytes += size;
    if (pending.bytes >= this.limits.maxChunkBytes) {
      // kept for the next flush when Redis refuses (see #write)
      this.flush(sessionId).catch((error: unknown) => this.log.warn({ err: error, sessionId }, 'recording chunk not written yet'));
    }
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

  async #write(sessionId: string): Promise<void> {
    const pending = this.#pending.get(sessionId);
    if (!pending || pending.entries.length === 0) return;
    this.#pending.delete(sessionId);
    const chunk = await deflate(Buffer.from(JSON.stringify(pending.entries)));
    let outcome: 'written' | 'reached' | 'stopped';
    try {
      outcome = await this.#script.run('append', {
        session: sessionId,
        n: String(pending.entries.length),
        z: chunk.toString('base64'),
        maxBytes: this.limits.maxBytes,
      });
    } catch (error) {
      // Redis refused or went away: the entries go back in front of what came since, for the next flush
      const since = this.#pending.get(sessionId);
      this.#pending.set(sessionId, since ? { entries: [...pending.entries, ...since.entries], bytes: pending.bytes + since.bytes, since: pending.since } : pending);
      throw error;
    }
    if (outcome === 'written') return;
    this.#stopped.set(sessionId, Date.now());
    this.#pending.delete(sessionId); // what came meanwhile is past the limit too
    if (outcome === 'reached') {
      this.log.info({ sessionId, maxBytes: this.limits.maxBytes }, 'recording limit reached: the session is no longer recorded');
      this.onLimit(sessionId);
      // the last entry: every instance's later chunks are refused by the script
      const closing = await deflate(Buffer.from(JSON.stringify([{ kind: RECORDING_STOPPED, at: Date.now(), payload: { maxBytes: this.limits.maxBytes } }])));
      await this.redis.xAdd(cobrowseKeys.recording(sessionId), '*', { n: '1', z: closing.toString('base64') });
    }
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

  /** Entries oldest first, whole chunks at a time until `limit` entries; `next` continues. */
  async read(sessionId: string, after: string | undefined, limit: number): Promise<RecordingPage> {
    await this.flush(sessionId);
    const entries: RecordingPage['entries'] = [];
    let cursor = after ? `(${after}` : '-';
    let next: string | undefined;
    while (entries.length < limit) {
      const [chunk] = await this.redis.xRange(cobrowseKeys.recording(sessionId), cursor, '+', { COUNT: 1 });
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
      const [more] = await this.redis.xRange(cobrowseKeys.recording(sessionId), `(${next}`, '+', { COUNT: 1 });
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
