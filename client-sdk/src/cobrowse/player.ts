import { Replayer } from 'rrweb';
import type { eventWithTime } from '@rrweb/types';
import type { AssistConnection } from '../connection.js';
import { Emitter } from '../emitter.js';
import { applyFit, fitViewport, scrollWhenTaller, watchDualScreen } from './fit.js';

/** A moment of the session besides the page itself: chat, annotations, control, sharing. */
export interface TimelineEntry {
  kind: string;
  /** Milliseconds since the start of the recording. */
  offset: number;
  payload: unknown;
}

type PlayerEvents = { time: [offsetMs: number]; playing: [playing: boolean] };

/** The replay speeds offered (1×, 2×, 4×). */
export const REPLAY_SPEEDS = [1, 2, 4] as const;
export type ReplaySpeed = (typeof REPLAY_SPEEDS)[number];

/**
 * Replays a finished session from its stored recording: the page (rrweb), and a timeline of
 * chat messages, annotations and control, seekable. The replay runs in a sandboxed iframe
 * without scripts, like the live mirror.
 */
export class RecordingPlayer extends Emitter<PlayerEvents> {
  #replayer: Replayer | undefined;
  #dualScreen: MutationObserver | undefined;
  /** The replay's box changes size with the window: the page is fitted to it again. */
  #resize: ResizeObserver | undefined;
  #events: eventWithTime[] = [];
  #timeline: TimelineEntry[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #speed: ReplaySpeed = 1;
  #playing = false;

  constructor(
    private readonly connection: AssistConnection,
    readonly sessionId: string,
    private readonly container: HTMLElement,
  ) {
    super();
  }

  /** Fetches the whole recording page by page and builds the replay. */
  async load(): Promise<void> {
    const entries: { kind: string; at: number; payload: unknown }[] = [];
    let after: string | undefined;
    do {
      const page = await this.connection.request('cobrowse:recording', after ? { sessionId: this.sessionId, after, limit: 1000 } : { sessionId: this.sessionId, limit: 1000 });
      entries.push(...page.entries);
      after = page.next;
    } while (after);
    this.#events = entries.filter((e) => e.kind === 'rrweb').flatMap((e) => e.payload as eventWithTime[]);
    this.#events.sort((a, b) => a.timestamp - b.timestamp);
    const start = this.#events[0]?.timestamp ?? entries[0]?.at ?? 0;
    this.#timeline = entries.filter((e) => e.kind !== 'rrweb').map((e) => ({ kind: e.kind, offset: Math.max(0, e.at - start), payload: e.payload }));
    if (this.#events.length >= 2) {
      const replayer = new Replayer(this.#events, { root: this.container, mouseTail: false, showWarning: false, triggerFocus: false, speed: this.#speed });
      this.#replayer = replayer;
      // the replay is a picture, as the live mirror's: the keyboard goes to the player's controls, not into it
      replayer.iframe.tabIndex = -1;
      replayer.on('resize', () => this.#fit());
      replayer.on('finish', () => this.#stopped(this.duration));
      replayer.pause(0);
      this.#dualScreen = watchDualScreen(replayer.iframe, () => this.#fit());
      this.#resize = new ResizeObserver(() => this.#fit());
      this.#resize.observe(this.container);
      this.#fit();
    }
  }

  /** Scales the recorded viewport (its lower half on a split kiosk screen) to the container. */
  #fit(): void {
    const replayer = this.#replayer;
    if (!replayer) return;
    const width = Number(replayer.iframe.width) || replayer.iframe.clientWidth;
    const height = Number(replayer.iframe.height) || replayer.iframe.clientHeight;
    if (!width || !height) return;
    const box = { width: this.container.clientWidth, height: this.container.clientHeight || height };
    const fit = fitViewport({ width, height }, box, replayer.iframe.contentDocument ?? undefined);
    applyFit(replayer.wrapper, fit);
    scrollWhenTaller(this.container, fit);
  }

  get hasPage(): boolean {
    return this.#replayer !== undefined;
  }

  get timeline(): TimelineEntry[] {
    return this.#timeline;
  }

  /** Length of the recorded page activity, ms. */
  get duration(): number {
    return this.#replayer?.getMetaData().totalTime ?? 0;
  }

  get document(): Document | undefined {
    return this.#replayer?.iframe.contentDocument ?? undefined;
  }

  get playing(): boolean {
    return this.#playing;
  }

  get speed(): ReplaySpeed {
    return this.#speed;
  }

  /** Plays on at this speed (from where it is, playing or paused). */
  setSpeed(speed: ReplaySpeed): void {
    this.#speed = speed;
    this.#replayer?.setConfig({ speed });
  }

  play(fromMs?: number): void {
    const replayer = this.#replayer;
    if (!replayer) return;
    // at the end, playing again starts over
    const at = fromMs ?? replayer.getCurrentTime();
    replayer.play(at >= this.duration ? 0 : at);
    clearInterval(this.#timer);
    this.#timer = setInterval(() => this.emit('time', replayer.getCurrentTime()), 250);
    this.#playing = true;
    this.emit('playing', true);
  }

  pause(): void {
    this.#replayer?.pause();
    this.#stopped(this.#replayer?.getCurrentTime() ?? 0);
  }

  seek(offsetMs: number): void {
    const at = Math.max(0, Math.min(this.duration, offsetMs));
    // a replay that was playing goes on playing from there
    if (this.#playing) this.#replayer?.play(at);
    else this.#replayer?.pause(at);
    this.emit('time', at);
  }

  #stopped(atMs: number): void {
    clearInterval(this.#timer);
    this.emit('time', atMs);
    if (!this.#playing) return;
    this.#playing = false;
    this.emit('playing', false);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#dualScreen?.disconnect();
    this.#resize?.disconnect();
    this.#replayer?.destroy();
  }
}
