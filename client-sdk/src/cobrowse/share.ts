import type { CobrowseState, ControlInput } from '@etax-assist/protocol';
import type { AssistConnection } from '../connection.js';
import { Emitter } from '../emitter.js';
import { SessionListeners } from '../session-listeners.js';
import { ask, UiLayer, type Question, type QuestionWording } from '../ui/layer.js';
import { text, type Lang } from '../ui/strings.js';
import { followTextSize } from '../ui/text-size.js';
import { applyControl, type Refusal } from './control.js';
import { AnnotationOverlay } from './overlay.js';
import { PrivacyPolicy, type PrivacyOptions } from './privacy.js';
import { CobrowseRecorder, type RecorderOptions } from './recorder.js';

export interface ShareOptions extends RecorderOptions {
  lang?: Lang;
  /** Large type and touch targets. */
  kiosk?: boolean;
  privacy?: PrivacyOptions;
  /** Where the keyboard goes once a question is answered (the widget's panel), else back where it was. */
  returnFocus?: () => void;
}

type ShareEvents = {
  state: [state: CobrowseState];
  /** A control input was applied (or refused, with the reason). */
  control: [input: ControlInput, refusal: Refusal | undefined];
};

const CONSENT_KEY = (sessionId: string) => `etax-assist:share:${sessionId}`;

/**
 * The taxpayer's side of co-browsing: asks consent before anything is recorded, records while
 * sharing, shows the agent's annotations, asks consent for control and applies the agent's input
 * while it is granted, with a banner, Stop and Esc. Consent lasts for the session (kept in
 * sessionStorage), so a reload or a navigation inside the portal resumes sharing by itself.
 */
export class CobrowseShare extends Emitter<ShareEvents> {
  readonly #recorder: CobrowseRecorder;
  readonly #policy: PrivacyPolicy;
  readonly #layer: UiLayer;
  readonly #overlay: AnnotationOverlay;
  #lang: Lang;
  #state: CobrowseState;
  #banner: HTMLElement | undefined;
  /** The server stopped recording the session (its limit): said in the banner from then on. */
  #recordingStopped = false;
  #controlQuestion: { dismiss: () => void } | undefined;
  readonly #openQuestions = new Set<Question>();
  readonly #listeners: SessionListeners;

  constructor(
    private readonly connection: AssistConnection,
    readonly sessionId: string,
    private readonly options: ShareOptions = {},
  ) {
    super();
    this.#lang = options.lang ?? 'zh';
    this.#policy = new PrivacyPolicy(options.privacy);
    this.#recorder = new CobrowseRecorder(connection, sessionId, options);
    this.#layer = new UiLayer('etax-assist-cobrowse');
    if (options.kiosk) {
      this.#layer.host.classList.add('kiosk');
      followTextSize(this.#layer.host);
    }
    this.#overlay = new AnnotationOverlay(
      (id) => this.#recorder.nodeOf(id),
      (what) => this.#layer.announcer.say(text(this.#lang, 'highlighted', { what })),
    );
    this.#state = { sessionId, sharing: 'waiting', control: 'none' };
    this.#listeners = new SessionListeners(connection.socket, sessionId);
    this.#listen();
  }

  get state(): CobrowseState {
    return this.#state;
  }

  get recorder(): CobrowseRecorder {
    return this.#recorder;
  }

  get overlay(): AnnotationOverlay {
    return this.#overlay;
  }

  /** The SDK's dialogs and banners (a closed shadow root), for the embedding widget and tests. */
  get ui(): ShadowRoot {
    return this.#layer.root;
  }

  #listen(): void {
    const on = this.#listeners;
    on.on('cobrowse:state', (state) => this.#apply(state));
    on.on('cobrowse:snapshot-wanted', () => this.#recorder.takeFullSnapshot());
    on.on('cobrowse:error', ({ code }) => {
      if (code !== 'RECORDING_LIMIT_REACHED') return;
      this.#recordingStopped = true;
      this.#renderBanner();
    });
    on.on('cobrowse:annotation', ({ annotation }) => {
      if (this.#state.sharing === 'sharing') this.#overlay.show(annotation);
    });
    on.on('cobrowse:control-input', ({ input }) => this.#control(input));
    // after a socket reconnect the recorder sends a fresh snapshot
    on.onSocket('connect', () => {
      if (this.#state.sharing === 'sharing') void this.#share(true);
    });
    window.addEventListener('keydown', this.#onKey, true);
  }

  readonly #onKey = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && this.#state.control === 'granted') void this.stopControl();
  };

  /** Resumes sharing when the taxpayer consented earlier in this session (reload, navigation). */
  async resume(): Promise<boolean> {
    if (sessionStorage.getItem(CONSENT_KEY(this.sessionId)) !== 'yes') return false;
    await this.#share(true);
    return true;
  }

  /** Asks the taxpayer; shares on yes. Resolves with the answer. */
  async offer(): Promise<boolean> {
    const question = this.#ask(() => ({
      title: text(this.#lang, 'shareTitle'),
      body: text(this.#lang, 'shareBody'),
      yes: text(this.#lang, 'shareAllow'),
      no: text(this.#lang, 'shareDeny'),
    }));
    const yes = await question.answer;
    if (yes) await this.#share(true);
    return yes;
  }

  async stopSharing(): Promise<void> {
    await this.#share(false);
  }

  async #share(sharing: boolean): Promise<void> {
    if (sharing) sessionStorage.setItem(CONSENT_KEY(this.sessionId), 'yes');
    else sessionStorage.removeItem(CONSENT_KEY(this.sessionId));
    const wasRecording = this.#recorder.recording;
    this.#apply(await this.connection.request('cobrowse:share', { sessionId: this.sessionId, sharing }));
    // a recorder that just started has sent its snapshot; one that was running (reconnect) sends a fresh one
    if (sharing && wasRecording) this.#recorder.takeFullSnapshot();
  }

  #apply(state: CobrowseState): void {
    const previous = this.#state;
    this.#state = state;
    if (state.sharing === 'sharing' && !this.#recorder.recording) this.#recorder.start();
    if (state.sharing !== 'sharing' && this.#recorder.recording) {
      this.#recorder.stop();
      this.#overlay.clear();
    }
    const requester = state.control === 'requested' ? state.controller : undefined;
    const asked = previous.control === 'requested' ? previous.controller : undefined;
    // the question on screen always names the agent whose request is open: another request
    // (after this one lapsed or was withdrawn) is asked anew
    if (requester?.id !== asked?.id || !requester) {
      this.#controlQuestion?.dismiss();
      this.#controlQuestion = undefined;
    }
    if (requester && requester.id !== asked?.id) void this.#askControl(requester);
    if ((previous.control === 'granted') !== (state.control === 'granted'))
      this.#layer.announcer.say(text(this.#lang, state.control === 'granted' ? 'controlStarted' : 'controlStopped'));
    this.#renderBanner();
    this.emit('state', state);
  }

  async #askControl(requester: { id: string; name: string }): Promise<void> {
    const question = this.#ask(() => ({
      title: text(this.#lang, 'controlTitle'),
      body: text(this.#lang, 'controlBody', { name: requester.name }),
      yes: text(this.#lang, 'controlAllow'),
      no: text(this.#lang, 'controlDeny'),
    }));
    this.#controlQuestion = question;
    const grant = await question.answer;
    if (this.#controlQuestion !== question) return; // withdrawn or lapsed meanwhile
    this.#controlQuestion = undefined;
    // the answer names whom it is for: the server applies it to that agent's request only
    this.#apply(await this.connection.request('cobrowse:control-answer', { sessionId: this.sessionId, grant, requesterId: requester.id }));
  }

  async stopControl(): Promise<void> {
    // local first: revoking takes effect at once, even before the server has answered
    this.#apply({ ...this.#state, control: 'none' });
    this.#apply(await this.connection.request('cobrowse:control-stop', { sessionId: this.sessionId }));
  }

  #control(input: ControlInput): void {
    // the server checked consent; this side checks too, so a revoked grant applies at once
    if (this.#state.control !== 'granted') return;
    const refusal = applyControl(input, this.#recorder.nodeOf(input.nodeId), this.#policy);
    this.emit('control', input, refusal);
    if (refusal)
      void this.connection.request('cobrowse:control-refused', { sessionId: this.sessionId, reason: refusal, action: input.action, nodeId: input.nodeId }).catch(() => {});
  }

  #renderBanner(): void {
    const mode = this.#state.control === 'granted' ? 'control' : this.#state.sharing === 'sharing' ? 'sharing' : undefined;
    this.#banner?.remove();
    this.#banner = undefined;
    if (!mode) return;
    const banner = document.createElement('div');
    banner.className = mode === 'control' ? 'banner' : 'banner sharing';
    banner.setAttribute('role', 'status');
    const label = document.createElement('span');
    label.textContent = text(this.#lang, mode === 'control' ? 'controlling' : 'sharing');
    const stop = document.createElement('button');
    stop.textContent = text(this.#lang, mode === 'control' ? 'stop' : 'stopSharing');
    stop.addEventListener('click', () => void (mode === 'control' ? this.stopControl() : this.stopSharing()));
    banner.append(label, stop);
    if (this.#recordingStopped)
      banner.append(Object.assign(document.createElement('small'), { className: 'recording-stopped', textContent: text(this.#lang, 'recordingStopped') }));
    this.#layer.root.append(banner);
    this.#banner = banner;
  }

  /** A question to the taxpayer that follows the portal's language while it is open. */
  #ask(wording: () => QuestionWording): Question {
    const question = ask(this.#layer, wording, this.options.returnFocus);
    this.#openQuestions.add(question);
    void question.answer.finally(() => this.#openQuestions.delete(question));
    return question;
  }

  /** The banner and any open question follow the portal's language switch. */
  setLang(lang: Lang): void {
    this.#lang = lang;
    this.#renderBanner();
    for (const question of this.#openQuestions) question.relabel();
  }

  close(): void {
    this.#listeners.clear();
    window.removeEventListener('keydown', this.#onKey, true);
    this.#recorder.stop();
    this.#overlay.remove();
    this.#layer.remove();
  }
}
