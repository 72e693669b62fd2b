import { AGENT_REPORT_COLUMNS, AGENT_STATUSES, AGENT_STATUS_LABELS, SECONDS_UNIT, type AgentFigures, type AgentReport, type UiLanguage } from '@etax-assist/protocol';
import type { ReportCell, ReportTable } from './report-table.js';

/** The per-agent report as an export lays it out (report-csv.ts, report-xlsx.ts): a row per agent, a column per status after the time signed in, durations in seconds. */
export function agentReportTable(report: AgentReport, lang: UiLanguage): ReportTable {
  const signedIn = AGENT_REPORT_COLUMNS.findIndex((c) => c.id === 'loggedInS') + 1;
  const before = AGENT_REPORT_COLUMNS.slice(0, signedIn);
  const after = AGENT_REPORT_COLUMNS.slice(signedIn);
  const header = (column: (typeof AGENT_REPORT_COLUMNS)[number]) => `${column.label[lang]}${column.duration ? SECONDS_UNIT[lang] : ''}`;
  const cells = (row: AgentFigures): ReportCell[] => [
    ...before.map(({ id }) => row[id]),
    ...AGENT_STATUSES.map((status) => row.statusS[status] ?? 0),
    ...after.map(({ id }) => row[id]),
  ];
  return {
    header: [...before.map(header), ...AGENT_STATUSES.map((status) => `${AGENT_STATUS_LABELS[status][lang]}${SECONDS_UNIT[lang]}`), ...after.map(header)],
    rows: report.rows.map(cells),
  };
}
