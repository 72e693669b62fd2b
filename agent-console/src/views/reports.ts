import { REPORT_COLUMNS, REPORT_DIMENSIONS, REPORT_PERIODS, type Catalog, type Report, type ReportFigures, type ReportQuery, type UiLanguage } from '@etax-assist/protocol';
import { ApiError, exportReport, fetchReport, fetchReportHalls } from '../api.js';
import { button, el, relabel, setLabel, tl, type Label } from '../dom.js';
import { errorText, i18next, t } from '../i18n.js';
import { filterChoice } from './filter-choice.js';
import { reportChart, type ChartSeries } from './report-chart.js';
import { resultTable, type ResultRow } from './result-table.js';

/** The figures the chart can show. */
const CHART_FIGURES = ['requests', 'sessionHours', 'serviceLevelPct', 'answered', 'abandoned', 'waitP50S', 'handlingMeanS'] as const;
type ChartFigure = (typeof CHART_FIGURES)[number];

const day = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** The last whole calendar month (what a monthly report is usually about). */
function lastMonth(): { from: string; to: string } {
  const now = new Date();
  return { from: day(new Date(now.getFullYear(), now.getMonth() - 1, 1)), to: day(new Date(now.getFullYear(), now.getMonth(), 0)) };
}

/**
 * The supervisor's Reports view (docs/reports.md): a range of days, a period and a dimension,
 * optionally one hall or topic; the sessions, session hours and service level in a sentence, a
 * chart of one figure, the table of every figure, and the same report exported as CSV or XLSX
 * (GET /api/reports/sessions).
 */
export class ReportsView {
  readonly element: HTMLElement;
  readonly #form: HTMLFormElement;
  readonly #message = el('p', { className: 'records-message', role: 'status' });
  readonly #summary = el('p', { className: 'report-summary' });
  readonly #chart = el('div', { className: 'report-chart-host' });
  /** A wide report scrolls sideways: a labelled stop for the keyboard, so the arrows can scroll it. */
  readonly #table = el('div', { className: 'report-table-host', tabIndex: 0, role: 'region', label: tl('reports.tab') });
  /** The hall filter: "any", then the halls the record has sessions from (loaded once the view exists). */
  readonly #halls = el('select', { name: 'hall' }, el('option', { value: '', text: tl('records.any') }));
  #report: Report | undefined;
  /** The halls' names by what a report's hall key holds. */
  readonly #hallLabels = new Map<string, Record<UiLanguage, string>>();

  constructor(
    /** The current bearer token (it is renewed while the console is open): the supervisor's at hand, the administrator's fetched for each call. */
    private readonly token: () => string | Promise<string>,
    private readonly catalog: Catalog,
  ) {
    this.#form = this.#reportForm();
    this.element = el('section', { className: 'reports' }, this.#form, this.#message, this.#summary, this.#chart, this.#table);
    void this.#loadHalls();
  }

  async #loadHalls(): Promise<void> {
    try {
      const { halls } = await fetchReportHalls(await this.token());
      for (const hall of halls) this.#hallLabels.set(hall.id, hall.label);
      this.#halls.append(...halls.map((hall) => el('option', { value: hall.id })));
      this.#nameHalls();
    } catch (error) {
      this.#fail(error);
    }
  }

  #reportForm(): HTMLFormElement {
    const { from, to } = lastMonth();
    const choice = (name: string, label: string, options: readonly { value: string; label: string }[], selected: string) =>
      el(
        'label',
        {},
        el('span', { text: tl(label) }),
        el('select', { name }, ...options.map((o) => el('option', { value: o.value, text: tl(o.label), selected: o.value === selected }))),
      );
    return el(
      'form',
      { className: 'records-search report-form', onsubmit: (event: SubmitEvent) => (event.preventDefault(), void this.#show()) },
      el('label', {}, el('span', { text: tl('reports.from') }), el('input', { name: 'from', type: 'date', required: true, value: from })),
      el('label', {}, el('span', { text: tl('reports.to') }), el('input', { name: 'to', type: 'date', required: true, value: to })),
      choice(
        'period',
        'reports.periodBy',
        REPORT_PERIODS.map((p) => ({ value: p, label: `reports.period.${p}` })),
        'month',
      ),
      choice(
        'by',
        'reports.by',
        REPORT_DIMENSIONS.map((d) => ({ value: d, label: `reports.dimension.${d}` })),
        'topic',
      ),
      el('label', {}, el('span', { text: tl('reports.hall') }), this.#halls),
      filterChoice(
        'topic',
        'reports.topic',
        this.catalog.topics.map((c) => ({ value: c.id, label: `topic.${c.id}` })),
      ),
      el(
        'label',
        {},
        el('span', { text: tl('reports.chartOf') }),
        el('select', { name: 'chart', onchange: () => this.#renderChart() }, ...CHART_FIGURES.map((f) => el('option', { value: f, text: tl(`reports.column.${f}`) }))),
      ),
      el(
        'div',
        { className: 'row report-actions' },
        el('button', { type: 'submit', className: 'primary', text: tl('reports.show') }),
        button(tl('reports.csv'), () => void this.#export('csv')),
        button(tl('reports.xlsx'), () => void this.#export('xlsx')),
      ),
    );
  }

  #field(name: string): string {
    // the form's fields are inputs and selects: their entries are strings
    return ((new FormData(this.#form).get(name) as string | null) ?? '').trim();
  }

  #formQuery(): ReportQuery | undefined {
    const [from, to] = [this.#field('from'), this.#field('to')];
    if (!from || !to || to < from) {
      this.#say(tl('reports.badRange'));
      return undefined;
    }
    const query: ReportQuery = { from, to, period: this.#field('period') as ReportQuery['period'], by: this.#field('by') as ReportQuery['by'] };
    for (const name of ['hall', 'topic'] as const) if (this.#field(name)) query[name] = this.#field(name);
    return query;
  }

  async #show(): Promise<void> {
    const query = this.#formQuery();
    if (!query) return;
    try {
      this.#report = await fetchReport(await this.token(), query);
      this.#say('');
      this.#render();
    } catch (error) {
      this.#fail(error);
    }
  }

  async #export(format: 'csv' | 'xlsx'): Promise<void> {
    const query = this.#formQuery();
    if (!query) return;
    try {
      const blob = await exportReport(await this.token(), { ...query, format, lang: i18next.language as UiLanguage });
      const name = `sessions-${query.from}-${query.to}-${query.period}-${query.by ?? 'none'}.${format}`;
      const url = URL.createObjectURL(blob);
      el('a', { href: url, download: name }).click();
      // the download has its own copy by then
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.#say(tl('reports.exported', { name }), true);
    } catch (error) {
      this.#fail(error);
    }
  }

  #fail(error: unknown): void {
    const details = error instanceof ApiError ? (error.details as { maxDays?: number; maxRows?: number } | undefined) : undefined;
    if (details?.maxDays !== undefined) this.#say(tl('reports.tooLong', { days: details.maxDays }));
    else if (details?.maxRows !== undefined) this.#say(tl('reports.tooMany', { rows: details.maxRows }));
    else this.#say(error instanceof ApiError ? errorText(error.code, error.message) : String(error));
  }

  /** A refusal (red), or what was done (`done`); a translated one is worded again on a language switch. */
  #say(message: Label, done = false): void {
    setLabel(this.#message, message);
    this.#message.classList.toggle('done', done);
  }

  /** A value of the report's dimension as people read it: a topic's or language's name, the dimension's word for none. */
  #keyText(key: string | null, by: Report['by']): string {
    if (key === null) return t(`reports.none.${by}`);
    if (by === 'topic' || by === 'language') return t(`${by}.${key}`, { defaultValue: key });
    if (by === 'hall') return this.#hallLabels.get(key)?.[i18next.language as UiLanguage] ?? key;
    return key;
  }

  #render(): void {
    const report = this.#report;
    if (!report) return;
    const { totals } = report;
    const sl = totals.serviceLevelPct === null ? t('reports.noServiceLevel') : `${totals.serviceLevelPct}%`;
    this.#summary.textContent = t('reports.summary', { requests: totals.requests.toLocaleString(), hours: totals.sessionHours.toLocaleString(), sl, target: report.serviceLevelS });
    this.#renderChart();
    const grouped = report.by !== 'none';
    const head = [t(`reports.period.${report.period}`), ...(grouped ? [t(`reports.dimension.${report.by}`)] : []), ...REPORT_COLUMNS.map((c) => t(`reports.column.${c.id}`))];
    const cells = (figures: ReportFigures) => REPORT_COLUMNS.map(({ id }) => (figures[id] === null ? '—' : figures[id].toLocaleString()));
    const rows: ResultRow[] = report.rows.map((row) => ({
      dataset: { period: row.period, key: row.key ?? '' },
      cells: [row.period, ...(grouped ? [this.#keyText(row.key, report.by)] : []), ...cells(row)],
    }));
    if (rows.length > 0) rows.push({ dataset: { period: '', key: '' }, cells: [t('reports.total'), ...(grouped ? [''] : []), ...cells(totals)], className: 'report-total' });
    this.#table.replaceChildren(resultTable('report-table', head, rows, t('reports.empty')));
  }

  /** The chart of the figure chosen: by value when the range is one period, else over the periods, a line per value. */
  #renderChart(): void {
    const report = this.#report;
    if (!report || report.rows.length === 0) return void this.#chart.replaceChildren();
    const figure = this.#field('chart') as ChartFigure;
    const periods = [...new Set(report.rows.map((r) => r.period))];
    const keys = [...new Set(report.rows.map((r) => r.key))];
    const value = (period: string, key: string | null) => report.rows.find((r) => r.period === period && r.key === key)?.[figure] ?? null;
    const [categories, series]: [string[], ChartSeries[]] =
      periods.length === 1
        ? [keys.map((k) => this.#keyText(k, report.by)), [{ label: t(`reports.column.${figure}`), values: keys.map((k) => value(periods[0]!, k)) }]]
        : [periods, keys.map((k) => ({ label: this.#keyText(k, report.by), values: periods.map((p) => value(p, k)) }))];
    // the host's width less the figure's padding
    const width = Math.max(260, (this.element.clientWidth || window.innerWidth - 32) - 16);
    this.#chart.replaceChildren(reportChart(categories, series, t(`reports.column.${figure}`), width));
  }

  /** The supervisor switched language: the form and the message relabelled, the report drawn again in it. */
  relabel(): void {
    relabel(this.element);
    this.#nameHalls();
    this.#render();
  }

  /** The hall filter's choices by the halls' current names in the console's language. */
  #nameHalls(): void {
    for (const option of this.#halls.options) {
      const names = this.#hallLabels.get(option.value);
      if (names) option.textContent = names[i18next.language as UiLanguage];
    }
  }
}
