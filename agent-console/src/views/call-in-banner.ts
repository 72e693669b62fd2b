import { AssistError, type AssistConnection } from '@etax-assist/client-sdk';
import { CALL_IN_TEXT_MAX, type CallInClosedEvent, type CallInEvent } from '@etax-assist/protocol';
import { CallInChime } from '../call-in-chime.js';
import { button, el, minutesSeconds, relabel, setLabel, tl } from '../dom.js';
import { errorText, t } from '../i18n.js';
import { queueLabel } from '../queue-label.js';

/**
 * The agent's call-in (docs/dispatcher.md, "Call-ins"): while one is open, an alert dialog above
 * the workspace says why the agent is needed and until when, with a chime; "Become available"
 * answers it in one click, "Decline" with an optional reason. A reloaded console asks for the
 * open one.
 */
export class CallInBanner {
  readonly element = el('section', { className: 'call-in', role: 'alertdialog', hidden: true });
  readonly #title = el('h2', { id: 'call-in-title', text: tl('callIn.title') });
  readonly #why = el('p', { className: 'call-in-why', id: 'call-in-why' });
  readonly #note = el('p', { className: 'call-in-note' });
  readonly #countdown = el('p', { className: 'call-in-expires', ariaLive: 'off' });
  readonly #reason = el('input', { type: 'text', maxLength: CALL_IN_TEXT_MAX, className: 'call-in-reason', label: tl('callIn.reason'), placeholder: tl('callIn.reason') });
  readonly #accept = button(tl('callIn.accept'), () => void this.#answer('accept'), 'primary call-in-accept');
  readonly #chime = new CallInChime();
  #open: { callIn: CallInEvent; deadline: number } | undefined;

  constructor(
    private readonly connection: AssistConnection,
    /** What the agent is told afterwards (the workspace's toast). */
    private readonly say: (message: string) => void,
  ) {
    this.element.setAttribute('aria-labelledby', 'call-in-title');
    this.element.setAttribute('aria-describedby', 'call-in-why');
    this.element.append(
      this.#title,
      this.#why,
      this.#note,
      this.#countdown,
      el(
        'div',
        { className: 'row call-in-actions' },
        this.#accept,
        this.#reason,
        button(tl('callIn.decline'), () => void this.#answer('decline'), 'call-in-decline'),
      ),
    );
    const socket = connection.socket;
    socket.on('call-in:new', (callIn) => {
      this.#show(callIn);
      this.#chime.play();
    });
    socket.on('call-in:closed', (closed: CallInClosedEvent) => {
      if (this.#open?.callIn.callInId !== closed.callInId) return;
      this.#hide();
      this.say(t(`callIn.closed.${closed.answer}`));
    });
    void this.#restore();
    socket.on('connect', () => void this.#restore());
  }

  async #restore(): Promise<void> {
    const { callIn } = await this.connection.request('call-in:open', {});
    if (callIn) this.#show(callIn);
    else this.#hide();
  }

  #show(callIn: CallInEvent): void {
    const fresh = this.#open?.callIn.callInId !== callIn.callInId;
    this.#open = { callIn, deadline: Date.now() + callIn.expiresInMs };
    setLabel(this.#why, callIn.trigger === 'manual' ? tl('callIn.manual') : tl(`callIn.${callIn.trigger}`, { queue: queueLabel(callIn.queue) }));
    this.#note.hidden = callIn.note === '';
    if (callIn.note) this.#note.textContent = t('callIn.note', { note: callIn.note });
    if (fresh) this.#reason.value = '';
    this.element.hidden = false;
    this.tick();
    if (fresh) this.#accept.focus();
  }

  #hide(): void {
    this.#open = undefined;
    this.element.hidden = true;
  }

  /** The countdown, each second (the workspace's timer); an expired one goes when the service says so. */
  tick(): void {
    if (!this.#open) return;
    const left = Math.max(0, Math.ceil((this.#open.deadline - Date.now()) / 1000));
    this.#countdown.textContent = t('callIn.expires', { time: minutesSeconds(left) });
  }

  async #answer(answer: 'accept' | 'decline'): Promise<void> {
    const open = this.#open;
    if (!open) return;
    const reason = this.#reason.value.trim();
    try {
      await this.connection.request('call-in:answer', { callInId: open.callIn.callInId, answer, ...(answer === 'decline' && reason ? { reason } : {}) });
    } catch (error) {
      this.say(error instanceof AssistError ? errorText(error.code, error.message) : String(error));
    }
  }

  relabel(): void {
    relabel(this.element);
    if (this.#open) this.#show(this.#open.callIn);
  }
}
