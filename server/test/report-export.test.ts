import { describe, expect, it } from 'vitest';
import type { Report, ReportFigures } from '@etax-assist/protocol';
import { reportCsv } from '../src/reports/report-csv.js';
import { reportTable } from '../src/reports/report-table.js';

const figures = (requests: number, outcomes: Record<string, number> = {}): ReportFigures => ({
  requests,
  answered: requests,
  abandoned: 0,
  cancelled: 0,
  missed: 0,
  abandonedWaitP50S: null,
  waitP50S: 12.5,
  waitP90S: 30,
  serviceLevelPct: 90,
  handlingMeanS: 300,
  handlingP50S: 280,
  sessionHours: 1.5,
  escalations: 0,
  transfers: 0,
  ratings: 0,
  ratingMean: null,
  outcomes,
});
const CATALOG = {
  topics: [{ id: 'invoice', label: { zh: '发票', en: 'Invoices' }, active: true }],
  languages: [{ id: 'zh', label: { zh: '中文', en: 'Chinese' } }],
  outcomes: [
    { id: 'resolved', label: { zh: '已解决', en: 'Resolved' } },
    { id: 'follow-up', label: { zh: '需跟进', en: 'Follow-up needed' } },
  ],
};
const report = (by: Report['by'], rows: Report['rows']): Report => ({
  from: '2025-03-01',
  to: '2025-03-31',
  period: 'month',
  by,
  tzOffsetMin: 480,
  serviceLevelS: 60,
  rows,
  totals: figures(
    rows.reduce((n, r) => n + r.requests, 0),
    { resolved: 3, 'gone-outcome': 1 },
  ),
});

describe('a report as a table and as CSV', () => {
  it("names topics by the catalog in the language asked for, the empty value by its dimension's word, and the totals last", () => {
    const table = reportTable(
      report('topic', [
        { period: '2025-03-01', key: 'invoice', ...figures(3, { resolved: 3 }) },
        { period: '2025-03-01', key: 'retired-topic', ...figures(1, { 'gone-outcome': 1 }) },
      ]),
      'en',
      CATALOG,
    );
    expect(table.header.slice(0, 3)).toEqual(['Month', 'Topic', 'Requests']);
    // the catalog's outcomes that occur, in its order, then the others; follow-up occurs nowhere
    expect(table.header.slice(-2)).toEqual(['Outcome: Resolved', 'Outcome: gone-outcome']);
    expect(table.rows.map((r) => r.slice(0, 3))).toEqual([
      ['2025-03-01', 'Invoices', 3],
      ['2025-03-01', 'retired-topic', 1],
      ['Total', '', 4],
    ]);
    expect(table.rows.map((r) => r.slice(-2))).toEqual([
      [3, 0],
      [0, 1],
      [3, 1],
    ]);
    const byHall = reportTable(report('hall', [{ period: '2025-03-01', key: null, ...figures(2) }]), 'zh', CATALOG);
    expect(byHall.rows[0]!.slice(0, 2)).toEqual(['2025-03-01', '网上(非服务厅)']);
    // no dimension: no dimension column
    expect(reportTable(report('none', []), 'zh', CATALOG).header.slice(0, 2)).toEqual(['月', '请求数']);
  });

  it('writes UTF-8 with a BOM, CRLF lines, quotes only the fields that need it (RFC 4180), empty for null', () => {
    const csv = reportCsv({
      header: ['a', 'b,c'],
      rows: [
        ['say "hi"', 1.5],
        [null, 'line\nbreak'],
      ],
    });
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.subarray(3).toString('utf8')).toBe('a,"b,c"\r\n"say ""hi""",1.5\r\n,"line\nbreak"\r\n');
  });
});
