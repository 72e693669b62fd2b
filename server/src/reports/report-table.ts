import {
  REPORT_COLUMNS,
  REPORT_DIMENSION_LABELS,
  REPORT_OUTCOME_LABEL,
  REPORT_PERIOD_LABELS,
  REPORT_TOTAL_LABEL,
  type Catalog,
  type Report,
  type ReportFigures,
  type ReportHalls,
  type UiLanguage,
} from '@etax-assist/protocol';

/** A cell of an export: text, a number, or empty. */
export type ReportCell = string | number | null;

/** A report as an export lays it out: a header row, a row per group and the totals last. */
export interface ReportTable {
  header: string[];
  rows: ReportCell[][];
}

/**
 * The table of a report in one UI language: topics, languages and outcomes by their catalog
 * names, halls by theirs (an id the catalog no longer lists stays as it is), one column per outcome, the catalog's
 * first and then any other a session was wrapped up with.
 */
export function reportTable(report: Report, lang: UiLanguage, catalog: Pick<Catalog, 'topics' | 'languages' | 'outcomes'>, halls: ReportHalls['halls'] = []): ReportTable {
  const named = (entries: readonly { id: string; label: Record<UiLanguage, string> }[]) => new Map(entries.map((e) => [e.id, e.label[lang]]));
  const names: Partial<Record<Report['by'], Map<string, string>>> = { topic: named(catalog.topics), language: named(catalog.languages), hall: named(halls) };
  const outcomeNames = named(catalog.outcomes);
  const seen = new Set([report.totals, ...report.rows].flatMap((figures) => Object.keys(figures.outcomes)));
  const outcomes = [...catalog.outcomes.map((o) => o.id).filter((id) => seen.has(id)), ...[...seen].filter((id) => !outcomeNames.has(id)).sort()];
  const dimension = REPORT_DIMENSION_LABELS[report.by];
  const grouped = report.by !== 'none';

  const cells = (figures: ReportFigures): ReportCell[] => [...REPORT_COLUMNS.map(({ id }) => figures[id]), ...outcomes.map((id) => figures.outcomes[id] ?? 0)];
  const header = [
    REPORT_PERIOD_LABELS[report.period][lang],
    ...(grouped ? [dimension.label[lang]] : []),
    ...REPORT_COLUMNS.map((c) => c.label[lang]),
    ...outcomes.map((id) => `${REPORT_OUTCOME_LABEL[lang]}: ${outcomeNames.get(id) ?? id}`),
  ];
  const rows = report.rows.map((row) => [row.period, ...(grouped ? [row.key === null ? dimension.none[lang] : (names[report.by]?.get(row.key) ?? row.key)] : []), ...cells(row)]);
  rows.push([REPORT_TOTAL_LABEL[lang], ...(grouped ? [''] : []), ...cells(report.totals)]);
  return { header, rows };
}
