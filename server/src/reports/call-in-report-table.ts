import {
  CALL_IN_DIMENSION_LABELS,
  CALL_IN_NO_QUEUE_LABEL,
  CALL_IN_REPORT_COLUMNS,
  CALL_IN_TRIGGER_LABELS,
  CALL_IN_TRIGGERS,
  REPORT_PERIOD_LABELS,
  REPORT_TOTAL_LABEL,
  type CallInFigures,
  type CallInReport,
  type CallInReportRow,
  type UiLanguage,
} from '@etax-assist/protocol';
import type { ReportCell, ReportTable } from './report-table.js';

/** What a row's key shows as: a trigger by its name, a supervisor's call-in's empty queue as such, an agent by its name. */
export function callInKeyLabel(report: Pick<CallInReport, 'by'>, row: Pick<CallInReportRow, 'key' | 'label'>, lang: UiLanguage): string {
  if (report.by === 'trigger') return CALL_IN_TRIGGERS.includes(row.key as never) ? CALL_IN_TRIGGER_LABELS[row.key as keyof typeof CALL_IN_TRIGGER_LABELS][lang] : row.key;
  if (report.by === 'queue' && row.key === '') return CALL_IN_NO_QUEUE_LABEL[lang];
  return row.label;
}

/** The call-ins report as an export lays it out (report-csv.ts, report-xlsx.ts): a row per period and key, the totals last. */
export function callInReportTable(report: CallInReport, lang: UiLanguage): ReportTable {
  const cells = (figures: CallInFigures): ReportCell[] => CALL_IN_REPORT_COLUMNS.map(({ id }) => figures[id]);
  return {
    header: [REPORT_PERIOD_LABELS[report.period][lang], CALL_IN_DIMENSION_LABELS[report.by][lang], ...CALL_IN_REPORT_COLUMNS.map((c) => c.label[lang])],
    rows: [...report.rows.map((row) => [row.period, callInKeyLabel(report, row, lang), ...cells(row)]), [REPORT_TOTAL_LABEL[lang], '', ...cells(report.totals)]],
  };
}
