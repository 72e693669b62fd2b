import type { ReportCell, ReportTable } from './report-table.js';

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
const field = (cell: ReportCell) => {
  const text = cell === null ? '' : String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** A report table as CSV: UTF-8 with a byte-order mark (without it Excel reads Chinese as its local code page), CRLF lines. */
export function reportCsv(table: ReportTable): Buffer {
  const lines = [table.header, ...table.rows].map((row) => row.map(field).join(','));
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}
