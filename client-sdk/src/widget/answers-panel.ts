import type { KnowledgeAnswer, SelfServiceOutcome } from '@etax-assist/protocol';
import { button, type Translate } from './elements.js';

/** How long typing must pause before a search: one request per pause, not per key. */
const SEARCH_DEBOUNCE_MS = 350;
/** Fewer characters than this say too little to search for. */
const MIN_QUERY_CHARS = 2;

export interface AnswersPanelInput {
  t: Translate;
  /** The longest question the service takes (HelpOptions.questionMaxChars). */
  maxChars: number;
  /** The best published answers for what was typed, in the widget's language (the chosen topic first). */
  search: (question: string, topic: string | undefined) => Promise<KnowledgeAnswer[]>;
  /** What the taxpayer said of an answer shown. */
  feedback: (articleId: string, outcome: SelfServiceOutcome) => void;
}

/**
 * The question box of the help form and, as the taxpayer types, the knowledge base's answers to
 * it, each with "This answered my question" and "I still need a person" (which asks for help
 * with the question attached: the form is sent; "answered" thanks them and empties the box). Kept across the form's redraws (what was typed
 * and found stays); the newest search wins over slower earlier ones.
 */
export class AnswersPanel {
  readonly element: HTMLDivElement;
  readonly #label: HTMLSpanElement;
  readonly #box: HTMLTextAreaElement;
  readonly #results: HTMLDivElement;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #searched = '';
  #sequence = 0;

  constructor(private readonly input: AnswersPanelInput) {
    const { t } = input;
    this.element = document.createElement('div');
    this.element.className = 'answers';
    const label = document.createElement('label');
    this.#label = Object.assign(document.createElement('span'), { textContent: t('answers.prompt') });
    label.append(this.#label);
    this.#box = Object.assign(document.createElement('textarea'), { name: 'question', rows: 2, maxLength: input.maxChars });
    label.append(this.#box);
    this.#results = document.createElement('div');
    this.#results.className = 'answer-list';
    // announced when answers arrive, without taking the keyboard from the box
    this.#results.setAttribute('aria-live', 'polite');
    this.#box.addEventListener('input', () => this.#typed());
    this.element.append(label, this.#results);
  }

  /** What the taxpayer typed, for the help request. */
  get question(): string {
    return this.#box.value.trim();
  }

  /** The widget's language switched: the box's label, and the answers found again in the new language. */
  relabel(): void {
    this.#label.textContent = this.input.t('answers.prompt');
    this.#searched = '';
    void this.#search();
  }

  /** Empty again (a kiosk's next visitor, a new request). */
  clear(): void {
    clearTimeout(this.#timer);
    this.#box.value = '';
    this.#searched = '';
    this.#sequence++;
    this.#results.replaceChildren();
  }

  #typed(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#search(), SEARCH_DEBOUNCE_MS);
  }

  async #search(): Promise<void> {
    const question = this.question;
    if (question === this.#searched) return;
    this.#searched = question;
    const sequence = ++this.#sequence;
    if (question.length < MIN_QUERY_CHARS) {
      this.#results.replaceChildren();
      return;
    }
    const topic = this.element.closest('form')?.querySelector<HTMLSelectElement>('select[name="topic"]')?.value;
    // no answers (the service busy, the rate reached) leaves the form as it was: asking a person still works
    const answers = await this.input.search(question, topic).catch(() => []);
    if (sequence === this.#sequence) this.#show(answers);
  }

  #show(answers: readonly KnowledgeAnswer[]): void {
    const { t } = this.input;
    if (answers.length === 0) {
      this.#results.replaceChildren();
      return;
    }
    const heading = Object.assign(document.createElement('h3'), { textContent: t('answers.heading') });
    this.#results.replaceChildren(heading, ...answers.map((a, i) => this.#answer(a, i === 0)));
  }

  /** An answer, folded but for the best one (its question is the summary). */
  #answer(answer: KnowledgeAnswer, open: boolean): HTMLElement {
    const { t } = this.input;
    const item = document.createElement('details');
    item.open = open;
    item.className = 'answer';
    item.dataset.article = answer.articleId;
    item.append(Object.assign(document.createElement('summary'), { textContent: answer.question }), Object.assign(document.createElement('p'), { textContent: answer.answer }));
    if (answer.links.length > 0) {
      const links = document.createElement('nav');
      links.setAttribute('aria-label', t('answers.links'));
      for (const link of answer.links) links.append(Object.assign(document.createElement('a'), { href: link.url, textContent: link.label, target: '_top' }));
      item.append(links);
    }
    const actions = document.createElement('div');
    actions.className = 'row';
    actions.append(
      button(
        t('answers.answered'),
        () => {
          this.input.feedback(answer.articleId, 'answered');
          this.clear();
          this.#results.replaceChildren(Object.assign(document.createElement('p'), { className: 'thanks', textContent: t('answers.thanks') }));
        },
        true,
      ),
      button(t('answers.needPerson'), () => {
        this.input.feedback(answer.articleId, 'still-need-person');
        this.element.closest('form')?.requestSubmit();
      }),
    );
    item.append(actions);
    return item;
  }
}
