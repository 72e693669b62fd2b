import { AGENT_REPORT_COLUMNS, AGENT_STATUSES, AGENT_STATUS_LABELS, type AgentFigures, type AgentReport, type UiLanguage } from '@etax-assist/protocol';
import type { ReportCell, ReportTable } from './report-table.js';

/** The status columns' header: "<status> (s)". */
const statusHeader = (status: (typeof AGENT_STATUSES)[number], lang: UiLanguage) => `${AGENT_STATUS_LABELS[status][lang]}${lang === 'zh' ? '(秒)' : ' (s)'}`;

/** The per-agent report as an export lays it out (report-csv.ts, report-xlsx.ts): a row per agent, a column per status after the time signed in. */
export function agentReportTable(report: AgentReport, lang: UiLanguage): ReportTable {
  const signedIn = AGENT_REPORT_COLUMNS.findIndex((c) => c.id === 'loggedInS') + 1;
  const before = AGENT_REPORT_COLUMNS.slice(0, signedIn);
  const after = AGENT_REPORT_COLUMNS.slice(signedIn);
  const cells = (row: AgentFigures): ReportCell[] => [
    ...before.map(({ id }) => row[id]),
    ...AGENT_STATUSES.map((status) => row.statusS[status] ?? 0),
    ...after.map(({ id }) => row[id]),
  ];
  return {
    header: [...before.map((c) => c.label[lang]), ...AGENT_STATUSES.map((status) => statusHeader(status, lang)), ...after.map((c) => c.label[lang])],
    rows: report.rows.map(cells),
  };
}
