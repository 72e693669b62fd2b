import { SESSION_GROUPS, type RecordSearchPage, type RecordSearchQuery } from '@etax-assist/protocol';
import { ConsoleCatalog } from '../console-catalog.js';
import { ApiError, searchRecords } from '../api.js';
import { button, el, relabel, tl } from '../dom.js';
import { errorText, formatDate, formatRating, formatTime, t } from '../i18n.js';
import { entryText } from '../entry-labels.js';
import { RecordDetail, servedBy } from './record-detail.js';
import { filterChoice, setFilterOptions } from './filter-choice.js';
import { pagingRow, resultTable } from './result-table.js';
import type { SessionRating } from './replay.js';

/** The date range a new Records view starts with: the last week. */
const DEFAULT_DAYS = 7;
const DAY_MS = 24 * 3600 * 1000;

/** A `yyyy-mm-dd` of the console's local calendar (what a date input holds). */
const localDay = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/**
 * The supervisor's Records view: a search of ended sessions by date range, taxpayer, agent or
 * expert, hall, kiosk, topic, outcome, state (GET /api/records/sessions), the results a page at
 * a time, and one session's record opened from them (facts, audit trail, chat, replay). The
 * service records every page listed and every record opened in the sessions' audit trails.
 */
export class RecordsView {
  readonly element: HTMLElement;
  readonly #form: HTMLFormElement;
  readonly #message = el('p', { className: 'records-message', role: 'status' });
  readonly #results = el('div', { className: 'records-results' });
  readonly #detailHost = el('div', { className: 'record-detail-host' });
  #query: RecordSearchQuery | undefined;
  /** The cursor of every page shown so far (the first: none), so Previous goes back. */
  #cursors: (string | undefined)[] = [];
  #page: RecordSearchPage | undefined;
  #detail: RecordDetail | undefined;

  constructor(
    /** The current bearer token (it is renewed while the console is open). */
    private readonly token: () => string,
    private readonly catalog: ConsoleCatalog,
    private readonly onReplay: (sessionId: string, rating: SessionRating | undefined) => void,
  ) {
    this.#form = this.#searchForm();
    this.element = el('section', { className: 'records' }, this.#form, this.#message, this.#results, this.#detailHost);
  }

  #searchForm(): HTMLFormElement {
    const now = Date.now();
    const input = (name: string, label: string, props: { type?: string; required?: boolean; value?: string; maxLength?: number } = {}) =>
      el('label', {}, el('span', { text: tl(label) }), el('input', { name, ...props }));
    return el(
      'form',
      { className: 'records-search', onsubmit: (event: SubmitEvent) => (event.preventDefault(), void this.#search()) },
      input('from', 'records.from', { type: 'date', required: true, value: localDay(now - (DEFAULT_DAYS - 1) * DAY_MS) }),
      input('to', 'records.to', { type: 'date', required: true, value: localDay(now) }),
      input('taxpayer', 'records.taxpayer', { maxLength: 200 }),
      input('agent', 'records.agent', { maxLength: 200 }),
      filterChoice('hall', 'records.hall', this.#hallOptions()),
      input('kiosk', 'records.kiosk', { maxLength: 200 }),
      filterChoice('topic', 'records.topic', this.#topicOptions()),
      filterChoice('outcome', 'records.outcome', this.#outcomeOptions()),
      filterChoice(
        'state',
        'records.state',
        SESSION_GROUPS.final.map((s) => ({ value: s, label: `state.${s}` })),
      ),
      el('button', { type: 'submit', className: 'primary', text: tl('records.search') }),
    );
  }

  #hallOptions() {
    return this.catalog.halls.map((h) => ({ value: h.id, label: `hall.${h.id}` }));
  }

  #topicOptions() {
    return this.catalog.current.topics.map((c) => ({ value: c.id, label: `topic.${c.id}` }));
  }

  #outcomeOptions() {
    return this.catalog.current.outcomes.map((c) => ({ value: c.id, label: `outcome.${c.id}` }));
  }

  /** A new catalog (and the halls with it): the filters list it, a filter chosen stays while it is listed. */
  catalogChanged(): void {
    const select = (name: string) => this.#form.elements.namedItem(name) as HTMLSelectElement;
    setFilterOptions(select('hall'), this.#hallOptions());
    setFilterOptions(select('topic'), this.#topicOptions());
    setFilterOptions(select('outcome'), this.#outcomeOptions());
  }

  /** The form as a query: the days from the first one's start to the end of the last (local calendar). */
  #formQuery(): RecordSearchQuery | undefined {
    const form = new FormData(this.#form);
    // the form's fields are inputs and selects: their entries are strings
    const field = (name: string) => ((form.get(name) as string | null) ?? '').trim();
    const from = new Date(`${field('from')}T00:00:00`);
    const to = new Date(new Date(`${field('to')}T00:00:00`).getTime() + DAY_MS);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
      this.#say(t('records.badRange'));
      return undefined;
    }
    const query: RecordSearchQuery = { from: from.toISOString(), to: to.toISOString(), limit: 20 };
    for (const name of ['taxpayer', 'agent', 'hall', 'kiosk', 'topic', 'outcome'] as const) if (field(name)) query[name] = field(name);
    const state = field('state');
    if (state) query.state = state as RecordSearchQuery['state'];
    return query;
  }

  async #search(): Promise<void> {
    const query = this.#formQuery();
    if (!query) return;
    this.#query = query;
    this.#cursors = [];
    await this.#show(undefined);
  }

  /** Shows the page that starts after `cursor` (none: the first). */
  async #show(cursor: string | undefined): Promise<void> {
    if (!this.#query) return;
    try {
      this.#page = await searchRecords(this.token(), cursor ? { ...this.#query, cursor } : this.#query);
      await this.catalog.knowHalls(ConsoleCatalog.hallIdsOf(this.#page.sessions.map((s) => s.entry)));
      this.#cursors.push(cursor);
      this.#say('');
      this.#renderResults();
    } catch (error) {
      this.#fail(error);
    }
  }

  #fail(error: unknown): void {
    const details = error instanceof ApiError ? (error.details as { maxDays?: number } | undefined) : undefined;
    if (details?.maxDays !== undefined) this.#say(t('records.tooLong', { days: details.maxDays }));
    else this.#say(error instanceof ApiError ? errorText(error.code, error.message) : String(error));
  }

  #say(message: string): void {
    this.#message.textContent = message;
  }

  #renderResults(): void {
    const page = this.#page;
    if (!page) return;
    const head = [t('records.created'), t('card.taxpayer'), t('card.entry'), t('card.topic'), t('records.servedBy'), t('records.outcome'), t('records.rating'), ''];
    const next = page.next;
    this.#results.replaceChildren(
      resultTable(
        '',
        head,
        page.sessions.map((s) => ({
          dataset: { sessionId: s.sessionId },
          cells: [
            `${formatDate(s.createdAt)} ${formatTime(s.createdAt, false)}`,
            s.taxpayer.taxpayerId ? `${s.taxpayer.name}（${s.taxpayer.taxpayerId}）` : s.taxpayer.name,
            entryText(s.entry),
            t(`topic.${s.topic}`),
            servedBy(s, page.staffNames),
            s.outcome ? t(`outcome.${s.outcome}`) : t(`state.${s.state}`),
            s.rating === undefined ? '—' : formatRating(s.rating),
            button(t('records.open'), () => void this.open(s.sessionId)),
          ],
        })),
        t('records.none'),
      ),
      pagingRow(this.#cursors.length, () => void this.#previous(), next ? () => void this.#show(next) : undefined),
    );
  }

  async #previous(): Promise<void> {
    // drop the page shown, and show the one before it again
    this.#cursors.pop();
    const cursor = this.#cursors.pop();
    await this.#show(cursor);
  }

  /** Opens one session's record below the results (from a result row, or the dashboard's recently ended list). */
  async open(sessionId: string): Promise<void> {
    const detail = new RecordDetail(
      this.token,
      sessionId,
      () => this.#closeDetail(),
      this.onReplay,
      (error) => this.#fail(error),
    );
    try {
      await detail.load();
      this.#detail = detail;
      this.#detailHost.replaceChildren(detail.element);
      this.#say('');
      detail.element.scrollIntoView({ block: 'start' });
    } catch (error) {
      this.#fail(error);
    }
  }

  #closeDetail(): void {
    this.#detail = undefined;
    this.#detailHost.replaceChildren();
  }

  /** The supervisor switched language: the form relabelled, results and record composed again. */
  relabel(): void {
    relabel(this.#form);
    this.#renderResults();
    this.#detail?.render();
  }
}
