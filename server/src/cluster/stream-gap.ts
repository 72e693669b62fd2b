import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { RedisClient } from '../redis/client.js';

/** The ids of a stream's oldest and newest entries (undefined when the stream is empty or gone). */
export interface StreamBounds {
  first: string | undefined;
  last: string | undefined;
}

/** Orders two stream ids (`ms-seq`): negative, zero or positive. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}

// One round trip, without the entries' payloads (XINFO STREAM would carry the first and last).
const BOUNDS_SCRIPT = `
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
return { first and first[1] or '', last and last[1] or '' }`;

/** Reads a stream's bounds from Redis. */
export function streamBoundsReader(redis: RedisClient, stream: string): () => Promise<StreamBounds> {
  return async () => {
    const [first, last] = (await redis.eval(BOUNDS_SCRIPT, { keys: [stream] })) as [string, string];
    return { first: first || undefined, last: last || undefined };
  };
}

/** What a gap was: the last entry read before it, the oldest entry left, the stream's end then. */
export interface StreamGap {
  lastRead: string;
  firstKept: string | undefined;
  streamEnd: string | undefined;
}

type WatchEvents = {
  /** Entries this instance had not read yet were trimmed away: the packets they carried are lost here. */
  gap: [gap: StreamGap];
  /** After a gap, this instance has read up to where the stream ended when the gap was found: its clients can be resynchronised. */
  'caught-up': [];
};

/**
 * Notices when the socket.io adapter's consumer fell behind the stream's trimming
 * (`SOCKET_ADAPTER_STREAM_MAXLEN`): the adapter reads with XREAD from its last id and, when the
 * entries after it were trimmed, silently goes on from the oldest one left.
 *
 * It sees every entry the adapter reads, in stream order; the entries of one XREAD reply are
 * handled in one synchronous run, so a run is one read. After each read it checks that the entry
 * read before it is still in the stream: trimming removes the oldest entries, so if the oldest
 * one left is newer than that entry, whatever followed it may have been trimmed unread. (When the
 * entry read last was trimmed but the next one not, nothing was lost, but the instance was at
 * least MAXLEN entries behind: it is counted as a gap too, a resynchronisation does no harm.)
 * One check at a time; reads made meanwhile are checked from the oldest of them, so a slow check
 * misses nothing (trimming only moves forward).
 *
 * Once the adapter has read as far as the stream reached when the gap was found, `caught-up`:
 * state read from Redis then is not overtaken by older packets still waiting in the stream.
 */
export class AdapterStreamWatch extends EventEmitter<WatchEvents> {
  #lastRead: string | undefined;
  /** The entry read before the oldest read not checked yet. */
  #unchecked: string | undefined;
  #inRead = false;
  #checking = false;
  /** Set after a gap: `caught-up` once the adapter has read this far. */
  #catchUpTo: string | undefined;

  constructor(
    private readonly bounds: () => Promise<StreamBounds>,
    private readonly log: Logger,
  ) {
    super();
  }

  /** The adapter read the entry `id` (in stream order). */
  observe(id: string): void {
    if (!this.#inRead) {
      this.#inRead = true;
      if (this.#lastRead !== undefined && this.#unchecked === undefined) this.#unchecked = this.#lastRead;
      queueMicrotask(() => this.#readDone());
    }
    this.#lastRead = id;
  }

  #readDone(): void {
    this.#inRead = false;
    this.#maybeCaughtUp();
    void this.#check();
  }

  async #check(): Promise<void> {
    const before = this.#unchecked;
    if (this.#checking || before === undefined) return;
    this.#checking = true;
    this.#unchecked = undefined;
    let failed = false;
    try {
      const { first, last } = await this.bounds();
      if (first === undefined || compareStreamIds(first, before) > 0) {
        const gap = { lastRead: before, firstKept: first, streamEnd: last };
        this.log.warn(gap, 'socket.io adapter stream was trimmed past what this instance had read: packets lost here, resynchronising its clients');
        if (last !== undefined && (this.#catchUpTo === undefined || compareStreamIds(last, this.#catchUpTo) > 0)) this.#catchUpTo = last;
        this.#catchUpTo ??= before;
        this.emit('gap', gap);
        this.#maybeCaughtUp();
      }
    } catch (error) {
      // checked again with the next read, from the same entry
      failed = true;
      this.log.warn({ err: error }, 'checking the socket.io adapter stream for a gap failed');
      if (this.#unchecked === undefined || compareStreamIds(before, this.#unchecked) < 0) this.#unchecked = before;
    } finally {
      this.#checking = false;
    }
    if (!failed && this.#unchecked !== undefined && !this.#inRead) void this.#check();
  }

  #maybeCaughtUp(): void {
    if (this.#catchUpTo === undefined || this.#lastRead === undefined || compareStreamIds(this.#lastRead, this.#catchUpTo) < 0) return;
    this.#catchUpTo = undefined;
    this.emit('caught-up');
  }
}
