import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

const formatOf = (request: FastifyRequest<{ Querystring: { format?: ReportFormat } }>) => request.query.format ?? acceptedFormat(request.headers.accept);

/** Reports on the record (docs/reports.md): supervisors and administrators, as JSON or exported. */
export async function reportsRoutes(app: FastifyInstance, { reports, agentReports, callInReports, catalog }: ReportsRoutesOptions): Promise<void> {
  app.get('/api/reports/halls', { config: { auth: ['supervisor', 'admin'] }, schema: { response: { 200: ReportHalls, '4xx': HttpErrorResponse, '5xx': HttpErrorResponse } } }, () =>
    reports.halls(),
  );
  app.get<{ Querystring: ReportQuery }>(
    '/api/reports/sessions',
    { config: { auth: ['supervisor', 'admin'] }, schema: { querystring: ReportQuery, response: { 200: Report, '4xx': HttpErrorResponse, '5xx': HttpErrorResponse } } },
    async (request, reply) => {
      const { query } = request;
      const format = formatOf(request);
      const report = await reports.report(query);
      if (format === 'json') return report;
      const lang = query.lang ?? 'zh';
      const table = reportTable(report, lang, catalog.current, report.by === 'hall' ? (await reports.halls()).halls : []);
      return sendExport(reply, table, format, lang, `sessions-${report.from}-${report.to}-${report.period}-${report.by}`);
    },
  );
  app.get<{ Querystring: AgentReportQuery }>(
    '/api/reports/agents',
    { config: { auth: ['supervisor', 'admin'] }, schema: { querystring: AgentReportQuery, response: { 200: AgentReport, '4xx': HttpErrorResponse, '5xx': HttpErrorResponse } } },
    async (request, reply) => {
      const { query } = request;
      const format = formatOf(request);
      const report = await agentReports.report(query);
      if (format === 'json') return report;
      const lang = query.lang ?? 'zh';
      return sendExport(reply, agentReportTable(report, lang), format, lang, `agents-${report.from}-${report.to}${query.agent ? `-${query.agent}` : ''}`);
    },
  );
  app.get<{ Querystring: CallInReportQuery }>(
    '/api/reports/call-ins',
    { config: { auth: ['supervisor', 'admin'] }, schema: { querystring: CallInReportQuery, response: { 200: CallInReport, '4xx': HttpErrorResponse, '5xx': HttpErrorResponse } } },
    async (request, reply) => {
      const { query } = request;
      const format = formatOf(request);
      const report = await callInReports.report(query);
      if (format === 'json') return report;
      const lang = query.lang ?? 'zh';
      return sendExport(reply, callInReportTable(report, lang), format, lang, `call-ins-${report.from}-${report.to}-${report.period}-${report.by}`);
    },
  );
}
