import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  AgentReport,
  AgentReportQuery,
  CallInReport,
  CallInReportQuery,
  HttpErrorResponse,
  REPORT_MEDIA_TYPES,
  Report,
  ReportHalls,
  ReportQuery,
  type ReportFormat,
  type UiLanguage,
} from '@etax-assist/protocol';
import type { PublishedCatalog } from '../catalog/live-catalog.js';
import type { AgentReports } from './agent-reports.js';
import { agentReportTable } from './agent-report-table.js';
import { callInReportTable } from './call-in-report-table.js';
import type { CallInReports } from './call-in-reports.js';
import { reportCsv } from './report-csv.js';
import { reportTable, type ReportTable } from './report-table.js';
import { reportXlsx } from './report-xlsx.js';
import type { SessionReports } from './session-reports.js';

export interface ReportsRoutesOptions {
  reports: SessionReports;
  agentReports: AgentReports;
  callInReports: CallInReports;
  catalog: PublishedCatalog;
}

/** The format `Accept` asks for when `format` is not given: an export's media type, else JSON. */
function acceptedFormat(accept: string | undefined): ReportFormat {
  const types = (accept ?? '').split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  if (types.includes(REPORT_MEDIA_TYPES.csv)) return 'csv';
  if (types.includes(REPORT_MEDIA_TYPES.xlsx)) return 'xlsx';
  return 'json';
}

/** Sends a report's table as the export `format` names, a file called `<name>.<format>`. */
async function sendExport(reply: FastifyReply, table: ReportTable, format: Exclude<ReportFormat, 'json'>, lang: UiLanguage, name: string): Promise<FastifyReply> {
  const body = format === 'csv' ? reportCsv(table) : await reportXlsx(table, lang === 'zh' ? '报表' : 'Report');
  return reply
    .header('content-type', format === 'csv' ? `${REPORT_MEDIA_TYPES.csv}; charset=utf-8` : REPORT_MEDIA_TYPES.xlsx)
    .header('content-disposition', `attachment; filename="${name}.${format}"`)
    .send(body);
}

/** What every report's route has: its query and reply schemas, how it is read, and how it is laid out for an export (and the file's name). */
interface ReportRoute<Q extends { format?: ReportFormat; lang?: UiLanguage }, R> {
  path: string;
  query: TSchema;
  reply: TSchema;
  read: (query: Q) => Promise<R>;
  exported: (report: R, query: Q, lang: UiLanguage) => ReportTable | Promise<ReportTable>;
  fileName: (report: R, query: Q) => string;
}

/** A report's route: supervisors and administrators, the report as JSON, or exported as the format (or `Accept`) asks, headers in `lang`. */
function reportRoute<Q extends { format?: ReportFormat; lang?: UiLanguage }, R>(app: FastifyInstance, route: ReportRoute<Q, R>): void {
  app.get<{ Querystring: Q }>(
    route.path,
    { config: { auth: ['supervisor', 'admin'] }, schema: { querystring: route.query, response: { 200: route.reply, '4xx': HttpErrorResponse, '5xx': HttpErrorResponse } } },
    async (request, reply) => {
      // checked against route.query by the schema above
      const query = request.query as Q;
      const format = query.format ?? acceptedFormat(request.headers.accept);
      const report = await route.read(query);
      if (format === 'json') return report;
      const lang = query.lang ?? 'zh';
      return sendExport(reply, await route.exported(report, query, lang), format, lang, route.fileName(report, query));
    },
  );
}

/** Reports on the record (docs/reports.md): supervisors and administrators, as JSON or exported. */
export async function reportsRoutes(app: FastifyInstance, { reports, agentReports, callInReports, catalog }: ReportsRoutesOptions): Promise<void> {
  app.get('/api/reports/halls', { config: { auth: ['supervisor', 'admin'] }, schema: { response: { 200: ReportHalls, '4xx': HttpErrorResponse, '5xx': HttpErrorResponse } } }, () =>
    reports.halls(),
  );
  reportRoute<ReportQuery, Report>(app, {
    path: '/api/reports/sessions',
    query: ReportQuery,
    reply: Report,
    read: (query) => reports.report(query),
    exported: async (report, _query, lang) => reportTable(report, lang, catalog.current, report.by === 'hall' ? (await reports.halls()).halls : []),
    fileName: (report) => `sessions-${report.from}-${report.to}-${report.period}-${report.by}`,
  });
  reportRoute<AgentReportQuery, AgentReport>(app, {
    path: '/api/reports/agents',
    query: AgentReportQuery,
    reply: AgentReport,
    read: (query) => agentReports.report(query),
    exported: (report, _query, lang) => agentReportTable(report, lang),
    fileName: (report, query) => `agents-${report.from}-${report.to}${query.agent ? `-${query.agent}` : ''}`,
  });
  reportRoute<CallInReportQuery, CallInReport>(app, {
    path: '/api/reports/call-ins',
    query: CallInReportQuery,
    reply: CallInReport,
    read: (query) => callInReports.report(query),
    exported: (report, _query, lang) => callInReportTable(report, lang),
    fileName: (report) => `call-ins-${report.from}-${report.to}-${report.period}-${report.by}`,
  });
}
