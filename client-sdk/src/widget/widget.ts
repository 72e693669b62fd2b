import { Value } from '@sinclair/typebox/value';
import {
  KnowledgeSearchResult,
  sessionIs,
  type Channel,
  type HelpClaimRefusal,
  type HelpOptions,
  type HelpRequest,
  type KnowledgeAnswer,
  type SelfServiceOutcome,
  type SessionSummary,
} from '@etax-assist/protocol';
import { ChatClient } from '../chat/chat-client.js';
import { AssistConnection } from '../connection.js';
import { AssistError } from '../errors.js';
import { DEFAULT_SERVICE_URL } from '../service-url.js';
import { CobrowseShare } from '../cobrowse/share.js';
import { PrivacyPolicy, type PrivacyOptions } from '../cobrowse/privacy.js';
import { MediaCall } from '../media/media-call.js';
import { text, type Lang, type StringKey } from '../ui/strings.js';
import { AnswersPanel } from './answers-panel.js';
import { CallbackAlert, callbackHint } from './callback-alert.js';
import { ChatBox } from './chat-box.js';
import type { HelpChoice } from './help-form.js';
import { fetchHelpOptions } from './help-options.js';
import { KioskMode, type KioskOptions } from './kiosk.js';
import type { View, WidgetActions, WidgetScreen } from './widget-screen.js';
import { WidgetView } from './widget-view.js';

export interface WidgetOptions {
  /** Base URL of the assistance service (default: where the SDK's script came from, else the page's origin). */
  serviceUrl?: string;
  /** Supplied by the portal: a fresh taxpayer token for the signed-in user. */
  fetchToken: () => Promise<string>;
  lang?: Lang;
  /** Large type and touch targets, auto-start of camera and microphone, reset after each visitor. */
  kiosk?: KioskOptions;
  /** The portal's own narrowing of the topics the service offers. */
  topics?: string[];
  /** Pre-filled when the portal knows what the taxpayer is doing. */
  defaultTopic?: string;
  /** What a desktop taxpayer starts with (kiosks default to video). */
  defaultChannel?: Channel;
  privacy?: PrivacyOptions;
}

const SESSION_KEY = 'etax-assist:session';

/**
 * The "Human help" widget a portal or kiosk embeds with one script tag: topic, language and
 * channel → waiting with position and estimated wait → the agent joins (call, screen-sharing
 * consent, control consent) → rating. Survives reloads and navigation (session id in
 * sessionStorage); a kiosk resets to a clean state after each visitor.
 *
 * This is the controller (the session's state and what the visitor does); WidgetView draws it.
 */
export class HelpWidget {
  readonly #ui: WidgetView;
  readonly #kiosk: KioskMode | undefined;
  readonly #serviceUrl: string;
  #lang: Lang;
  #view: View = 'closed';
  #connection: AssistConnection | undefined;
  #summary: SessionSummary | undefined;
  #share: CobrowseShare | undefined;
  #call: MediaCall | undefined;
  #chat: ChatClient | undefined;
  #chatBox: ChatBox | undefined;
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
  /** What the service offers (asked when the widget is mounted, again on opening the form if that failed). */
  #helpOptions: HelpOptions | undefined;
  /** The help form's question box and the knowledge base's answers (made once the service's options are known). */
  #answers: AnswersPanel | undefined;
  /** The panel folded into a small bar (phone, desktop): the page is usable, the session goes on. */
  #minimised = false;
  /** An agent's chat message came while minimised: the bar says so. */
  #unread = false;
  readonly #callbackAlert = new CallbackAlert();
  /** The taxpayer came back to a callback on this page: the session goes on here, the portal's other pages let it go. */
  #answeredHere = false;

  private constructor(private readonly options: WidgetOptions) {
    this.#lang = options.lang ?? (navigator.language.startsWith('zh') ? 'zh' : 'en');
    this.#serviceUrl = options.serviceUrl ?? DEFAULT_SERVICE_URL;
    const actions: WidgetActions = {
      open: () => this.#openPick(),
      close: () => ((this.#view = 'closed'), this.#render()),
      cancel: () => void this.#cancel(),
      showCode: () => void this.#showCode(),
      hangUp: () => void this.#hangUp(),
      setScore: (score) => (this.#score = score),
      rate: (comment) => void this.#rate(comment),
      setMinimised: (minimised) => this.#setMinimised(minimised),
      callback: () => void this.#keepPlace(),
      answerCallback: () => void this.#answerCallback(),
      dismiss: () => this.#reset(),
      redraw: () => this.#render(),
    };
    this.#ui = new WidgetView(Boolean(options.kiosk), actions);
    if (options.kiosk)
      this.#kiosk = new KioskMode(
        options.kiosk,
        () => this.#view === 'pick' || this.#view === 'thanks' || this.#view === 'rating',
        () => this.#reset(),
      );
  }

  /** Mounts the widget once the service's options are known (the form is then complete at once); resumes a session this tab already had. */
  static async mount(options: WidgetOptions): Promise<HelpWidget> {
    const widget = new HelpWidget(options);
    // unreachable for now: the launcher still shows, and opening the form asks again
    widget.#helpOptions = await fetchHelpOptions(widget.#serviceUrl).catch(() => undefined);
    widget.#render();
    const existing = sessionStorage.getItem(SESSION_KEY);
    const callback = callbackHint.pending();
    if (existing) await widget.#resume(existing);
    else if (callback) {
      // another page of the portal keeps a place in the queue: this one shows it as a small chip
      widget.#minimised = true;
      await widget.#resume(callback);
    }
    return widget;
  }

  get view(): View {
    return this.#view;
  }

  /** The widget's UI (a closed shadow root), for tests and diagnostics. */
  get ui(): ShadowRoot {
    return this.#ui.root;
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
    this.#chatBox?.relabel();
    this.#answers?.relabel();
    this.#render();
  }

  #t(key: StringKey, values?: Record<string, string>): string {
    return text(this.#lang, key, values);
  }

  #screen(): WidgetScreen {
    const t = (key: StringKey, values?: Record<string, string>) => this.#t(key, values);
    return {
      view: this.#view,
      kiosk: Boolean(this.options.kiosk),
      summary: this.#summary,
      notice: this.#notice,
      reconnecting: this.#reconnecting,
      signedOut: this.#signedOut,
      minimised: this.#minimised,
      unread: this.#unread,
      code: this.#code,
      score: this.#score,
      call: this.#call,
      chat: this.#chatBox?.element,
      form: {
        offered: this.#helpOptions,
        topics: this.options.topics,
        choice: this.#choice,
        defaultTopic: this.options.defaultTopic,
        defaultChannel: this.options.defaultChannel ?? (this.options.kiosk ? 'video' : 'voice'),
        lang: this.#lang,
        t,
        answers: this.#answersPanel(t)?.element,
        ask: (choice) => void this.#ask(choice),
        close: () => ((this.#view = 'closed'), this.#render()),
      },
      t,
    };
  }

  #answersPanel(t: (key: StringKey) => string): AnswersPanel | undefined {
    const offered = this.#helpOptions;
    if (!offered) return undefined;
    this.#answers ??= new AnswersPanel({
      t,
      maxChars: offered.questionMaxChars,
      search: (question, topic) => this.#searchAnswers(question.slice(0, offered.searchMaxChars), topic),
      feedback: (articleId, outcome) => void this.#answerFeedback(articleId, outcome),
    });
    return this.#answers;
  }

  async #searchAnswers(question: string, topic: string | undefined): Promise<KnowledgeAnswer[]> {
    const connection = await this.#connect();
    const query = new URLSearchParams({ q: question, lang: this.#lang, ...(topic ? { topic } : {}) });
    const json: unknown = await (await connection.fetch(`/api/knowledge/search?${query}`)).json();
    return Value.Check(KnowledgeSearchResult, json) ? json.answers : [];
  }

  async #answerFeedback(articleId: string, outcome: SelfServiceOutcome): Promise<void> {
    const connection = await this.#connect();
    // a lost count is no reason to hold up the taxpayer, who is asking for a person or done
    await connection
      .fetch('/api/knowledge/feedback', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ articleId, outcome }) })
      .catch(() => undefined);
  }

  #render(): void {
    this.#ui.render(this.#screen());
  }

  async #connect(): Promise<AssistConnection> {
    if (this.#connection) return this.#connection;
    const connection = await AssistConnection.connect({ serviceUrl: this.#serviceUrl, fetchToken: this.options.fetchToken });
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
      if (callbackHint.pending() === sessionId) callbackHint.forget();
    }
  }

  #fail(error: unknown): void {
    // a claim only the portal or a registered kiosk may make: say which, in the visitor's words
    const claim = error instanceof AssistError && error.code === 'CLAIM_NOT_GRANTED' ? (error.details as Partial<HelpClaimRefusal> | undefined)?.claim : undefined;
    this.#notice = claim ? this.#t(`claimNotGranted.${claim}`) : this.#t('failed', { message: error instanceof AssistError ? error.message : String(error) });
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
    const before = this.#summary?.state;
    this.#summary = summary;
    if (unchanged && (this.#view === 'waiting' || this.#view === 'session')) return;
    // the taxpayer came back to the callback on another page: the session goes on there
    if (before === 'callback' && !this.#answeredHere && summary.state !== 'callback' && sessionIs(summary.state, 'open')) return this.#letGo();
    // asked back (an agent is ready): the panel opens on every page of the portal
    if (this.#callbackAlert.ready(summary, (key, values) => this.#t(key, values))) this.#minimised = false;
    if (sessionIs(summary.state, 'waiting')) this.#view = 'waiting';
    else if (sessionIs(summary.state, 'over')) {
      // a missed callback stays in view to say that it ended
      const left = summary.state === 'cancelled' || summary.state === 'abandoned' ? 'closed' : summary.state === 'missed' ? 'waiting' : 'rating';
      if (this.#view === 'session' || this.#view === 'waiting') this.#view = left;
      void this.#endMedia();
      sessionStorage.removeItem(SESSION_KEY);
      if (callbackHint.pending() === summary.sessionId) callbackHint.forget();
    } else {
      if (this.#view !== 'session') void this.#enterSession(summary.sessionId);
      this.#view = 'session';
    }
    this.#render();
  }

  async #enterSession(sessionId: string): Promise<void> {
    const connection = await this.#connect();
    if (!this.#share) {
      this.#share = new CobrowseShare(connection, sessionId, {
        lang: this.#lang,
        kiosk: Boolean(this.options.kiosk),
        returnFocus: () => this.#ui.focusPanel(),
        ...(this.options.privacy ? { privacy: this.options.privacy } : {}),
      });
      // consent asked once per session; a reload or navigation resumes without asking again
      if (!(await this.#share.resume())) void this.#share.offer();
    }
    if (!this.#chat) {
      const chat = new ChatClient(connection, sessionId);
      this.#chat = chat;
      this.#chatBox = new ChatBox(chat, {
        privacy: this.options.privacy,
        t: () => (key, values) => this.#t(key, values),
        fail: (error) => this.#fail(error),
        onAgentMessage: () => {
          if (!this.#minimised || this.#unread) return;
          this.#unread = true;
          this.#render();
        },
      });
      await chat.load().catch(() => {});
    }
    const channel = this.#summary?.channel ?? 'text';
    if (channel !== 'text' && !this.#call) {
      const call = new MediaCall(connection, { sessionId, publish: channel });
      this.#call = call;
      call.on('state', () => this.#render());
      call.on('mode', (mode, reason) => {
        if (reason === 'poor-network') this.#notice = this.#t('voiceForNetwork');
        else this.#notice = mode === channel ? '' : this.#t(mode === 'voice' ? 'voiceOnly' : 'textOnly');
        this.#render();
      });
      let quality = 'good';
      call.on('link', (now) => {
        if (now === quality) return;
        quality = now;
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

  async #ask(choice: HelpChoice): Promise<void> {
    const kiosk = this.options.kiosk;
    this.#choice = choice;
    try {
      const entry: HelpRequest['entry'] = kiosk
        ? { kind: 'kiosk', device: await kiosk.deviceToken() }
        : { kind: 'portal', page: new PrivacyPolicy(this.options.privacy).maskPageAddress(location.pathname) };
      const connection = await this.#connect();
      const question = this.#answers?.question;
      const summary = await connection.request('help:request', { ...choice, entry, ...(question ? { question } : {}) });
      this.#answers?.clear();
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

  async #keepPlace(): Promise<void> {
    const id = this.#summary?.sessionId;
    if (!id || !this.#connection) return;
    // asked on the taxpayer's own click, before they leave the page
    await CallbackAlert.askPermission();
    try {
      await this.#connection.request('callback:request', { sessionId: id });
      callbackHint.remember(id);
    } catch (error) {
      this.#fail(error);
    }
  }

  async #answerCallback(): Promise<void> {
    const id = this.#summary?.sessionId;
    if (!id || !this.#connection) return;
    this.#answeredHere = true;
    try {
      const summary = await this.#connection.request('callback:answer', { sessionId: id });
      sessionStorage.setItem(SESSION_KEY, id);
      callbackHint.forget();
      this.#onState(summary);
    } catch (error) {
      this.#answeredHere = false;
      this.#fail(error);
    }
  }

  /** Another page took the session over: nothing of it stays here. */
  #letGo(): void {
    if (this.#summary) this.#finished.add(this.#summary.sessionId);
    sessionStorage.removeItem(SESSION_KEY);
    this.#summary = undefined;
    this.#minimised = false;
    this.#view = 'closed';
    this.#render();
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

  async #rate(comment: string | undefined): Promise<void> {
    const id = this.#summary?.sessionId;
    if (comment !== undefined && id && this.#connection && this.#score > 0) {
      await this.#connection.request('session:rate', { sessionId: id, score: this.#score, comment }).catch((e: unknown) => this.#fail(e));
    }
    this.#view = 'thanks';
    this.#render();
    setTimeout(() => this.#reset(), this.options.kiosk ? 4000 : 2500);
  }

  /** Back to a clean state: nothing of this visitor left on screen or in storage. */
  #reset(): void {
    if (this.#summary) this.#finished.add(this.#summary.sessionId);
    if (this.#summary && callbackHint.pending() === this.#summary.sessionId) callbackHint.forget();
    this.#answeredHere = false;
    KioskMode.dualScreen(false);
    void this.#endMedia();
    sessionStorage.removeItem(SESSION_KEY);
    this.#summary = undefined;
    this.#score = 0;
    this.#code = undefined;
    this.#notice = '';
    this.#minimised = false;
    this.#unread = false;
    this.#ui.resetPlace();
    this.#view = 'closed';
    if (this.#kiosk) {
      // the next visitor starts from the kiosk's defaults, and sees nothing of this one's question
      this.#choice = undefined;
      this.#answers?.clear();
      this.#connection?.close();
      this.#connection = undefined;
      KioskMode.forgetVisitor();
    }
    this.#render();
    this.#kiosk?.options.onReset?.();
  }

  #setMinimised(minimised: boolean): void {
    this.#minimised = minimised;
    if (!minimised) this.#unread = false;
    this.#render();
    // the keyboard stays where it was: on the button that brings the other form back
    this.#ui.focus(minimised ? 'restore' : 'minimise');
  }

  /**
   * The form to ask for help, with what this service offers (its topics, and the groups a page
   * may choose). Asked again each time (the browser revalidates: a round trip when nothing
   * changed): a catalog published since the page loaded shows on the next opening.
   */
  #openPick(): void {
    this.#view = 'pick';
    this.#render();
    const shown = this.#helpOptions;
    fetchHelpOptions(this.#serviceUrl)
      .then((options) => {
        this.#helpOptions = options;
        if (this.#view !== 'pick' || options.version === shown?.version) return;
        // keeping what the visitor already chose
        this.#choice = this.#ui.choice ?? this.#choice;
        this.#ui.redrawForm(this.#screen());
      })
      // the options already shown serve on when the service cannot be asked
      .catch((error: unknown) => {
        if (!shown) this.#fail(error);
      });
  }

  destroy(): void {
    this.#kiosk?.close();
    void this.#endMedia();
    this.#connection?.close();
    this.#ui.remove();
  }
}
