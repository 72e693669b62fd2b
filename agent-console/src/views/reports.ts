import {
  AGENT_REPORT_COLUMNS,
  AGENT_STATUSES,
  CALL_IN_REPORT_DIMENSIONS,
  REPORT_COLUMNS,
  REPORT_DIMENSIONS,
  REPORT_PERIODS,
  type AgentFigures,
  type AgentReport,
  type DeflectionFigures,
  type CallInReport,
  type CallInReportQuery,
  type Report,
  type ReportFigures,
  type ReportQuery,
  type UiLanguage,
} from '@etax-assist/protocol';
import { ApiError, exportReport, fetchAgentReport, fetchCallInReport, fetchReport, fetchReportHalls } from '../api.js';
import type { ConsoleCatalog } from '../console-catalog.js';
import { el, minutesSeconds, relabel, setLabel, tl, type Label } from '../dom.js';
import { errorText, i18next, t } from '../i18n.js';
import { callInReportRows } from './call-in-report-rows.js';
import { filterChoice, setFilterOptions } from './filter-choice.js';
import { deflectionReport } from './knowledge-api.js';
import { deflectionTable } from './knowledge-figures.js';
import { reportChart, type ChartSeries } from './report-chart.js';
import { resultTable, type ResultRow } from './result-table.js';

/** The figures the chart can show. */
const CHART_FIGURES = ['requests', 'sessionHours', 'serviceLevelPct', 'answered', 'abandoned', 'waitP50S', 'handlingMeanS'] as const;
type ChartFigure = (typeof CHART_FIGURES)[number];

/** Which report the view shows: the sessions' (by period and dimension) or, for supervisors, the agents', the call-ins' or the self-service answers' (by day and topic, docs/knowledge.md). */
const REPORT_KINDS = ['sessions', 'agents', 'call-ins', 'self-service'] as const;
type ReportKind = (typeof REPORT_KINDS)[number];

/** Seconds as h:mm:ss. */
const duration = (s: number) => `${Math.floor(s / 3600)}:${minutesSeconds(Math.round(s) % 3600).padStart(5, '0')}`;

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
 * (GET /api/reports/sessions). For supervisors also the agents' report: each agent's time by
 * status, occupancy, sessions, handling and ratings over the range (GET /api/reports/agents).
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
  #agentReport: AgentReport | undefined;
  #selfService: DeflectionFigures | undefined;
  #callInReport: CallInReport | undefined;
  /** The halls' names by what a report's hall key holds. */
  readonly #hallLabels = new Map<string, Record<UiLanguage, string>>();

  constructor(
    /** The current bearer token (it is renewed while the console is open): the supervisor's at hand, the administrator's fetched for each call. */
    private readonly token: () => string | Promise<string>,
    /** The published catalog, followed while the view is open (catalogChanged). */
    private readonly catalog: Pick<ConsoleCatalog, 'current'>,
    /** Whether the agents' report is offered (supervisors). */
    private readonly withAgents = false,
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
    const kind = this.withAgents
      ? choice(
          'kind',
          'reports.kind',
          REPORT_KINDS.map((k) => ({ value: k, label: `reports.kinds.${k}` })),
          'sessions',
        )
      : undefined;
    kind?.addEventListener('change', () => this.#kindChanged());
    // what only some reports are cut and narrowed by (the sessions' by default)
    const forReports = (label: HTMLLabelElement, reports = 'sessions') => {
      label.dataset.report = reports;
      // the sessions' report is the one shown first
      label.hidden = !reports.split(' ').includes('sessions');
      return label;
    };
    const sessionsOnly = (label: HTMLLabelElement) => forReports(label);
    return el(
      'form',
      { className: 'records-search report-form', onsubmit: (event: SubmitEvent) => (event.preventDefault(), void this.#show()) },
      kind,
      el('label', {}, el('span', { text: tl('reports.from') }), el('input', { name: 'from', type: 'date', required: true, value: from })),
      el('label', {}, el('span', { text: tl('reports.to') }), el('input', { name: 'to', type: 'date', required: true, value: to })),
      forReports(
        choice(
          'period',
          'reports.periodBy',
          REPORT_PERIODS.map((p) => ({ value: p, label: `reports.period.${p}` })),
          'month',
        ),
        'sessions call-ins',
      ),
      forReports(
        choice(
          'callInBy',
          'reports.callInBy',
          CALL_IN_REPORT_DIMENSIONS.map((d) => ({ value: d, label: `reports.callInDimension.${d}` })),
          'agent',
        ),
        'call-ins',
      ),
      sessionsOnly(
        choice(
          'by',
          'reports.by',
          REPORT_DIMENSIONS.map((d) => ({ value: d, label: `reports.dimension.${d}` })),
          'topic',
        ),
      ),
      sessionsOnly(el('label', {}, el('span', { text: tl('reports.hall') }), this.#halls)),
      sessionsOnly(filterChoice('topic', 'reports.topic', this.#topicOptions())),
      sessionsOnly(
        el(
          'label',
          {},
          el('span', { text: tl('reports.chartOf') }),
          el('select', { name: 'chart', onchange: () => this.#renderChart() }, ...CHART_FIGURES.map((f) => el('option', { value: f, text: tl(`reports.column.${f}`) }))),
        ),
      ),
      el(
        'div',
        { className: 'row report-actions' },
        el('button', { type: 'submit', className: 'primary', text: tl('reports.show') }),
        // the self-service report is not exported: both exports are of the record's sessions and agents
        el('button', { type: 'button', text: tl('reports.csv'), dataset: { exports: 'csv' }, onclick: () => void this.#export('csv') }),
        el('button', { type: 'button', text: tl('reports.xlsx'), dataset: { exports: 'xlsx' }, onclick: () => void this.#export('xlsx') }),
      ),
    );
  }

  #topicOptions(): { value: string; label: string }[] {
    return this.catalog.current.topics.map((c) => ({ value: c.id, label: `topic.${c.id}` }));
  }

  /** A new catalog: the topic filter lists it, a topic chosen stays while it is listed. */
  catalogChanged(): void {
    setFilterOptions(this.#form.elements.namedItem('topic') as HTMLSelectElement, this.#topicOptions());
  }

  #kind(): ReportKind {
    return REPORT_KINDS.find((kind) => kind === this.#field('kind')) ?? 'sessions';
  }

  /** Another report chosen: only its fields shown, the last answer cleared. */
  #kindChanged(): void {
    const kind = this.#kind();
    for (const field of this.#form.querySelectorAll<HTMLElement>('[data-report]')) field.hidden = !(field.dataset.report ?? '').split(' ').includes(kind);
    for (const exported of this.#form.querySelectorAll<HTMLElement>('[data-exports]')) exported.hidden = kind === 'self-service';
    this.#report = undefined;
    this.#agentReport = undefined;
    this.#callInReport = undefined;
    this.#selfService = undefined;
    this.#summary.textContent = '';
    this.#chart.replaceChildren();
    this.#table.replaceChildren();
    this.#say('');
  }

  #field(name: string): string {
    // the form's fields are inputs and selects: their entries are strings
    return ((new FormData(this.#form).get(name) as string | null) ?? '').trim();
  }

  /** The range of days, or undefined (and why, said) when it is not one. */
  #range(): { from: string; to: string } | undefined {
    const [from, to] = [this.#field('from'), this.#field('to')];
    if (!from || !to || to < from) {
      this.#say(tl('reports.badRange'));
      return undefined;
    }
    return { from, to };
  }

  #formQuery(): ReportQuery | undefined {
    const range = this.#range();
    if (!range) return undefined;
    const query: ReportQuery = { ...range, period: this.#field('period') as ReportQuery['period'], by: this.#field('by') as ReportQuery['by'] };
    for (const name of ['hall', 'topic'] as const) if (this.#field(name)) query[name] = this.#field(name);
    return query;
  }

  #callInQuery(): CallInReportQuery | undefined {
    const range = this.#range();
    return range && { ...range, period: this.#field('period') as CallInReportQuery['period'], by: this.#field('callInBy') as CallInReportQuery['by'] };
  }

  /** The query of the report chosen, or undefined (and why, said) when the form does not make one. */
  #query(kind: ReportKind) {
    if (kind === 'agents' || kind === 'self-service') return this.#range();
    return kind === 'call-ins' ? this.#callInQuery() : this.#formQuery();
  }

  async #show(): Promise<void> {
    const kind = this.#kind();
    const query = this.#query(kind);
    if (!query) return;
    try {
      if (kind === 'self-service') this.#selfService = await deflectionReport(await this.token(), query);
      else if (kind === 'agents') this.#agentReport = await fetchAgentReport(await this.token(), query);
      else if (kind === 'call-ins') this.#callInReport = await fetchCallInReport(await this.token(), query as CallInReportQuery);
      else this.#report = await fetchReport(await this.token(), query as ReportQuery);
      this.#say('');
      this.#render();
    } catch (error) {
      this.#fail(error);
    }
  }

  async #export(format: 'csv' | 'xlsx'): Promise<void> {
    const kind = this.#kind();
    // its buttons are hidden for the self-service report
    if (kind === 'self-service') return;
    const query = this.#query(kind);
    if (!query) return;
    try {
      const blob = await exportReport(await this.token(), kind, { ...query, format, lang: i18next.language as UiLanguage });
      const { period, by } = query as Partial<ReportQuery | CallInReportQuery>;
      const name = kind === 'agents' ? `agents-${query.from}-${query.to}.${format}` : `${kind}-${query.from}-${query.to}-${period}-${by ?? 'none'}.${format}`;
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
    if (this.#kind() === 'agents') return this.#renderAgents();
    if (this.#kind() === 'self-service') return this.#renderSelfService();
    if (this.#kind() === 'call-ins') return this.#renderCallIns();
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

  /** The self-service answers by day and topic: a sentence of their totals and the table (the dashboard's, over days). */
  #renderSelfService(): void {
    const figures = this.#selfService;
    if (!figures) return;
    const sum = (figure: 'answered' | 'stillNeedPerson') => figures.rows.reduce((total, row) => total + row[figure], 0);
    this.#summary.textContent = t('reports.selfServiceSummary', { answered: sum('answered').toLocaleString(), still: sum('stillNeedPerson').toLocaleString() });
    this.#chart.replaceChildren();
    this.#table.replaceChildren(deflectionTable(figures, t('reports.empty')));
  }

  /** The agents' report: a sentence of its totals and a row per agent (cards on a phone), times as h:mm:ss. */
  #renderAgents(): void {
    const report = this.#agentReport;
    if (!report) return;
    const sum = (figure: 'loggedInS' | 'sessions') => report.rows.reduce((total, row) => total + row[figure], 0);
    this.#summary.textContent = t('reports.agentsSummary', {
      agents: report.rows.length,
      hours: (Math.round(sum('loggedInS') / 360) / 10).toLocaleString(),
      sessions: sum('sessions').toLocaleString(),
    });
    // the agent by name, then the figures with a column per status after the time signed in
    // (signed off is the rest of the range: the export has it, the screen keeps to the working time)
    const statuses = AGENT_STATUSES.filter((status) => status !== 'offline');
    const figures = AGENT_REPORT_COLUMNS.filter((c) => c.id !== 'agent' && c.id !== 'name');
    const split = figures.findIndex((c) => c.id === 'loggedInS') + 1;
    const [before, after] = [figures.slice(0, split), figures.slice(split)];
    const head = [
      t('reports.agentColumn.name'),
      ...before.map((c) => t(`reports.agentColumn.${c.id}`)),
      ...statuses.map((status) => t(`status.${status}`)),
      ...after.map((c) => t(`reports.agentColumn.${c.id}`)),
    ];
    const cell = (row: AgentFigures, column: (typeof AGENT_REPORT_COLUMNS)[number]): string => {
      const value = row[column.id];
      if (value === null) return '—';
      return column.duration && typeof value === 'number' ? duration(value) : value.toLocaleString();
    };
    const rows: ResultRow[] = report.rows.map((row) => ({
      dataset: { agent: row.agent },
      cells: [row.name, ...before.map((c) => cell(row, c)), ...statuses.map((status) => duration(row.statusS[status] ?? 0)), ...after.map((c) => cell(row, c))],
    }));
    this.#chart.replaceChildren();
    this.#table.replaceChildren(resultTable('report-table agent-report-table', head, rows, t('reports.noAgents')));
  }

  /** The call-ins report: a sentence of its totals and the table (no chart: a handful of counts). */
  #renderCallIns(): void {
    const report = this.#callInReport;
    if (!report) return;
    const { summary, head, rows } = callInReportRows(report);
    this.#summary.textContent = summary;
    this.#chart.replaceChildren();
    this.#table.replaceChildren(resultTable('report-table call-in-report-table', head, rows, t('reports.noCallIns')));
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
