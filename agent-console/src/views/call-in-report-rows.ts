import { CALL_IN_REPORT_COLUMNS, type CallInReport, type CallInReportRow } from '@etax-assist/protocol';
import { t } from '../i18n.js';
import { queueLabel } from '../queue-label.js';
import type { ResultRow } from './result-table.js';

/** A row's key as people read it: a queue by its language, topic and tier (a supervisor's call-in has none), a trigger by its name, an agent by its. */
function keyText(by: CallInReport['by'], row: CallInReportRow): string {
  if (by === 'trigger') return t(`reports.callInTrigger.${row.key}`, { defaultValue: row.key });
  if (by === 'queue') return row.key === '' ? t('reports.callInNoQueue') : queueLabel(row.key);
  return row.label;
}

/** The call-ins report as the Reports view shows it (result-table.ts): its sentence, its header, a row per period and key and the totals. */
export function callInReportRows(report: CallInReport): { summary: string; head: string[]; rows: ResultRow[] } {
  const cells = (figures: CallInReport['totals']) => CALL_IN_REPORT_COLUMNS.map(({ id }) => (figures[id] === null ? '—' : figures[id].toLocaleString()));
  const rows: ResultRow[] = report.rows.map((row) => ({ dataset: { period: row.period, key: row.key }, cells: [row.period, keyText(report.by, row), ...cells(row)] }));
  if (rows.length > 0) rows.push({ dataset: { period: '', key: '' }, cells: [t('reports.total'), '', ...cells(report.totals)], className: 'report-total' });
  return {
    summary: t('reports.callInsSummary', report.totals),
    head: [t(`reports.period.${report.period}`), t(`reports.callInDimension.${report.by}`), ...CALL_IN_REPORT_COLUMNS.map((c) => t(`reports.callInColumn.${c.id}`))],
    rows,
  };
}
