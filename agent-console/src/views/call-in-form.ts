import { AssistError, type AssistConnection } from '@etax-assist/client-sdk';
import { CALL_IN_TEXT_MAX } from '@etax-assist/protocol';
import { button, el, setLabel, tl } from '../dom.js';
import { errorText, t } from '../i18n.js';

/**
 * A supervisor's call-in of one back-office agent, with an optional note (docs/dispatcher.md,
 * "Call-ins"): a form of its own above the live picture, which is redrawn every second and would
 * lose what is being typed.
 */
export class CallInForm {
  readonly element = el('form', { className: 'call-in-form', hidden: true });
  readonly #title = el('h2', { id: 'call-in-form-title' });
  readonly #note = el('input', { type: 'text', name: 'note', maxLength: CALL_IN_TEXT_MAX, label: tl('callIn.formNote'), placeholder: tl('callIn.formNote') });
  #agent: { id: string; name: string } | undefined;

  constructor(
    private readonly connection: AssistConnection,
    private readonly say: (message: string) => void,
  ) {
    this.element.setAttribute('aria-labelledby', 'call-in-form-title');
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#send();
    });
    this.element.append(
      this.#title,
      el(
        'div',
        { className: 'row' },
        this.#note,
        el('button', { type: 'submit', className: 'primary', text: tl('callIn.send') }),
        button(tl('callIn.cancel'), () => this.close()),
      ),
    );
  }

  open(agent: { id: string; name: string }): void {
    this.#agent = agent;
    setLabel(this.#title, tl('callIn.form', { name: agent.name }));
    this.#note.value = '';
    this.element.hidden = false;
    this.#note.focus();
  }

  close(): void {
    this.#agent = undefined;
    this.element.hidden = true;
  }

  async #send(): Promise<void> {
    const agent = this.#agent;
    if (!agent) return;
    const note = this.#note.value.trim();
    try {
      await this.connection.request('supervisor:call-in', { agentId: agent.id, ...(note ? { note } : {}) });
      this.close();
      this.say(t('callIn.sent', { name: agent.name }));
    } catch (error) {
      this.say(error instanceof AssistError ? errorText(error.code, error.message) : String(error));
    }
  }
}
