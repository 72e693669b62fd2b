import { sessionIs, type Channel, type EntryPoint, type HelpOptions, type PriorityGroup, type SessionSummary } from '@etax-assist/protocol';
import { ChatClient } from '../chat/chat-client.js';
import { AssistConnection } from '../connection.js';
import { AssistError } from '../errors.js';
import { takePageSnapshot } from '../cobrowse/page-snapshot.js';
import { CobrowseShare } from '../cobrowse/share.js';
import { DUAL_SCREEN_ATTRIBUTE } from '../cobrowse/fit.js';
import { PrivacyPolicy, type PrivacyOptions } from '../cobrowse/privacy.js';
import { MediaCall } from '../media/media-call.js';
import { icon, type IconName } from '../ui/icons.js';
import { UiLayer } from '../ui/layer.js';
import { PanelPlace } from '../ui/panel-place.js';
import { text, type Lang, type StringKey } from '../ui/strings.js';

export interface WidgetOptions {
  /** Base URL of the assistance service (default: the page's origin). */
  serviceUrl?: string;
  /** Supplied by the portal: a fresh taxpayer token for the signed-in user. */
  fetchToken: () => Promise<string>;
  lang?: Lang;
  /** Large type and touch targets, auto-start of camera and microphone, reset after each visitor. */
  kiosk?: {
    kioskId: string;
    hall: string;
    inactivityResetS?: number;
    /** After the reset between visitors: the portal signs the visitor out of its own pages. */
    onReset?: () => void;
  };
  topics?: string[];
  /** Pre-filled when the portal knows what the taxpayer is doing. */
  defaultTopic?: string;
  /** What a desktop taxpayer starts with (kiosks default to video). */
  defaultChannel?: Channel;
  privacy?: PrivacyOptions;
}

type View = 'closed' | 'pick' | 'waiting' | 'session' | 'rating' | 'thanks';
/** What the visitor chose on the form to ask for help. */
interface HelpChoice {
  topic: string;
  language: string;
  channel: Channel;
  priority: PriorityGroup;
}

const SESSION_KEY = 'etax-assist:session';
const DEFAULT_TOPICS = ['invoice', 'refund', 'social-insurance', 'registration'];

const WIDGET_CSS = `
.launcher { pointer-events: auto; position: fixed; right: 24px; bottom: 24px; background: #b3261e; color: #fff; border: 0; border-radius: 28px;
  padding: 14px 24px; font-size: 18px; box-shadow: 0 4px 16px #0004; min-height: 56px; }
.panel { pointer-events: auto; position: fixed; right: 24px; bottom: 24px; box-sizing: border-box; width: min(380px, calc(100vw - 16px));
  max-height: min(86vh, calc(100vh - 16px)); overflow: auto; background: #fff; color: #1d2733; border-radius: 12px; box-shadow: 0 8px 32px #0005;
  padding: 14px 20px 18px; font-size: 16px; display: grid; gap: 12px; }
.head { display: flex; align-items: center; gap: 6px; margin: 0 -10px 0 -8px; touch-action: none; user-select: none; cursor: move; }
.head h2 { flex: 1; min-width: 0; }
.head button { min-width: 44px; min-height: 44px; padding: 0; display: grid; place-items: center; border-color: transparent; background: transparent; color: #17324d; }
.head button[data-action="move"] { cursor: move; }
.icon { width: 1.25em; height: 1.25em; vertical-align: -0.25em; flex: none; }
.bar { pointer-events: auto; position: fixed; right: 16px; bottom: 16px; box-sizing: border-box; max-width: calc(100vw - 32px); display: flex; align-items: center;
  gap: 12px; padding: 6px 6px 6px 18px; background: #17324d; color: #fff; border-radius: 30px; box-shadow: 0 4px 16px #0004; font-size: 16px; }
.bar .summary { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar .unread { flex: none; background: #f0a500; color: #1d2733; border-radius: 12px; padding: 2px 10px; font-size: 14px; }
.bar button { flex: none; display: flex; gap: 6px; align-items: center; min-width: 0; background: #fff; color: #17324d; border: 0; border-radius: 24px; }
.panel h2 { margin: 0; font-size: 19px; }
.panel label { display: grid; gap: 4px; }
.panel form { display: grid; gap: 14px; }
.panel select, .panel textarea { font: inherit; padding: 8px; border: 1px solid #aab4c0; border-radius: 6px; min-width: 0; }
.channels { display: flex; gap: 8px; } .channels button { flex: 1; min-width: 0; }
.channels button[aria-pressed="true"] { background: #17324d; color: #fff; }
.status { font-size: 17px; } .status strong { display: block; font-size: 22px; } .explain { margin: 0; line-height: 1.5; }
.tiles { position: relative; display: grid; gap: 6px; } .tiles video { width: 100%; border-radius: 8px; background: #000; }
.tiles video.self { position: absolute; right: 8px; bottom: 8px; width: 32%; border: 2px solid #fff; box-sizing: border-box; transform: scaleX(-1); }
.tiles video.self:only-child { position: static; width: 45%; }
.stars { display: flex; gap: 6px; } .stars button { font-size: 26px; min-width: 0; flex: 1; max-width: 60px; padding: 4px; }
.stars button[aria-pressed="true"] { background: #f0a500; border-color: #f0a500; color: #1d2733; }
.note { color: #b3261e; }
.code .digits { display: block; font-size: 34px; letter-spacing: 8px; font-variant-numeric: tabular-nums; }
.chat { display: grid; gap: 8px; }
.messages { list-style: none; margin: 0; padding: 8px; max-height: 220px; overflow: auto; background: #f4f6f9; border-radius: 8px; display: grid; gap: 6px; }
.messages li { padding: 6px 10px; border-radius: 10px; max-width: 85%; overflow-wrap: anywhere; }
.messages li.mine { background: #17324d; color: #fff; justify-self: end; }
.messages li.theirs { background: #fff; justify-self: start; }
.panel .chat-form { display: flex; gap: 8px; flex-wrap: wrap; } .chat-form button { flex: 1 1 auto; min-width: 0; } .chat-form input { flex: 1 0 100%; box-sizing: border-box; font: inherit; padding: 8px; border: 1px solid #aab4c0; border-radius: 6px; }
.row { display: flex; gap: 8px; flex-wrap: wrap; } .row > button { flex: 1 1 auto; min-width: 0; }
/* a phone: the panel takes the width, the video and chat give room to the page */
@media (max-width: 480px) {
  .launcher { right: 12px; bottom: 12px; }
  .panel { right: 8px; bottom: 8px; max-height: min(72vh, calc(100vh - 16px)); padding: 10px 14px 14px; gap: 10px; }
  .tiles video { max-height: 28vh; object-fit: cover; } .messages { max-height: 18vh; }
  .bar { right: 8px; bottom: 8px; max-width: calc(100vw - 16px); }
}
:host(.kiosk) .launcher { font-size: 28px; padding: 22px 40px; min-height: 80px; }
:host(.kiosk) .panel { left: 50%; right: auto; top: 4vh; bottom: auto; transform: translateX(-50%); width: min(720px, 94vw); font-size: 22px; }
:host(.kiosk) .panel h2 { font-size: 28px; } :host(.kiosk) .head { margin: 0; cursor: auto; }
:host(.kiosk) .status, :host(.kiosk) .explain { font-size: 26px; } :host(.kiosk) .status strong { font-size: 34px; }
:host(.kiosk) .stars button { min-width: 0; max-width: 110px; font-size: 40px; }
:host(.kiosk) .panel.session { top: 0; left: 0; right: 0; bottom: auto; transform: none; width: 100vw; height: 50vh; max-height: 50vh;
  border-radius: 0; box-sizing: border-box; overflow: auto; align-content: start; }
/* the split screen's upper half: status and the call's buttons first, then the video, so nothing needed sits below its fold */
:host(.kiosk) .panel.session .tiles video { max-height: max(20vh, calc(50vh - 280px)); object-fit: cover; }
:host(.kiosk) .chat-form input { min-height: 56px; }
:host(.kiosk) .panel.session { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); column-gap: 20px; }
:host(.kiosk) .panel.session > * { grid-column: 1; } :host(.kiosk) .panel.session > .chat { grid-column: 2; grid-row: 1 / span 8; align-content: start; }
:host(.kiosk) .panel.session .messages { min-height: 18vh; max-height: 28vh; }
`;


/**
 * The "Human help" widget a portal or kiosk embeds with one script tag: topic, language and
 * channel → waiting with position and estimated wait → the agent joins (call, screen-sharing
 * consent, control consent) → rating. Survives reloads and navigation (session id in
 * sessionStorage); a kiosk resets to a clean state after each visitor.
 */
export class HelpWidget {
  readonly #layer: UiLayer;
  #lang: Lang;
  #view: View = 'closed';
  #connection: AssistConnection | undefined;
  #summary: SessionSummary | undefined;
  #share: CobrowseShare | undefined;
  #call: MediaCall | undefined;
  #chat: ChatClient | undefined;
  /** Built once per session and moved between renders, so typing survives updates. */
  #chatBox: HTMLElement | undefined;
  #notice = '';
  #reconnecting = false;
  /** The service no longer accepts this sign-in: the link stays down, which is no outage to retry. */
  #signedOut = false;
  #score = 0;
  #code: string | undefined;
  /** Sessions this widget is done with (cancelled, rated, reset): their late state pushes are ignored. */
  readonly #finished = new Set<string>();
  /** What the visitor chose last (topic, language, channel, green channel): asking again starts from it. */
  #choice: HelpChoice | undefined;
  /** What the service offers (asked once, when the form first opens). */
  #helpOptions: HelpOptions | undefined;
  /** The panel folded into a small bar (phone, desktop): the page is usable, the session goes on. */
  #minimised = false;
  /** An agent's chat message came while minimised: the bar says so. */
  #unread = false;
  readonly #place = new PanelPlace();
  #lastActivity = Date.now();
  readonly #inactivity: ReturnType<typeof setInterval> | undefined;

  private constructor(private readonly options: WidgetOptions) {
    this.#lang = options.lang ?? (navigator.language.startsWith('zh') ? 'zh' : 'en');
    this.#layer = new UiLayer('etax-assist-widget', 2147482500, WIDGET_CSS);
    if (options.kiosk) {
      this.#layer.host.classList.add('kiosk');
      const touch = () => (this.#lastActivity = Date.now());
      for (const type of ['pointerdown', 'keydown']) document.addEventListener(type, touch, true);
      this.#inactivity = setInterval(() => this.#checkInactivity(), 5000);
    }
  }

  /** Mounts the widget; resumes a session this tab already had. */
  static async mount(options: WidgetOptions): Promise<HelpWidget> {
    const widget = new HelpWidget(options);
    widget.#render();
    const existing = sessionStorage.getItem(SESSION_KEY);
    if (existing) await widget.#resume(existing);
    return widget;
  }

  get view(): View {
    return this.#view;
  }

  /** The widget's UI (a closed shadow root), for tests and diagnostics. */
  get ui(): ShadowRoot {
    return this.#layer.root;
  }

  get share(): CobrowseShare | undefined {
    return this.#share;
  }

  get lang(): Lang {
    return this.#lang;
  }

  /** Switches the widget's language (the portal's language button), mid-session included. */
  setLang(lang: Lang): void {
    this.#lang = lang;
    this.#share?.setLang(lang);
    for (const node of this.#chatBox?.querySelectorAll<HTMLElement>('[data-text]') ?? []) node.textContent = this.#t(node.dataset.text as StringKey);
    for (const node of this.#chatBox?.querySelectorAll<HTMLInputElement>('[data-placeholder]') ?? []) node.placeholder = this.#t(node.dataset.placeholder as StringKey);
    this.#render();
  }

  #t(key: StringKey, values?: Record<string, string>): string {
    return text(this.#lang, key, values);
  }

  async #connect(): Promise<AssistConnection> {
    if (this.#connection) return this.#connection;
    const connection = await AssistConnection.connect({ serviceUrl: this.options.serviceUrl ?? location.origin, fetchToken: this.options.fetchToken });
    connection.socket.on('session:state', (summary) => this.#onState(summary));
    // a token renewal (expired token, reconnect with a fresh one) is no outage to show
    connection.socket.on('disconnect', () => {
      if (connection.renewingToken || this.#signedOut) return;
      this.#reconnecting = true;
      this.#render();
    });
    connection.socket.on('connect', () => ((this.#reconnecting = false), this.#render()));
    // the portal's sign-in ended (signed out elsewhere, or no fresh token): say so rather than
    // "reconnecting" for ever; signing in again resumes the session if it is still open
    connection.on('signed-out', () => {
      this.#signedOut = true;
      this.#reconnecting = false;
      this.#notice = this.#t('signedOut');
      this.#render();
    });
    this.#connection = connection;
    return connection;
  }

  async #resume(sessionId: string): Promise<void> {
    try {
      const connection = await this.#connect();
      this.#onState(await connection.request('session:resume', { sessionId }));
    } catch {
      sessionStorage.removeItem(SESSION_KEY);
    }
  }

  #fail(error: unknown): void {
    this.#notice = this.#t('failed', { message: error instanceof AssistError ? error.message : String(error) });
    this.#render();
  }

  #onState(summary: SessionSummary): void {
    // a cancelled request's own 'cancelled' push can arrive after the widget moved on: it must not
    // take the place of the request asked next
    if (this.#finished.has(summary.sessionId)) return;
    if (this.#summary && summary.sessionId !== this.#summary.sessionId) return;
    // the queue's figures are pushed every second: nothing changed, nothing is drawn again (a redraw
    // would drop a drag or the keyboard's place)
    const unchanged = this.#summary !== undefined && JSON.stringify(this.#summary) === JSON.stringify(summary);
    this.#summary = summary;
    if (unchanged && (this.#view === 'waiting' || this.#view === 'session')) return;
    if (summary.state === 'queued' || summary.state === 'offered') this.#view = 'waiting';
    else if (sessionIs(summary.state, 'over')) {
      if (this.#view === 'session' || this.#view === 'waiting') this.#view = summary.state === 'cancelled' || summary.state === 'abandoned' ? 'closed' : 'rating';
      void this.#endMedia();
      sessionStorage.removeItem(SESSION_KEY);
    } else {
      if (this.#view !== 'session') void this.#enterSession(summary.sessionId);
      this.#view = 'session';
    }
    this.#render();
  }

  async #enterSession(sessionId: string): Promise<void> {
    const connection = await this.#connect();
    if (!this.#share) {
      this.#share = new CobrowseShare(connection, sessionId, { lang: this.#lang, kiosk: Boolean(this.options.kiosk), ...(this.options.privacy ? { privacy: this.options.privacy } : {}) });
      // consent asked once per session; a reload or navigation resumes without asking again
      if (!(await this.#share.resume())) void this.#share.offer();
    }
    if (!this.#chat) {
      const chat = new ChatClient(connection, sessionId);
      this.#chat = chat;
      this.#chatBox = this.#buildChat(chat);
      await chat.load().catch(() => {});
    }
    const channel = this.#summary?.channel ?? 'text';
    if (channel !== 'text' && !this.#call) {
      const call = new MediaCall(connection, { sessionId, publish: channel });
      this.#call = call;
      call.on('state', () => this.#render());
      call.on('mode', (mode) => {
        if (mode !== channel) this.#notice = this.#t(mode === 'voice' ? 'voiceOnly' : 'textOnly');
        this.#render();
      });
      call.on('remote-track', () => this.#render());
      call.on('remote-track-ended', () => this.#render());
      await call.start().catch((error: unknown) => this.#fail(error));
    }
    this.#render();
  }

  async #endMedia(): Promise<void> {
    await this.#call?.close();
    this.#call = undefined;
    this.#chat?.close();
    this.#chat = undefined;
    this.#chatBox = undefined;
    this.#share?.close();
    this.#share = undefined;
  }

  async #ask(form: HTMLFormElement): Promise<void> {
    const kiosk = this.options.kiosk;
    const entry: EntryPoint = kiosk ? { kind: 'kiosk', kioskId: kiosk.kioskId, hall: kiosk.hall } : { kind: 'portal', page: new PrivacyPolicy(this.options.privacy).maskPageAddress(location.pathname) };
    const choice = this.#pickOf(form);
    this.#choice = choice;
    try {
      const connection = await this.#connect();
      const summary = await connection.request('help:request', { ...choice, entry });
      sessionStorage.setItem(SESSION_KEY, summary.sessionId);
      this.#notice = '';
      this.#onState(summary);
    } catch (error) {
      // already waiting or being helped (another tab, another page): carry on with that session
      const open = error instanceof AssistError && error.code === 'CONFLICT' ? (error.details as { sessionId?: string } | undefined)?.sessionId : undefined;
      if (open) {
        sessionStorage.setItem(SESSION_KEY, open);
        await this.#resume(open);
        return;
      }
      this.#fail(error);
    }
  }

  async #showCode(): Promise<void> {
    const id = this.#summary?.sessionId;
    if (!id || !this.#connection) return;
    try {
      this.#code = (await this.#connection.request('session:code', { sessionId: id })).code;
      this.#render();
    } catch (error) {
      this.#fail(error);
    }
  }

  async #cancel(): Promise<void> {
    const id = this.#summary?.sessionId;
    if (!id || !this.#connection) return;
    await this.#connection.request('help:cancel', { sessionId: id }).catch((e: unknown) => this.#fail(e));
    this.#reset();
  }

  async #hangUp(): Promise<void> {
    const id = this.#summary?.sessionId;
    if (!id || !this.#connection) return;
    await this.#connection.request('session:end', { sessionId: id }).catch((e: unknown) => this.#fail(e));
  }

  async #rate(skip: boolean): Promise<void> {
    const id = this.#summary?.sessionId;
    const comment = (this.#layer.root.querySelector('textarea[name="comment"]') as HTMLTextAreaElement | null)?.value ?? '';
    if (!skip && id && this.#connection && this.#score > 0) {
      await this.#connection.request('session:rate', { sessionId: id, score: this.#score, comment }).catch((e: unknown) => this.#fail(e));
    }
    this.#view = 'thanks';
    this.#render();
    setTimeout(() => this.#reset(), this.options.kiosk ? 4000 : 2500);
  }

  /** Back to a clean state: nothing of this visitor left on screen or in storage. */
  #reset(): void {
    if (this.#summary) this.#finished.add(this.#summary.sessionId);
    this.#dualScreen(false);
    void this.#endMedia();
    sessionStorage.removeItem(SESSION_KEY);
    this.#summary = undefined;
    this.#score = 0;
    this.#code = undefined;
    this.#notice = '';
    this.#minimised = false;
    this.#unread = false;
    this.#place.reset();
    this.#view = 'closed';
    if (this.options.kiosk) {
      // the next visitor starts from the kiosk's defaults
      this.#choice = undefined;
      this.#connection?.close();
      this.#connection = undefined;
      for (const key of Object.keys(sessionStorage)) if (key.startsWith('etax-assist:')) sessionStorage.removeItem(key);
    }
    this.#render();
    this.options.kiosk?.onReset?.();
  }

  #checkInactivity(): void {
    const limit = (this.options.kiosk?.inactivityResetS ?? 120) * 1000;
    if ((this.#view === 'pick' || this.#view === 'thanks' || this.#view === 'rating') && Date.now() - this.#lastActivity > limit) this.#reset();
  }

  /**
   * Kiosk during a session: the upper screen shows the agent (video, chat, guidance), the lower
   * screen the taxpayer's own page, pushed down below it.
   */
  #dualScreen(on: boolean): void {
    const root = document.documentElement;
    if (on) {
      root.style.setProperty('padding-top', '50vh');
      root.setAttribute(DUAL_SCREEN_ATTRIBUTE, '');
    } else if (root.hasAttribute(DUAL_SCREEN_ATTRIBUTE)) {
      root.style.removeProperty('padding-top');
      root.removeAttribute(DUAL_SCREEN_ATTRIBUTE);
    }
  }

  #button(label: string, onclick: () => void, primary = false): HTMLButtonElement {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.className = primary ? 'primary' : 'secondary';
    b.addEventListener('click', onclick);
    return b;
  }

  /** A button showing an icon; `label` names it for screen readers and as its tooltip. */
  #iconButton(name: IconName, label: string, action: string, onclick: () => void = () => {}): HTMLButtonElement {
    const b = this.#button('', onclick);
    b.append(icon(name));
    b.setAttribute('aria-label', label);
    b.title = label;
    b.dataset.action = action;
    return b;
  }

  /** Portal pages (not the kiosk's split screen): the panel can be minimised and moved. */
  get #movable(): boolean {
    return !this.options.kiosk;
  }

  #setMinimised(minimised: boolean): void {
    this.#minimised = minimised;
    if (!minimised) this.#unread = false;
    this.#render();
    // the keyboard stays where it was: on the button that brings the other form back
    this.#layer.root.querySelector<HTMLElement>(`[data-action="${minimised ? 'restore' : 'minimise'}"]`)?.focus();
  }

  #pickOf(form: HTMLFormElement): HelpChoice {
    const data = new FormData(form);
    return { topic: String(data.get('topic')), language: String(data.get('language')), channel: String(data.get('channel')) as Channel, priority: String(data.get('priority') ?? 'normal') as PriorityGroup };
  }

  /** The form to ask for help, with what this service offers (its topics, and the groups a page may choose). */
  #openPick(): void {
    this.#view = 'pick';
    this.#render();
    if (this.#helpOptions) return;
    void this.#connect()
      .then((connection) => connection.request('help:options', {}))
      .then((options) => {
        this.#helpOptions = options;
        if (this.#view !== 'pick') return;
        // the form (not the panel, which may be being dragged) drawn again with what the service
        // offers, keeping what the visitor already chose
        const form = this.#layer.root.querySelector<HTMLFormElement>('form.pick');
        if (!form) return;
        this.#choice = this.#pickOf(form);
        form.replaceWith(this.#pickForm());
      })
      .catch((error: unknown) => this.#fail(error));
  }

  /** The form to ask for help, drawn with what the service offers and what the visitor chose. */
  #pickForm(): HTMLFormElement {
    const form = document.createElement('form');
    form.className = 'pick';
    const select = (name: string, label: StringKey, values: string[], chosen: string, labelOf: (v: string) => string) => {
      const wrap = document.createElement('label');
      wrap.textContent = this.#t(label);
      const s = document.createElement('select');
      s.name = name;
      for (const v of values) s.append(Object.assign(document.createElement('option'), { value: v, textContent: labelOf(v), selected: v === chosen }));
      wrap.append(s);
      return wrap;
    };
    const offered = this.#helpOptions;
    const topics = this.options.topics ?? offered?.topics ?? DEFAULT_TOPICS;
    const languages = offered?.languages ?? ['zh', 'en'];
    const choice = this.#choice;
    form.append(
      select('topic', 'topic', topics, choice?.topic ?? this.options.defaultTopic ?? topics[0] ?? '', (v) => this.#t(`topic.${v}` as StringKey) || v),
      select('language', 'language', languages, choice?.language ?? this.#lang, (v) => this.#t(`lang.${v}` as StringKey) || v),
    );
    const channel = Object.assign(document.createElement('input'), { type: 'hidden', name: 'channel', value: choice?.channel ?? this.options.defaultChannel ?? (this.options.kiosk ? 'video' : 'voice') });
    const channels = document.createElement('div');
    channels.className = 'channels';
    channels.setAttribute('role', 'radiogroup');
    channels.setAttribute('aria-label', this.#t('channel'));
    for (const c of ['video', 'voice', 'text'] as const) {
      const b = this.#button(this.#t(c), () => {
        channel.value = c;
        for (const other of channels.querySelectorAll('button')) other.setAttribute('aria-pressed', String(other === b));
      });
      b.setAttribute('aria-pressed', String(channel.value === c));
      b.dataset.channel = c;
      channels.append(b);
    }
    // the group itself, not just "green channel": the agent sees which one on the offer and the card;
    // offered only where the service lets a page choose it (else a hall or the portal's claims do)
    const groups = offered?.priorityGroups ?? ['normal'];
    const green = groups.length > 1
      ? select('priority', 'greenChannel', groups, choice?.priority ?? 'normal', (v) => this.#t(`priority.${v}` as StringKey))
      : Object.assign(document.createElement('input'), { type: 'hidden', name: 'priority', value: 'normal' });
    const actions = document.createElement('div');
    actions.className = 'row';
    const submit = Object.assign(document.createElement('button'), { type: 'submit', className: 'primary', textContent: this.#t('ask') });
    actions.append(submit, this.#button(this.#t('close'), () => ((this.#view = 'closed'), this.#render())));
    form.append(channel, channels, green, actions);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#ask(form);
    });
    return form;
  }

  #render(): void {
    const root = this.#layer.root;
    // the keyboard keeps its place across a redraw (buttons that name their action)
    const focused = (root.activeElement as HTMLElement | null)?.dataset.action;
    this.#draw();
    if (focused) root.querySelector<HTMLElement>(`[data-action="${focused}"]`)?.focus();
  }

  #draw(): void {
    const root = this.#layer.root;
    for (const node of [...root.children]) if (node.tagName !== 'STYLE' && !node.classList.contains('dialog') && !node.classList.contains('banner')) node.remove();
    if (this.#view === 'closed') {
      root.append(this.#button(this.#t('help'), () => this.#openPick(), true));
      (root.lastElementChild as HTMLElement).classList.add('launcher');
      return;
    }
    this.#dualScreen(this.#view === 'session' && Boolean(this.options.kiosk));
    if (this.#minimised && this.#movable) {
      root.append(this.#bar());
      return;
    }
    const panel = document.createElement('section');
    panel.className = `panel ${this.#view}`;
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', this.#t('helpTitle'));
    panel.append(this.#head(panel));
    if (this.#notice) panel.append(Object.assign(document.createElement('p'), { className: 'note', textContent: this.#notice }));
    if (this.#reconnecting) panel.append(Object.assign(document.createElement('p'), { className: 'note', textContent: this.#t('reconnecting') }));
    // signed out, nothing the panel offers could reach the service: only the notice stays
    if (!this.#signedOut) this.#renderBody(panel);
    root.append(panel);
    if (this.#movable) this.#place.apply(panel);
  }

  /** The panel's title bar: on portal pages also its handle (drag it, or arrow keys on the grip) and Minimise. */
  #head(panel: HTMLElement): HTMLElement {
    const head = document.createElement('header');
    head.className = 'head';
    const heading = document.createElement('h2');
    heading.textContent = this.#t('helpTitle');
    if (!this.#movable) {
      head.append(heading);
      return head;
    }
    const move = this.#iconButton('grip', this.#t('move'), 'move');
    head.append(move, heading, this.#iconButton('minimise', this.#t('minimise'), 'minimise', () => this.#setMinimised(true)));
    this.#place.attach(panel, head, move);
    return head;
  }

  /** The minimised panel: where things stand in one line, and the button that opens it again. */
  #bar(): HTMLElement {
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.setAttribute('role', 'region');
    bar.setAttribute('aria-label', this.#t('helpTitle'));
    bar.append(Object.assign(document.createElement('span'), { className: 'summary', textContent: this.#summaryLine() }));
    if (this.#unread) bar.append(Object.assign(document.createElement('span'), { className: 'unread', textContent: this.#t('newMessage') }));
    const restore = this.#iconButton('restore', this.#t('restore'), 'restore', () => this.#setMinimised(false));
    restore.append(this.#t('restore'));
    bar.append(restore);
    return bar;
  }

  #summaryLine(): string {
    const s = this.#summary;
    switch (this.#view) {
      case 'waiting':
        return s?.agentOnDuty === false ? this.#t('noAgent') : this.#positionLine(s?.queuePosition ?? 1);
      case 'session':
        return s?.agent?.name ? this.#t('connectedTo', { name: s.agent.name }) : this.#t('connecting');
      case 'rating':
        return this.#t('rateTitle');
      default:
        return this.#t('helpTitle');
    }
  }

  #positionLine(position: number): string {
    return position <= 1 ? this.#t('next') : this.#t('position', { ahead: String(position - 1) });
  }

  #renderBody(panel: HTMLElement): void {
    const p = (content: string, className = 'status') => Object.assign(document.createElement('p'), { className, textContent: content });
    switch (this.#view) {
      case 'pick':
        panel.append(this.#pickForm());
        return;
      case 'waiting': {
        const s = this.#summary;
        if (s?.agentOnDuty === false) {
          // nobody could take the request now: no place in line or wait would be true; say so and what else there is
          const status = p('');
          status.append(Object.assign(document.createElement('strong'), { textContent: this.#t('noAgent') }));
          panel.append(status, p(this.#t('noAgentBody'), 'explain'));
        } else {
          const status = p(this.#t('queued'));
          status.append(Object.assign(document.createElement('strong'), { textContent: this.#positionLine(s?.queuePosition ?? 1) }));
          panel.append(status);
          if (s?.estimatedWaitS !== undefined) panel.append(p(this.#t('eta', { min: String(Math.max(1, Math.round(s.estimatedWaitS / 60))) }), 'eta'));
        }
        if (this.#code) {
          const code = p(this.#t('code'), 'code');
          code.append(Object.assign(document.createElement('strong'), { className: 'digits', textContent: this.#code }));
          panel.append(code);
        } else {
          panel.append(this.#button(this.#t('showCode'), () => void this.#showCode(), s?.agentOnDuty === false));
        }
        panel.append(this.#button(this.#t('cancel'), () => void this.#cancel()));
        return;
      }
      case 'session': {
        const agent = this.#summary?.agent?.name;
        panel.append(p(agent ? this.#t('connectedTo', { name: agent }) : this.#t('connecting')));
        const call = this.#call;
        if (call && call.state !== 'connected') {
          panel.append(p(call.state === 'reconnecting' ? this.#t('reconnecting') : this.#t('connecting'), call.state === 'reconnecting' ? 'note' : 'status'));
        }
        // the call's buttons and End come before the pictures: in view however tall the video is
        const controls = document.createElement('div');
        controls.className = 'row controls';
        if (call?.state === 'connected') {
          controls.append(
            this.#button(call.micEnabled ? this.#t('mute') : this.#t('unmute'), () => void call.setMicEnabled(!call.micEnabled).then(() => this.#render())),
            ...(call.mode === 'video' ? [this.#button(call.cameraEnabled ? this.#t('cameraOff') : this.#t('cameraOn'), () => void call.setCameraEnabled(!call.cameraEnabled).then(() => this.#render()))] : []),
          );
        }
        controls.append(this.#button(this.#t('hangUp'), () => void this.#hangUp()));
        panel.append(controls);
        if (call?.state === 'connected') panel.append(this.#tiles(call));
        if (this.#chatBox) panel.append(this.#chatBox);
        return;
      }
      case 'rating': {
        panel.append(p(this.#t('rateTitle')));
        const stars = document.createElement('div');
        stars.className = 'stars';
        for (let score = 1; score <= 5; score++) {
          const b = this.#button('★', () => {
            this.#score = score;
            for (const [i, other] of [...stars.querySelectorAll('button')].entries()) other.setAttribute('aria-pressed', String(i < score));
          });
          b.setAttribute('aria-label', String(score));
          b.setAttribute('aria-pressed', String(score <= this.#score));
          stars.append(b);
        }
        const comment = document.createElement('label');
        comment.textContent = this.#t('rateComment');
        comment.append(Object.assign(document.createElement('textarea'), { name: 'comment', rows: 2, maxLength: 1000 }));
        const row = document.createElement('div');
        row.className = 'row';
        row.append(this.#button(this.#t('submit'), () => void this.#rate(false), true), this.#button(this.#t('skip'), () => void this.#rate(true)));
        panel.append(stars, comment, row);
        return;
      }
      case 'thanks':
        panel.append(p(this.#t('thanks')));
        return;
      case 'closed':
        return;
    }
  }

  /** The agent's picture, and the taxpayer's own (mirrored, like a looking glass) while the camera is on. */
  #tiles(call: MediaCall): HTMLElement {
    const tiles = document.createElement('div');
    tiles.className = 'tiles';
    const video = (track: MediaStreamTrack) => Object.assign(document.createElement('video'), { autoplay: true, muted: true, playsInline: true, srcObject: new MediaStream([track]) });
    for (const remote of call.remoteTracks.filter((r) => r.kind === 'video')) tiles.append(video(remote.track));
    const own = call.localStream?.getVideoTracks()[0];
    if (call.mode === 'video' && call.cameraEnabled && own) {
      const self = video(own);
      self.className = 'self';
      self.setAttribute('aria-label', this.#t('selfView'));
      tiles.append(self);
    }
    return tiles;
  }

  #buildChat(chat: ChatClient): HTMLElement {
    const box = document.createElement('div');
    box.className = 'chat';
    const list = document.createElement('ol');
    list.className = 'messages';
    list.setAttribute('aria-live', 'polite');
    chat.on('message', (m) => {
      const item = document.createElement('li');
      item.className = m.from.role === 'taxpayer' ? 'mine' : 'theirs';
      item.append(Object.assign(document.createElement('span'), { className: 'who', textContent: m.from.role === 'taxpayer' ? '' : `${m.from.name}：` }), ...(m.attachment ? [icon('attachment'), ' '] : []), m.text);
      list.append(item);
      list.scrollTop = list.scrollHeight;
      if (this.#minimised && m.from.role !== 'taxpayer' && !this.#unread) {
        this.#unread = true;
        this.#render();
      }
    });
    const form = document.createElement('form');
    form.className = 'chat-form';
    const input = Object.assign(document.createElement('input'), { name: 'message', maxLength: 2000, autocomplete: 'off', placeholder: this.#t('chatPlaceholder') });
    input.dataset.placeholder = 'chatPlaceholder';
    const file = Object.assign(document.createElement('input'), { type: 'file', accept: 'image/png,image/jpeg,application/pdf', hidden: true });
    file.addEventListener('change', () => {
      const chosen = file.files?.[0];
      file.value = '';
      if (chosen) chat.attach(chosen).catch((e: unknown) => this.#fail(e));
    });
    const pageShot = this.#button(this.#t('sendPage'), () => {
      chat.attach(takePageSnapshot(this.options.privacy), this.#t('pageSnapshotName')).catch((e: unknown) => this.#fail(e));
    });
    pageShot.dataset.action = 'page-snapshot';
    pageShot.dataset.text = 'sendPage';
    const attach = this.#button(this.#t('attach'), () => file.click());
    attach.dataset.text = 'attach';
    const send = Object.assign(document.createElement('button'), { type: 'submit', className: 'primary', textContent: this.#t('send') });
    send.dataset.text = 'send';
    form.append(input, file, attach, pageShot, send);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      input.value = '';
      chat.send(value).catch((e: unknown) => this.#fail(e));
    });
    box.append(list, form);
    return box;
  }

  destroy(): void {
    if (this.#inactivity) clearInterval(this.#inactivity);
    void this.#endMedia();
    this.#connection?.close();
    this.#place.close();
    this.#layer.remove();
  }
}
