import { record } from 'rrweb';
import { EventType, IncrementalSource, type eventWithTime } from '@rrweb/types';
import type { RecordedEvent } from '@etax-assist/protocol';
import type { AssistConnection } from '../connection.js';
import { AssistError } from '../errors.js';
import { PrivacyPolicy, type PrivacyOptions } from './privacy.js';
import { EventSanitizer } from './sanitize.js';
import { ScrollSettle } from './scroll-settle.js';

export interface RecorderOptions {
  privacy?: PrivacyOptions;
  /** Fallback interval for sending queued events (they normally go at once; one batch in flight). */
  flushIntervalMs?: number;
  /** Past this many unsent events the recorder gives up the backlog and sends a fresh snapshot. */
  maxQueuedEvents?: number;
  /** Largest batch sent at once (the server's COBROWSE_MAX_BATCH_EVENTS). */
  maxBatchEvents?: number;
  onError?: (error: AssistError) => void;
}

/** Keeps only the latest mouse position, scroll offset and input value per target. */
export function coalesce(events: RecordedEvent[]): RecordedEvent[] {
  const keyOf = (event: RecordedEvent): string | undefined => {
    if (event.type !== EventType.IncrementalSnapshot) return undefined;
    const data = event.data as { source: IncrementalSource; id?: number };
    if (data.source === IncrementalSource.MouseMove) return 'mouse';
    if (data.source === IncrementalSource.Scroll || data.source === IncrementalSource.Input) return `${data.source}:${data.id}`;
    return undefined;
  };
  const latest = new Map<string, number>();
  events.forEach((event, i) => {
    const key = keyOf(event);
    if (key) latest.set(key, i);
  });
  return events.filter((event, i) => {
    const key = keyOf(event);
    return key === undefined || latest.get(key) === i;
  });
}

/** While sharing, a heartbeat tells the agent's mirror the page is there even when nothing moves. */
const ALIVE_EVERY_MS = 5000;

/**
 * Records the taxpayer's page with rrweb once sharing is consented, masks at the source, and
 * sends small batches over the session socket. Backpressure: one batch in flight; while it is
 * out, mouse moves, scrolls and inputs coalesce to their latest state; a backlog past
 * `maxQueuedEvents` is dropped for a fresh full snapshot, as is anything after a refused or lost
 * batch (a late answer on a connected socket is neither: the batch still arrives).
 */
export class CobrowseRecorder {
  readonly #policy: PrivacyPolicy;
  #stopRecording: (() => void) | undefined;
  #queue: RecordedEvent[] = [];
  #inFlight = false;
  #seq = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #snapshotPending = false;
  #flushScheduled = false;
  #alive: ReturnType<typeof setInterval> | undefined;
  #scrolls: ScrollSettle | undefined;

  constructor(
    private readonly connection: AssistConnection,
    readonly sessionId: string,
    private readonly options: RecorderOptions = {},
  ) {
    this.#policy = new PrivacyPolicy(options.privacy);
  }

  get recording(): boolean {
    return this.#stopRecording !== undefined;
  }

  start(): void {
    if (this.#stopRecording) return;
    const sanitizer = new EventSanitizer(this.#policy, record.mirror);
    const masking = this.#policy.rrwebMasking();
    this.#stopRecording =
      record({
        emit: (event: eventWithTime) => {
          sanitizer.sanitize(event);
          this.#enqueue(event);
        },
        ...masking,
        maskAllInputs: true,
        maskInputOptions: masking.maskInputOptions,
        inlineStylesheet: true,
        recordCrossOriginIframes: false,
        collectFonts: false,
        slimDOMOptions: { script: true, comment: true, headFavicon: true, headMetaSocial: true, headMetaRobots: true, headMetaVerification: true },
        // live use, not recording: a smooth cursor, prompt scrolls, every keystroke (rrweb's
        // input: 'last' would only send a field's value on change, i.e. when it loses focus)
        sampling: { mousemove: 50, scroll: 50, media: 800 },
      }) ?? undefined;
    // where each element came to rest, which rrweb's shared scroll sampling may leave out
    this.#scrolls = new ScrollSettle(
      document,
      (node) => record.mirror.getId(node),
      (position) => this.#enqueue({ type: EventType.IncrementalSnapshot, data: { source: IncrementalSource.Scroll, ...position }, timestamp: Date.now() }),
    );
    this.#timer = setInterval(() => void this.#flush(), this.options.flushIntervalMs ?? 50);
    this.#alive = setInterval(() => record.addCustomEvent('etax:alive', {}), ALIVE_EVERY_MS);
  }

  #enqueue(event: RecordedEvent): void {
    this.#queue.push(event);
    if (this.#queue.length > (this.options.maxQueuedEvents ?? 2000)) this.#resync();
    this.#scheduleFlush();
  }

  /**
   * Sends as soon as the current task ends (a burst of synchronous changes goes as one batch),
   * unless a batch is out: then the queue waits for its ack and coalesces meanwhile.
   */
  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#inFlight) return;
    this.#flushScheduled = true;
    setTimeout(() => {
      this.#flushScheduled = false;
      void this.#flush();
    }, 0);
  }

  /** A fresh full snapshot (the server asked, or the backlog was dropped). */
  takeFullSnapshot(): void {
    if (this.#stopRecording) record.takeFullSnapshot(true);
  }

  #resync(): void {
    this.#queue = [];
    this.takeFullSnapshot();
  }

  async #flush(): Promise<void> {
    if (this.#inFlight || this.#queue.length === 0 || !this.connection.socket.connected) return;
    const max = this.options.maxBatchEvents ?? 500;
    let events = this.#queue.length > 20 ? coalesce(this.#queue) : this.#queue;
    // a full snapshot goes in one batch however large; incremental events are split
    const snapshotAt = events.findIndex((e) => e.type === EventType.FullSnapshot);
    const cut = snapshotAt >= 0 ? Math.max(max, snapshotAt + 1) : max;
    const batch = events.slice(0, cut);
    this.#queue = events.slice(cut);
    events = batch;
    this.#inFlight = true;
    try {
      const ack = await this.connection.request('cobrowse:events', { sessionId: this.sessionId, seq: this.#seq++, events });
      if (ack.snapshotWanted && !this.#snapshotPending) this.takeFullSnapshot();
    } catch (error) {
      const failure = error instanceof AssistError ? error : new AssistError('INTERNAL', String(error));
      if (failure.code === 'CONFLICT') {
        this.stop(); // sharing ended (by the taxpayer, or the session is over)
      } else if (failure.code === 'RATE_LIMITED' || failure.code === 'DISCONNECTED') {
        // what was refused is lost: rebuild the agent's mirror from a snapshot shortly
        this.#queue = [];
        this.#snapshotPending = true;
        setTimeout(() => {
          this.#snapshotPending = false;
          this.takeFullSnapshot();
        }, 1000);
      }
      // TIMEOUT leaves the queue as it is: the socket is up, so the batch still arrives, in order
      // before the next (on a thin link it is the answer that is late). Dropping the queue for a
      // snapshot there sent ever larger batches into a link that carried none of them in time.
      this.options.onError?.(failure);
    } finally {
      this.#inFlight = false;
      if (this.#queue.length > 0) this.#scheduleFlush();
    }
  }

  /** The rrweb node id of a page element (for control and highlights), or undefined. */
  nodeOf(id: number): Node | null {
    return record.mirror.getNode(id);
  }

  stop(): void {
    this.#stopRecording?.();
    this.#stopRecording = undefined;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#alive) clearInterval(this.#alive);
    this.#scrolls?.stop();
    this.#scrolls = undefined;
    this.#timer = undefined;
    this.#alive = undefined;
    this.#queue = [];
  }
}
