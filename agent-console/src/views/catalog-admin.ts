import {
  CATALOG_ID_PATTERN,
  CATALOG_LISTS,
  LANGUAGE_ID_PATTERN,
  TOP_PROFICIENCY,
  UI_LANGUAGES,
  type Catalog,
  type CatalogChange,
  type CatalogContent,
  type CatalogPublication,
  type ProficiencyStep,
  type WideningStep,
} from '@etax-assist/protocol';
import { ApiError, fetchCatalogAdmin, previewCatalog, publishCatalog } from '../api.js';
import { button, el, relabel, tl } from '../dom.js';
import { addCatalog, errorText, formatDate, formatTime, t } from '../i18n.js';

type ListPart = (typeof CATALOG_LISTS)[number];
type Entry = CatalogContent[ListPart][number];
const ID_PATTERN: Record<ListPart, string> = { topics: CATALOG_ID_PATTERN, languages: LANGUAGE_ID_PATTERN, outcomes: CATALOG_ID_PATTERN };
/** A new step comes this long after the last one (the administrator changes it). */
const NEXT_STEP_AFTER_S = 60;

function contentOf(catalog: Catalog): CatalogContent {
  const { topics, languages, outcomes, serviceLevelS, wideningSteps, proficiencySteps } = structuredClone(catalog);
  return { topics, languages, outcomes, serviceLevelS, wideningSteps, proficiencySteps };
}

const LEVELS = Array.from({ length: TOP_PROFICIENCY }, (_, i) => TOP_PROFICIENCY - i);

function proficiencyStepText(step: ProficiencyStep): string {
  return t('catalogAdmin.proficiencyStepText', { afterS: step.afterS, level: step.minLevel });
}

function stepText(step: WideningStep): string {
  const languages = Array.isArray(step.languages) ? step.languages.join(', ') : t(`catalogAdmin.languagesChoice.${step.languages}`);
  return t('catalogAdmin.stepText', { afterS: step.afterS, languages, topics: t(`catalogAdmin.topicsChoice.${step.topics}`) });
}

/** An entry or a setting as one line of a change. */
function valueText(part: CatalogChange['part'], value: unknown): string {
  if (value === undefined) return '';
  if (part === 'serviceLevelS') return t('catalogAdmin.seconds', { n: value as number });
  if (part === 'wideningSteps') return (value as WideningStep[]).map(stepText).join('; ') || t('catalogAdmin.noSteps');
  if (part === 'proficiencySteps') return (value as ProficiencyStep[]).map(proficiencyStepText).join('; ');
  if (Array.isArray(value)) return value.join(', ');
  const entry = value as Entry;
  const inactive = 'active' in entry && !entry.active ? ` (${t('catalogAdmin.inactive')})` : '';
  return `${entry.label.zh} / ${entry.label.en}${inactive}`;
}

function changeText(change: CatalogChange): string {
  const part = t(`catalogAdmin.part.${change.part}`);
  const before = valueText(change.part, change.before);
  const after = valueText(change.part, change.after);
  if (change.id === undefined && CATALOG_LISTS.includes(change.part as ListPart)) return t('catalogAdmin.change.order', { part, after });
  return t(`catalogAdmin.change.${change.change}`, { part, id: change.id ?? '', before, after });
}

/**
 * The administrator's catalog view (the catalog admin API, protocol/src/catalog-admin.ts): the
 * published version as a draft to edit — topics (zh/en names, active), languages, outcomes, the
 * service-level target, the widening and the proficiency steps —, a preview of what publishing it changes, Publish,
 * and the history of publications. The draft lives here until it is published; ids of published
 * entries are keys elsewhere (skills, queues, the record) and cannot be edited, only added.
 */
export class CatalogAdmin {
  readonly element: HTMLElement;
  readonly #editor = el('div', { className: 'catalog-editor' });
  readonly #changes = el('ul', { className: 'catalog-changes' });
  readonly #message = el('p', { className: 'catalog-message', role: 'status' });
  readonly #historyList = el('ol', { className: 'catalog-history' });
  readonly #version = el('p', { className: 'catalog-version' });
  readonly #publish: HTMLButtonElement;
  #published: Catalog | undefined;
  #draft: CatalogContent | undefined;
  #history: CatalogPublication[] = [];
  /** The changes of the last preview, while the draft is still the one previewed. */
  #previewed: CatalogChange[] | undefined;

  /** `token`: a current token for each call (a provider sign-in's is renewed). */
  constructor(private readonly token: () => Promise<string>) {
    this.#publish = button(tl('catalogAdmin.publish'), () => void this.#doPublish(), 'primary');
    this.element = el(
      'section',
      { className: 'catalog-admin' },
      el('h2', { text: tl('catalogAdmin.title') }),
      this.#version,
      this.#editor,
      el(
        'div',
        { className: 'catalog-actions' },
        button(tl('catalogAdmin.preview'), () => void this.#doPreview()),
        this.#publish,
        button(tl('catalogAdmin.discard'), () => this.#discard()),
      ),
      this.#message,
      this.#changes,
      el('h3', { text: tl('catalogAdmin.history') }),
      this.#historyList,
    );
    this.#renderActions();
    void this.#load();
  }

  async #load(): Promise<void> {
    try {
      const view = await fetchCatalogAdmin(await this.token());
      this.#published = view.current;
      this.#history = view.history;
      this.#draft = contentOf(view.current);
      addCatalog(view.current);
      this.#previewed = undefined;
      this.#render();
    } catch (error) {
      this.#fail(error);
    }
  }

  #render(): void {
    const draft = this.#draft;
    if (!draft || !this.#published) return;
    this.#version.textContent = t('catalogAdmin.version', { version: this.#published.version });
    this.#editor.replaceChildren(
      ...CATALOG_LISTS.map((part) => this.#listEditor(part, draft)),
      el(
        'fieldset',
        { className: 'catalog-part' },
        el('legend', { text: tl('catalogAdmin.part.serviceLevelS') }),
        el(
          'label',
          { className: 'catalog-inline' },
          el('span', { text: tl('catalogAdmin.answerWithin') }),
          this.#numberInput(draft.serviceLevelS, 3600, 'serviceLevelS', (n) => (draft.serviceLevelS = n)),
          el('span', { text: tl('catalogAdmin.secondsUnit') }),
        ),
      ),
      this.#stepsEditor(draft),
      this.#proficiencyEditor(draft),
    );
    this.#renderChanges();
    this.#renderHistory();
  }

  #numberInput(value: number, max: number, name: string, set: (n: number) => void): HTMLInputElement {
    return el('input', {
      type: 'number',
      name,
      min: '1',
      max: String(max),
      required: true,
      value: String(value),
      oninput: (event: Event) => (set(Number((event.target as HTMLInputElement).value)), this.#edited()),
    });
  }

  /** A step's "after N s". */
  #afterInput(step: { afterS: number }, name: string): HTMLElement {
    return el(
      'label',
      { className: 'catalog-inline' },
      el('span', { text: tl('catalogAdmin.after') }),
      this.#numberInput(step.afterS, 86_400, name, (n) => (step.afterS = n)),
      el('span', { text: tl('catalogAdmin.secondsUnit') }),
    );
  }

  #listEditor(part: ListPart, draft: CatalogContent): HTMLElement {
    const entries: Entry[] = draft[part];
    const publishedIds = new Set(this.#published?.[part].map(({ id }) => id));
    const head = el(
      'tr',
      {},
      el('th', { text: tl('catalogAdmin.id') }),
      ...UI_LANGUAGES.map((lang) => el('th', { text: tl(`catalogAdmin.name.${lang}`) })),
      part === 'topics' ? el('th', { text: tl('catalogAdmin.active') }) : undefined,
      el('th', {}),
    );
    const rows = entries.map((entry, index) => {
      // the label names the cell where a phone shows the row as a card (the table's head hidden)
      const cell = (label: string | undefined, ...children: Node[]) => el('td', label ? { dataset: { label: t(label) } } : {}, ...children);
      const id = publishedIds.has(entry.id)
        ? el('code', { textContent: entry.id })
        : el('input', {
            name: `${part}-id`,
            value: entry.id,
            required: true,
            pattern: ID_PATTERN[part],
            maxLength: 40,
            label: tl('catalogAdmin.id'),
            oninput: (event: Event) => ((entry.id = (event.target as HTMLInputElement).value.trim()), this.#edited()),
          });
      return el(
        'tr',
        { dataset: { id: entry.id } },
        cell('catalogAdmin.id', id),
        ...UI_LANGUAGES.map((lang) =>
          cell(
            `catalogAdmin.name.${lang}`,
            el('input', {
              name: `${part}-${lang}`,
              value: entry.label[lang],
              required: true,
              maxLength: 100,
              lang,
              label: tl(`catalogAdmin.name.${lang}`),
              oninput: (event: Event) => ((entry.label[lang] = (event.target as HTMLInputElement).value), this.#edited()),
            }),
          ),
        ),
        'active' in entry
          ? cell(
              'catalogAdmin.active',
              el('input', {
                type: 'checkbox',
                name: `${part}-active`,
                checked: entry.active,
                label: tl('catalogAdmin.active'),
                onchange: (event: Event) => ((entry.active = (event.target as HTMLInputElement).checked), this.#edited()),
              }),
            )
          : undefined,
        cell(
          undefined,
          button(tl('catalogAdmin.remove'), () => (entries.splice(index, 1), this.#edited(), this.#render())),
        ),
      );
    });
    const blank: Entry = part === 'topics' ? { id: '', label: { zh: '', en: '' }, active: true } : { id: '', label: { zh: '', en: '' } };
    return el(
      'fieldset',
      { className: 'catalog-part', dataset: { part } },
      el('legend', { text: tl(`catalogAdmin.part.${part}`) }),
      el('table', { className: 'catalog-table' }, el('thead', {}, head), el('tbody', {}, ...rows)),
      button(tl(`catalogAdmin.add.${part}`), () => {
        entries.push(structuredClone(blank));
        this.#edited();
        this.#render();
        this.#editor.querySelector<HTMLInputElement>(`[data-part="${part}"] tbody tr:last-child input`)?.focus();
      }),
    );
  }

  #stepsEditor(draft: CatalogContent): HTMLElement {
    const steps = draft.wideningSteps;
    const choice = (name: string, value: string, options: string[], prefix: string, set: (v: string) => void) =>
      el(
        'select',
        { name, onchange: (event: Event) => (set((event.target as HTMLSelectElement).value), this.#edited(), this.#render()) },
        ...options.map((o) => el('option', { value: o, selected: o === value, text: tl(`${prefix}.${o}`) })),
      );
    const rows = steps.map((step, index) => {
      const mode = Array.isArray(step.languages) ? 'list' : step.languages;
      return el(
        'li',
        { className: 'catalog-step' },
        this.#afterInput(step, 'step-after'),
        el(
          'label',
          { className: 'catalog-inline' },
          el('span', { text: tl('catalogAdmin.stepLanguages') }),
          choice(
            'step-languages',
            mode,
            ['same', 'any', 'list'],
            'catalogAdmin.languagesChoice',
            (v) => (step.languages = v === 'list' ? [draft.languages[0]?.id ?? 'zh'] : (v as 'same' | 'any')),
          ),
          Array.isArray(step.languages)
            ? el('input', {
                name: 'step-language-list',
                value: step.languages.join(', '),
                label: tl('catalogAdmin.languagesChoice.list'),
                oninput: (event: Event) => (
                  (step.languages = (event.target as HTMLInputElement).value
                    .split(',')
                    .map((l) => l.trim())
                    .filter(Boolean)),
                  this.#edited()
                ),
              })
            : undefined,
        ),
        el(
          'label',
          { className: 'catalog-inline' },
          el('span', { text: tl('catalogAdmin.stepTopics') }),
          choice('step-topics', step.topics, ['same', 'any'], 'catalogAdmin.topicsChoice', (v) => (step.topics = v as 'same' | 'any')),
        ),
        button(tl('catalogAdmin.remove'), () => (steps.splice(index, 1), this.#edited(), this.#render())),
      );
    });
    return el(
      'fieldset',
      { className: 'catalog-part', dataset: { part: 'wideningSteps' } },
      el('legend', { text: tl('catalogAdmin.part.wideningSteps') }),
      el('p', { className: 'catalog-hint', text: tl('catalogAdmin.stepsHint') }),
      el('ol', { className: 'catalog-steps' }, ...rows),
      button(tl('catalogAdmin.add.wideningSteps'), () => {
        steps.push({ afterS: (steps.at(-1)?.afterS ?? 0) + NEXT_STEP_AFTER_S, languages: 'same', topics: 'any' });
        this.#edited();
        this.#render();
      }),
    );
  }

  /**
   * The proficiency steps: the lowest level for the topic asked from the start (the first step,
   * at 0 s), then after longer waits lower levels; the service's rules (catalog-rules.ts) refuse
   * a step that is not later and lower than the one before, and the preview shows why.
   */
  #proficiencyEditor(draft: CatalogContent): HTMLElement {
    const steps = draft.proficiencySteps;
    const rows = steps.map((step, index) =>
      el(
        'li',
        { className: 'catalog-step' },
        index === 0 ? el('span', { className: 'catalog-inline', text: tl('catalogAdmin.fromStart') }) : this.#afterInput(step, 'proficiency-after'),
        el(
          'label',
          { className: 'catalog-inline' },
          el('span', { text: tl('catalogAdmin.minLevel') }),
          el(
            'select',
            { name: 'proficiency-level', onchange: (event: Event) => ((step.minLevel = Number((event.target as HTMLSelectElement).value)), this.#edited()) },
            ...LEVELS.map((level) => el('option', { value: String(level), selected: level === step.minLevel, text: tl('catalogAdmin.levelOrAbove', { level }) })),
          ),
        ),
        index === 0 ? undefined : button(tl('catalogAdmin.remove'), () => (steps.splice(index, 1), this.#edited(), this.#render())),
      ),
    );
    const last = steps.at(-1);
    const add = button(tl('catalogAdmin.add.proficiencySteps'), () => {
      steps.push({ afterS: (last?.afterS ?? 0) + NEXT_STEP_AFTER_S, minLevel: Math.max(1, (last?.minLevel ?? 2) - 1) });
      this.#edited();
      this.#render();
    });
    // below level 1 there is nothing left to relax to
    add.disabled = last?.minLevel === 1;
    return el(
      'fieldset',
      { className: 'catalog-part', dataset: { part: 'proficiencySteps' } },
      el('legend', { text: tl('catalogAdmin.part.proficiencySteps') }),
      el('p', { className: 'catalog-hint', text: tl('catalogAdmin.proficiencyHint') }),
      el('ol', { className: 'catalog-steps' }, ...rows),
      add,
    );
  }

  /** The draft changed: a preview made before says nothing about it any more. */
  #edited(): void {
    if (this.#previewed === undefined) return;
    this.#previewed = undefined;
    this.#renderChanges();
  }

  #renderActions(): void {
    this.#publish.disabled = !this.#previewed?.length;
  }

  #renderChanges(): void {
    this.#renderActions();
    const changes = this.#previewed;
    this.#changes.replaceChildren(...(changes ?? []).map((change) => el('li', { dataset: { part: change.part }, textContent: changeText(change) })));
    if (changes?.length === 0) this.#say(t('catalogAdmin.nothingChanged'));
  }

  #renderHistory(): void {
    this.#historyList.replaceChildren(
      ...this.#history.map((p) =>
        el(
          'li',
          { dataset: { version: String(p.version) } },
          el(
            'details',
            {},
            el('summary', {
              textContent: t('catalogAdmin.publication', {
                version: p.version,
                by: p.publishedBy === 'seed' ? t('catalogAdmin.seed') : p.publishedBy,
                at: `${formatDate(p.publishedAt)} ${formatTime(p.publishedAt, false)}`,
                count: p.changes.length,
              }),
            }),
            el('ul', {}, ...p.changes.map((change) => el('li', { textContent: changeText(change) }))),
          ),
        ),
      ),
    );
  }

  #currentDraft(): { baseVersion: number; catalog: CatalogContent } | undefined {
    if (!this.#published || !this.#draft) return undefined;
    // the browser checks each field (required, pattern, range) as the service would: say which first
    const invalid = this.#editor.querySelector<HTMLInputElement>('input:invalid');
    if (!invalid) return { baseVersion: this.#published.version, catalog: this.#draft };
    this.#say(t('catalogAdmin.fixFields'));
    invalid.focus();
    return undefined;
  }

  async #doPreview(): Promise<void> {
    const draft = this.#currentDraft();
    if (!draft) return;
    this.#say('');
    try {
      this.#previewed = (await previewCatalog(await this.token(), draft)).changes;
      this.#renderChanges();
    } catch (error) {
      this.#fail(error);
    }
  }

  async #doPublish(): Promise<void> {
    const draft = this.#currentDraft();
    if (!draft || !this.#previewed?.length) return;
    this.#publish.disabled = true;
    try {
      const published = await publishCatalog(await this.token(), draft);
      await this.#load();
      this.#say(t('catalogAdmin.published', { version: published.version }), 'ok');
    } catch (error) {
      this.#fail(error);
      this.#renderActions();
    }
  }

  #discard(): void {
    if (!this.#published) return;
    this.#draft = contentOf(this.#published);
    this.#previewed = undefined;
    this.#say('');
    this.#render();
  }

  #say(text: string, kind: 'ok' | 'error' = 'error'): void {
    this.#message.textContent = text;
    this.#message.dataset.kind = kind;
  }

  #fail(error: unknown): void {
    if (!(error instanceof ApiError)) throw error;
    // the service says which field and why (in English); the code says what kind of refusal
    const detail = error.code === 'VALIDATION_FAILED' || error.code === 'CONFLICT' ? `: ${error.message}` : '';
    this.#say(`${errorText(error.code)}${detail}`);
  }

  relabel(): void {
    relabel(this.element);
    this.#render();
  }
}
