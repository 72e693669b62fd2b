import type { FastifyInstance } from 'fastify';
import { HttpErrorResponse, REPORT_MEDIA_TYPES, Report, ReportHalls, ReportQuery, type ReportFormat } from '@etax-assist/protocol';
import type { PublishedCatalog } from '../catalog/live-catalog.js';
import { reportCsv } from './report-csv.js';
import { reportTable } from './report-table.js';
import { reportXlsx } from './report-xlsx.js';
import type { SessionReports } from './session-reports.js';

export interface ReportsRoutesOptions {
  reports: SessionReports;
  catalog: PublishedCatalog;
}

/** The format `Accept` asks for when `format` is not given: an export's media type, else JSON. */
function acceptedFormat(accept: string | undefined): ReportFormat {
  const types = (accept ?? '').split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  if (types.includes(REPORT_MEDIA_TYPES.csv)) return 'csv';
  if (types.includes(REPORT_MEDIA_TYPES.xlsx)) return 'xlsx';
  return 'json';
}

/** Reports on the record (docs/reports.md): supervisors and administrators, as JSON or exported. */
export async function reportsRoutes(app: FastifyInstance, { reports, catalog }: ReportsRoutesOptions): Promise<void> {
  app.get('/api/reports/halls', { config: { auth: ['supervisor', 'admin'] }, schema: { response: { 200: ReportHalls, '4xx': HttpErrorResponse, '5xx': HttpErrorResponse } } }, () =>
    reports.halls(),
  );
  app.get<{ Querystring: ReportQuery }>(
    '/api/reports/sessions',
    { config: { auth: ['supervisor', 'admin'] }, schema: { querystring: ReportQuery, response: { 200: Report, '4xx': HttpErrorResponse, '5xx': HttpErrorResponse } } },
    async (request, reply) => {
      const { query } = request;
      const format = query.format ?? acceptedFormat(request.headers.accept);
      const report = await reports.report(query);
      if (format === 'json') return report;
      const lang = query.lang ?? 'zh';
      const table = reportTable(report, lang, catalog.current, report.by === 'hall' ? (await reports.halls()).halls : []);
      const body = format === 'csv' ? reportCsv(table) : await reportXlsx(table, lang === 'zh' ? '报表' : 'Report');
      const name = `sessions-${report.from}-${report.to}-${report.period}-${report.by}.${format}`;
      return reply
        .header('content-type', format === 'csv' ? `${REPORT_MEDIA_TYPES.csv}; charset=utf-8` : REPORT_MEDIA_TYPES.xlsx)
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(body);
    },
  );
}
