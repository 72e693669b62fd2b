import { Replayer } from 'rrweb';
import { EventType, type eventWithTime } from '@rrweb/types';
import type { Annotation, CobrowseState, ControlInput, RecordedEvent } from '@etax-assist/protocol';
import type { AssistConnection } from '../connection.js';
import { Emitter } from '../emitter.js';
import { SessionListeners } from '../session-listeners.js';
import { AssistError } from '../errors.js';
import { AssetRewriter } from './asset-urls.js';
import { FieldEditor } from './field-editor.js';
import { KeyboardPicker } from './keyboard-picker.js';
import { RemoteScroll, wheelPixels } from './remote-scroll.js';
import { applyFit, fitViewport, scrollWhenTaller, watchDualScreen } from './fit.js';

export interface ViewerOptions {
  /** Events applied before the mirror is rebuilt from the server's latest snapshot (bounds memory). */
  maxAppliedEvents?: number;
  /** No events for this long while sharing: the mirror is shown as stale. */
  staleAfterMs?: number;
  /** The mirror's accessible name (it is a keyboard stop while a tool is chosen). */
  label?: string;
}

type ViewerEvents = {
  state: [state: CobrowseState];
  /** The mirror has not changed for a while (or the taxpayer is gone): say so. */
  stale: [stale: boolean];
  'control-refused': [reason: string];
  error: [code: string, message: string];
  /** The taxpayer's viewport size (the mirror is scaled to fit the panel). */
  resize: [width: number, height: number];
};

export type ViewerTool = 'none' | 'pointer' | 'draw' | 'highlight' | 'control';

/** Whether Redis stream entry id `a` (`<ms>-<seq>`) comes after `b`. */
function laterEntry(a: string, b: string): boolean {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs !== bMs ? aMs > bMs : aSeq > bSeq;
}

/** The taxpayer's cursor and click ripple as the replayer draws them (rrweb's own classes). */
const MIRROR_CSS = `
.replayer-wrapper { position: relative; }
.replayer-mouse { position: absolute; width: 18px; height: 18px; margin: -2px 0 0 -2px; transition: left .05s linear, top .05s linear;
  background: no-repeat url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 18 18'%3E%3Cpath d='M2 2l5 14 2-6 6-2z' fill='%23111' stroke='%23fff' stroke-width='1.5'/%3E%3C/svg%3E"); z-index: 10; }
.replayer-mouse.active::after { content: ''; position: absolute; left: -10px; top: -10px; width: 24px; height: 24px; border-radius: 50%;
  border: 3px solid #e53935; animation: etax-click .3s ease-out; }
@keyframes etax-click { from { transform: scale(.3); opacity: 1 } to { transform: scale(1.2); opacity: 0 } }
.replayer-mouse-tail { display: none; }
/* the replay is a picture: the wheel scrolls the panel, not the replayed page, and a click never follows a mirrored link */
.replayer-wrapper > iframe { pointer-events: none; }
`;

/**
 * The agent's live mirror of the taxpayer's page: an rrweb Replayer in live mode inside a
 * sandboxed iframe (no scripts of the taxpayer's page ever run here), scaled to fit its panel,
 * plus the tools — pointer, draw, highlight, control — which turn the agent's actions on the
 * mirror into annotation and control messages addressed by rrweb node id.
 */
export class MirrorViewer extends Emitter<ViewerEvents> {
  readonly #stage: HTMLElement;
  readonly #capture: HTMLElement;
  #replayer: Replayer | undefined;
  /** Changes that arrived before the replayer built the snapshot's page (applied once it has). */
  #waiting: eventWithTime[] | undefined;
  /** The live buffer's last entry the mirror holds: a batch relayed as that entry or an earlier one is in it already. */
  #liveId: string | undefined;
  /** Watches on their way, and the batches relayed meanwhile (applied after them, unless the buffer they bring holds them). */
  #watches = 0;
  #relayedMeanwhile: { events: RecordedEvent[]; liveId: string | undefined }[] = [];
  #applied = 0;
  #baseline = 0;
  #lastEventAt = 0;
  #stale = false;
  #state: CobrowseState;
  #tool: ViewerTool = 'none';
  #size = { width: 0, height: 0 };
  #strokeSeq = 0;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #listeners: SessionListeners;
  #resizeObserver: ResizeObserver | undefined;
  #dualScreenObserver: MutationObserver | undefined;
  #assets: AssetRewriter | undefined;
  readonly #editor: FieldEditor;
  readonly #picker: KeyboardPicker;
  readonly #scroll: RemoteScroll;

  constructor(
    private readonly connection: AssistConnection,
    readonly sessionId: string,
    private readonly container: HTMLElement,
    private readonly options: ViewerOptions = {},
  ) {
    super();
    this.#state = { sessionId, sharing: 'waiting', control: 'none' };
    this.#listeners = new SessionListeners(connection.socket, sessionId);
    container.style.position ||= 'relative';
    container.style.overflow = 'hidden';
    this.#stage = document.createElement('div');
    this.#stage.className = 'etax-mirror-stage';
    this.#stage.style.cssText = 'position:absolute;left:0;top:0;transform-origin:0 0';
    this.#capture = document.createElement('div');
    this.#capture.className = 'etax-mirror-capture';
    // the arrows and Enter are the tools' own keys here (keyboard-picker.ts): a screen reader passes them through
    this.#capture.setAttribute('role', 'application');
    this.#capture.style.cssText = 'position:absolute;inset:0;display:none';
    const style = document.createElement('style');
    style.textContent = MIRROR_CSS;
    container.append(style, this.#stage, this.#capture);
    this.setLabel(options.label ?? 'Taxpayer page');
    this.#picker = new KeyboardPicker(
      this.#capture,
      () => this.document,
      (element) => this.#boxOf(element),
      (element) => this.#applyTool(element),
    );
    this.#editor = new FieldEditor(this.#capture, (input) => this.#sendControl(input));
    this.#scroll = new RemoteScroll(
      (node) => this.#replayer?.getMirror().getId(node),
      (input) => this.#sendControl(input),
    );
    this.#wireTools();
    this.#timer = setInterval(() => this.#checkStale(), 1000);
    this.#resizeObserver = new ResizeObserver(() => this.#fit());
    this.#resizeObserver.observe(container);
  }

  get state(): CobrowseState {
    return this.#state;
  }

  /** The mirrored document (for reading what the agent sees). */
  get document(): Document | undefined {
    return this.#replayer?.iframe.contentDocument ?? undefined;
  }

  async start(): Promise<void> {
    const on = this.#listeners;
    on.on('cobrowse:events', ({ events, liveId }) => this.#feed(events, liveId));
    on.on('cobrowse:state', (state) => this.#setState(state));
    on.on('cobrowse:control-refused', ({ reason }) => {
      this.#editor.close(false);
      this.emit('control-refused', reason);
    });
    on.on('cobrowse:error', ({ code, message }) => this.emit('error', code, message));
    on.on('session:notice', ({ notice }) => {
      if (notice === 'taxpayer-disconnected') this.#setStale(true);
    });
    on.onSocket('connect', () => void this.#watch());
    await this.#watch();
  }

  /** (Re)builds the mirror from the server's latest snapshot and the events since. */
  async #watch(): Promise<void> {
    this.#watches++;
    try {
      const { state, events, assets, liveId } = await this.connection.request('cobrowse:watch', { sessionId: this.sessionId });
      this.#assets = assets ? new AssetRewriter(assets) : undefined;
      this.#setState(state);
      if (events.length > 0) {
        this.#rebuild(events);
        this.#liveId = liveId;
      }
    } finally {
      if (--this.#watches === 0) {
        const relayed = this.#relayedMeanwhile;
        this.#relayedMeanwhile = [];
        for (const batch of relayed) this.#feed(batch.events, batch.liveId);
      }
    }
  }

  #setState(state: CobrowseState): void {
    this.#state = state;
    if (state.sharing !== 'sharing') this.#setStale(false);
    this.emit('state', state);
  }

  /**
   * Live events carry the taxpayer's clock. Stamped with the replay's start time, every event is
   * due at once and rrweb applies it on its next animation frame, in arrival order (smooth
   * scrolls and all). What is caught up after a snapshot is applied synchronously (#rebuild).
   */
  #stamp(event: RecordedEvent): eventWithTime {
    this.#assets?.rewrite(event);
    return { ...(event as unknown as eventWithTime), timestamp: this.#baseline };
  }

  #rebuild(events: RecordedEvent[]): void {
    this.#replayer?.destroy();
    this.#baseline = Date.now() - 1;
    const stamped = events.map((e) => this.#stamp(e));
    // The replayer is built from the page itself (Meta + FullSnapshot); in live mode it plays
    // only what is added after startLive, so everything that followed is added then.
    const snapshotAt = stamped.findIndex((e) => e.type === EventType.FullSnapshot);
    const split = snapshotAt >= 0 ? snapshotAt + 1 : stamped.length;
    const replayer = new Replayer(stamped.slice(0, split), {
      root: this.#stage,
      liveMode: true,
      mouseTail: false,
      showWarning: false,
      triggerFocus: false,
      // changes caught up at once go to the page itself (rrweb's virtual DOM is only written
      // back when a replay seeks, which a live mirror never does)
      useVirtualDom: false,
      insertStyleRules: ['html, body { cursor: default !important; }'],
    });
    replayer.on('resize', (dimension) => {
      const { width, height } = dimension as { width: number; height: number };
      this.#size = { width, height };
      this.#fit();
      this.emit('resize', width, height);
    });
    // rrweb builds the snapshot's page on a timer of its own (not in the constructor): changes
    // given to it before then are applied to an empty document and lost, leaving a joiner the
    // page as it was at the snapshot. They wait until the page is there (and rrweb has scrolled
    // it to the snapshot's offset, just after), then are caught up at once: stamped before the
    // start, rrweb applies them synchronously, so a scroll jumps where it ended instead of
    // starting a smooth scroll that the next change (a step hidden and shown) would cut short.
    this.#waiting = stamped.slice(split);
    replayer.on('fullsnapshot-rebuilded', () =>
      queueMicrotask(() => {
        if (this.#replayer !== replayer) return;
        const waiting = this.#waiting ?? [];
        this.#waiting = undefined;
        for (const event of waiting) replayer.addEvent({ ...event, timestamp: this.#baseline - 1 });
        // the page is there now: whether it is a split kiosk screen (cropped) is known only now
        this.#dualScreenObserver?.disconnect();
        this.#dualScreenObserver = watchDualScreen(replayer.iframe, () => this.#fit());
        this.#fit();
      }),
    );
    replayer.startLive(this.#baseline);
    // the replay is a picture: keyboard users reach the mirror through the tools' layer, not into it
    replayer.iframe.tabIndex = -1;
    this.#replayer = replayer;
    this.#dualScreenObserver?.disconnect();
    this.#dualScreenObserver = undefined;
    this.#applied = events.length;
    this.#lastEventAt = Date.now();
  }

  #feed(events: RecordedEvent[], liveId?: string): void {
    this.#setStale(false);
    this.#lastEventAt = Date.now();
    // the buffer on its way may or may not hold it: decided when it is here
    if (this.#watches > 0) {
      this.#relayedMeanwhile.push({ events, liveId });
      return;
    }
    const snapshotAt = events.findIndex((e) => e.type === EventType.FullSnapshot);
    // changes relayed while this mirror was built from the buffer that holds them: applied twice,
    // a text or an element added would show twice (labels "姓名姓名"). (A snapshot rebuilds the
    // mirror whatever it held: a resync after missed batches is one.)
    if (snapshotAt < 0 && liveId && this.#liveId && !laterEntry(liveId, this.#liveId)) return;
    if (liveId) this.#liveId = liveId;
    if (snapshotAt >= 0) {
      // a fresh snapshot: start over from it (and its Meta event), dropping what was applied
      const meta = events.findLastIndex((e, i) => i < snapshotAt && e.type === EventType.Meta);
      this.#rebuild(events.slice(meta >= 0 ? meta : snapshotAt));
      return;
    }
    if (!this.#replayer) {
      // changes without the page they apply to: fetch the snapshot they build on
      void this.#watch();
      return;
    }
    const stamped = events.map((e) => this.#stamp(e));
    if (this.#waiting) this.#waiting.push(...stamped);
    else for (const event of stamped) this.#replayer.addEvent(event);
    this.#applied += events.length;
    if (this.#applied > (this.options.maxAppliedEvents ?? 10_000)) void this.#watch();
  }

  #checkStale(): void {
    if (this.#state.sharing === 'sharing' && this.#lastEventAt > 0 && Date.now() - this.#lastEventAt > (this.options.staleAfterMs ?? 15_000)) {
      this.#setStale(true);
    }
  }

  #setStale(stale: boolean): void {
    if (stale === this.#stale) return;
    this.#stale = stale;
    this.emit('stale', stale);
  }

  /** Scales the taxpayer's viewport to the panel (a split kiosk screen: its lower half, to the panel's width). */
  #fit(): void {
    if (!this.#size.width || !this.#size.height) return;
    const fit = fitViewport(this.#size, { width: this.container.clientWidth, height: this.container.clientHeight }, this.document);
    applyFit(this.#stage, fit);
    this.#stage.dataset.scale = String(fit.scale);
    scrollWhenTaller(this.container, fit);
    // the tools' layer covers all of the mirror, scrolled or not
    this.#capture.style.height = `${Math.max(fit.height, this.container.clientHeight)}px`;
  }

  get scale(): number {
    return Number(this.#stage.dataset.scale ?? 1);
  }

  // Tools ----------------------------------------------------------------------------------------

  setLabel(label: string): void {
    this.#capture.setAttribute('aria-label', label);
  }

  setTool(tool: ViewerTool): void {
    this.#tool = tool;
    this.#editor.close();
    this.#picker.setEnabled(tool !== 'none');
    this.#capture.style.display = tool === 'none' ? 'none' : 'block';
    this.#capture.style.cursor = tool === 'draw' ? 'crosshair' : tool === 'highlight' ? 'cell' : tool === 'control' ? 'pointer' : 'default';
  }

  /** Panel coordinates → the mirrored page's coordinates and the element there. */
  #hit(clientX: number, clientY: number): { x: number; y: number; element: Element | null } | undefined {
    const iframe = this.#replayer?.iframe;
    const doc = iframe?.contentDocument;
    if (!iframe || !doc) return undefined;
    const rect = iframe.getBoundingClientRect();
    const vx = (clientX - rect.left) / this.scale;
    const vy = (clientY - rect.top) / this.scale;
    const win = iframe.contentWindow;
    return { x: vx + (win?.scrollX ?? 0), y: vy + (win?.scrollY ?? 0), element: doc.elementFromPoint(vx, vy) };
  }

  /** The rrweb node id of a mirrored element (the same id the taxpayer's page knows it by). */
  nodeIdOf(element: Element | null): number | undefined {
    if (!element || !this.#replayer) return undefined;
    const id = this.#replayer.getMirror().getId(element);
    return id > 0 ? id : undefined;
  }

  /** The node id of the first mirrored element matching the selector. */
  nodeIdBySelector(selector: string): number | undefined {
    return this.nodeIdOf(this.document?.querySelector(selector) ?? null);
  }

  #wireTools(): void {
    let stroke: { id: string; points: [number, number][]; sent: number } | undefined;
    let lastPointer = 0;
    this.#capture.addEventListener('pointermove', (event) => {
      const hit = this.#hit(event.clientX, event.clientY);
      if (!hit) return;
      if (stroke) {
        stroke.points.push([hit.x, hit.y]);
        if (stroke.points.length - stroke.sent >= 8) this.#sendStroke(stroke, false);
      } else if (this.#tool === 'pointer' && event.timeStamp - lastPointer > 40) {
        lastPointer = event.timeStamp;
        void this.annotate({ kind: 'pointer', x: hit.x, y: hit.y });
      }
    });
    this.#capture.addEventListener('pointerdown', (event) => {
      const hit = this.#hit(event.clientX, event.clientY);
      if (!hit) return;
      if (this.#tool === 'draw') {
        stroke = { id: `s${Date.now()}-${this.#strokeSeq++}`, points: [[hit.x, hit.y]], sent: 0 };
        this.#capture.setPointerCapture(event.pointerId);
      } else if (hit.element && (this.#tool === 'highlight' || this.#tool === 'control')) {
        this.#applyTool(hit.element);
      }
    });
    // under control, the wheel scrolls the taxpayer's page (or the list under the pointer)
    this.#capture.addEventListener(
      'wheel',
      (event) => {
        const hit = this.#tool === 'control' && this.#state.control === 'granted' ? this.#hit(event.clientX, event.clientY) : undefined;
        const doc = this.document;
        if (!hit || !doc) return;
        const { dx, dy } = wheelPixels(event, this.#size.height);
        if (!this.#scroll.wheel(hit.element, doc, dx, dy)) return;
        event.preventDefault();
        this.#editor.close();
      },
      { passive: false },
    );
    this.#capture.addEventListener('pointerup', () => {
      if (stroke) this.#sendStroke(stroke, true);
      stroke = undefined;
    });
  }

  /** The current tool on one mirrored element (clicked, or picked with the keyboard). */
  #applyTool(element: Element): void {
    const nodeId = this.nodeIdOf(element);
    if (!nodeId) return;
    if (this.#tool === 'highlight') void this.highlight(nodeId);
    else if (this.#tool === 'control') this.#editor.activate(element, nodeId, this.#boxOf(element));
    else if (this.#tool === 'pointer' || this.#tool === 'draw') {
      const rect = element.getBoundingClientRect();
      const win = element.ownerDocument.defaultView;
      void this.annotate({ kind: 'pointer', x: rect.left + rect.width / 2 + (win?.scrollX ?? 0), y: rect.top + rect.height / 2 + (win?.scrollY ?? 0) });
    }
  }

  /** Where a mirrored element shows, in the capture layer's coordinates. */
  #boxOf(element: Element): { left: number; top: number; width: number; height: number } {
    const inner = element.getBoundingClientRect();
    const frame = this.#replayer?.iframe.getBoundingClientRect();
    const layer = this.#capture.getBoundingClientRect();
    const scale = this.scale;
    return {
      left: (frame?.left ?? layer.left) - layer.left + inner.left * scale,
      top: (frame?.top ?? layer.top) - layer.top + inner.top * scale,
      width: inner.width * scale,
      height: inner.height * scale,
    };
  }

  #sendStroke(stroke: { id: string; points: [number, number][]; sent: number }, done: boolean): void {
    const points = stroke.points.slice(Math.max(0, stroke.sent - 1));
    stroke.sent = stroke.points.length;
    void this.annotate({ kind: 'stroke', strokeId: stroke.id, points, done });
  }

  annotate(annotation: Annotation): Promise<unknown> {
    return this.connection.request('cobrowse:annotate', { sessionId: this.sessionId, annotation });
  }

  highlight(nodeId: number, caption?: string): Promise<unknown> {
    return this.annotate(caption ? { kind: 'highlight', nodeId, caption } : { kind: 'highlight', nodeId });
  }

  clear(): Promise<unknown> {
    return this.annotate({ kind: 'clear' });
  }

  async requestControl(): Promise<CobrowseState> {
    const state = await this.connection.request('cobrowse:control-request', { sessionId: this.sessionId });
    this.#setState(state);
    return state;
  }

  async stopControl(): Promise<CobrowseState> {
    const state = await this.connection.request('cobrowse:control-stop', { sessionId: this.sessionId });
    this.#setState(state);
    return state;
  }

  /** A control input of the tools: what goes wrong is told as an error, not thrown. */
  #sendControl(input: ControlInput): void {
    this.control(input).catch((e: unknown) => this.emit('error', e instanceof AssistError ? e.code : 'CONTROL_FAILED', e instanceof Error ? e.message : String(e)));
  }

  /** One control input; refused by the server unless the taxpayer granted control. */
  control(input: ControlInput): Promise<unknown> {
    return this.connection.request('cobrowse:control-input', { sessionId: this.sessionId, input });
  }

  close(): void {
    // nothing more of the taxpayer's screen is sent to this console (the session may be over already)
    if (this.connection.socket.connected) void this.connection.request('cobrowse:unwatch', { sessionId: this.sessionId }).catch(() => {});
    this.#editor.close();
    this.#scroll.stop();
    clearInterval(this.#timer);
    this.#resizeObserver?.disconnect();
    this.#dualScreenObserver?.disconnect();
    this.#listeners.clear();
    this.#replayer?.destroy();
    this.#stage.remove();
    this.#capture.remove();
  }
}
