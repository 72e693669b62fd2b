import ExcelJS from 'exceljs';
import type { ReportTable } from './report-table.js';

/** A report table as an XLSX workbook: one sheet, a bold frozen header row, numbers as numeric cells. */
export async function reportXlsx(table: ReportTable, sheetName: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.addRow(table.header).font = { bold: true };
  sheet.addRows(table.rows);
  sheet.columns.forEach((column, i) => {
    column.width = Math.max(10, Math.min(40, (table.header[i]?.length ?? 0) + 4));
  });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
