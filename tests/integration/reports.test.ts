import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpErrorResponse, Report, ReportRow } from '@etax-assist/protocol';
import { insertSessions, type ReportSession } from '../harness/report-sessions.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';

const HALL = '市民中心办税服务厅';
/** A name an export must quote (RFC 4180): a comma and a quote. */
const ODD_HALL = '高新区"东",分厅';

/** Sessions whose figures are worked out by hand below; the service-level target is 60 s. */
const FIXTURE: ReportSession[] = [
  // Mar 3, 09:00 local: waited exactly the target (within it)
  { id: 'r1', state: 'ended', at: '2025-03-03T01:00:00Z', hall: HALL, topic: 'invoice', agent: 'agent1', waitMs: 60_000, handlingMs: 600_000, outcome: 'resolved', rating: 5 },
  // a millisecond over the target; escalated, so its last agent is the expert
  {
    id: 'r2',
    state: 'ended',
    at: '2025-03-03T02:00:00Z',
    hall: HALL,
    topic: 'invoice',
    agent: 'expert1',
    waitMs: 60_001,
    handlingMs: 1_200_000,
    escalated: true,
    outcome: 'follow-up',
    rating: 3,
  },
  { id: 'r3', state: 'abandoned', at: '2025-03-04T03:00:00Z', hall: HALL, topic: 'refund', leftAfterMs: 90_000 },
  // 23:59:59 on March 31 local: March
  {
    id: 'r4',
    state: 'ended',
    at: '2025-03-31T15:59:59Z',
    hall: HALL,
    topic: 'refund',
    agent: 'agent3',
    waitMs: 10_000,
    handlingMs: 300_000,
    transferred: true,
    outcome: 'resolved',
  },
  // midnight of April 1 local: not March
  { id: 'r5', state: 'ended', at: '2025-03-31T16:00:00Z', hall: HALL, topic: 'invoice', agent: 'agent1', waitMs: 1000, handlingMs: 60_000, outcome: 'resolved' },
  // midnight of March 1 local (February in UTC): March; from the portal
  { id: 'r6', state: 'cancelled', at: '2025-02-28T16:00:00Z', topic: 'invoice', leftAfterMs: 20_000 },
  // a second before: February
  { id: 'r7', state: 'ended', at: '2025-02-28T15:59:59Z', topic: 'invoice', agent: 'agent1', waitMs: 1000, handlingMs: 60_000, outcome: 'resolved' },
  { id: 'r8', state: 'ended', at: '2025-03-10T02:00:00Z', hall: ODD_HALL, topic: 'invoice', agent: 'agent1', waitMs: 5000, handlingMs: 900_000, outcome: 'resolved', rating: 4 },
  // twelve days of January 2024, for the row limit (REPORTS_MAX_ROWS 10); one with an outcome the catalog does not list (any more)
  ...Array.from({ length: 12 }, (_, i): ReportSession => ({
    id: `j${i}`,
    state: 'ended',
    at: `2024-01-${String(i + 1).padStart(2, '0')}T04:00:00Z`,
    topic: 'registration',
    agent: 'agent2',
    waitMs: 1000,
    handlingMs: 60_000,
    outcome: i === 0 ? 'retired-outcome' : 'resolved',
  })),
];

/** February: sessions of the demo portal's hall (registered by id, as every session since 0006_halls.sql names it) and one from before, by name. */
const FEBRUARY: ReportSession[] = [
  { id: 'f1', state: 'ended', at: '2025-02-10T02:00:00Z', hallId: 'pudong', topic: 'invoice', agent: 'agent1', waitMs: 1000, handlingMs: 60_000, outcome: 'resolved' },
  { id: 'f2', state: 'ended', at: '2025-02-11T02:00:00Z', hallId: 'pudong', topic: 'refund', agent: 'agent1', waitMs: 1000, handlingMs: 60_000, outcome: 'resolved' },
  { id: 'f3', state: 'ended', at: '2025-02-12T02:00:00Z', hall: HALL, topic: 'invoice', agent: 'agent2', waitMs: 1000, handlingMs: 60_000, outcome: 'resolved' },
];

const NO_OUTCOMES = {};

/** Issue 19, item 1: reports on the record, by period and dimension, as JSON, CSV and XLSX. */
describe('reports on the record (real PostgreSQL)', () => {
  let t: TestService;
  let supervisor: string;
  const get = (params: Record<string, string>, token: string | undefined = supervisor, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/api/reports/sessions?${new URLSearchParams(params)}`, { headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  const report = async (params: Record<string, string>) => {
    const response = await get(params);
    expect(response.status).toBe(200);
    return (await response.json()) as Report;
  };
  const refusal = async (params: Record<string, string>, token?: string) => {
    const response = await get(params, token);
    return { status: response.status, error: ((await response.json()) as HttpErrorResponse).error };
  };
  const march = { from: '2025-03-01', to: '2025-03-31' };
  const row = (r: Report, key: string | null) => r.rows.find((x) => x.key === key);

  beforeAll(async () => {
    t = await startTestService({
      DISPATCH_TZ_OFFSET_MIN: '480',
      DISPATCH_SERVICE_LEVEL_S: '60',
      REPORTS_MAX_DAYS: '92',
      REPORTS_MAX_ROWS: '10',
      // the fixture's sessions are older than the default retention: its job would delete them
      SESSION_RETENTION_DAYS: '3650',
    });
    await insertSessions(t.postgres.url, [...FIXTURE, ...FEBRUARY]);
    supervisor = await t.staffToken('super1', DEV_PASSWORDS.super1);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("answers a hall's March by topic with every figure as worked out by hand; the target itself is within it", async () => {
    const r = await report({ ...march, period: 'month', by: 'topic', hall: HALL });
    expect(r).toMatchObject({ from: '2025-03-01', to: '2025-03-31', period: 'month', by: 'topic', tzOffsetMin: 480, serviceLevelS: 60 });
    expect(r.rows.map((x) => [x.period, x.key])).toEqual([
      ['2025-03-01', 'invoice'],
      ['2025-03-01', 'refund'],
    ]);
    expect(row(r, 'invoice')).toEqual({
      period: '2025-03-01',
      key: 'invoice',
      requests: 2,
      answered: 2,
      abandoned: 0,
      cancelled: 0,
      missed: 0,
      abandonedWaitP50S: null,
      waitP50S: 60,
      waitP90S: 60,
      // 60 000 ms is within the 60 s target, 60 001 ms is not
      serviceLevelPct: 50,
      handlingMeanS: 900,
      handlingP50S: 900,
      sessionHours: 0.5,
      escalations: 1,
      transfers: 0,
      ratings: 2,
      ratingMean: 4,
      outcomes: { resolved: 1, 'follow-up': 1 },
    } satisfies ReportRow);
    expect(row(r, 'refund')).toEqual({
      period: '2025-03-01',
      key: 'refund',
      requests: 2,
      answered: 1,
      abandoned: 1,
      cancelled: 0,
      missed: 0,
      abandonedWaitP50S: 90,
      waitP50S: 10,
      waitP90S: 10,
      serviceLevelPct: 100,
      handlingMeanS: 300,
      handlingP50S: 300,
      sessionHours: 0.08,
      escalations: 0,
      transfers: 1,
      ratings: 0,
      ratingMean: null,
      outcomes: { resolved: 1 },
    } satisfies ReportRow);
    // percentiles over the range's sessions, not of the rows: waits 10, 60, 60.001 s; handling 600, 1200, 300 s
    expect(r.totals).toEqual({
      requests: 4,
      answered: 3,
      abandoned: 1,
      cancelled: 0,
      missed: 0,
      abandonedWaitP50S: 90,
      waitP50S: 60,
      waitP90S: 60,
      serviceLevelPct: 66.7,
      handlingMeanS: 700,
      handlingP50S: 600,
      sessionHours: 0.58,
      escalations: 1,
      transfers: 1,
      ratings: 2,
      ratingMean: 4,
      outcomes: { resolved: 2, 'follow-up': 1 },
    });
  });

  it("cuts the days at the authority's midnight, not UTC's", async () => {
    const r = await report({ ...march, period: 'day' });
    expect(r.rows.map((x) => [x.period, x.key, x.requests])).toEqual([
      ['2025-03-01', null, 1],
      ['2025-03-03', null, 2],
      ['2025-03-04', null, 1],
      ['2025-03-10', null, 1],
      ['2025-03-31', null, 1],
    ]);
    expect(row(r, null)).toMatchObject({ requests: 1, cancelled: 1, answered: 0, waitP50S: null, serviceLevelPct: null, sessionHours: 0, outcomes: NO_OUTCOMES });
    expect(r.totals.requests).toBe(6);
    // a one-day range is that local day only
    expect((await report({ from: '2025-03-31', to: '2025-03-31', period: 'day' })).totals.requests).toBe(1);
    expect((await report({ from: '2025-04-01', to: '2025-04-01', period: 'day' })).totals.requests).toBe(1);
  });

  it('groups by ISO week (from Monday) and by hall, agent; sessions without a value are their own row, last', async () => {
    const weeks = await report({ ...march, period: 'week' });
    expect(weeks.rows.map((x) => [x.period, x.requests])).toEqual([
      ['2025-02-24', 1],
      // Monday 3 and Tuesday 4
      ['2025-03-03', 3],
      ['2025-03-10', 1],
      ['2025-03-31', 1],
    ]);
    const halls = await report({ ...march, period: 'month', by: 'hall' });
    // by the keys' bytes (the database's C collation)
    expect(halls.rows.map((x) => [x.key, x.requests])).toEqual([
      [HALL, 4],
      [ODD_HALL, 1],
      [null, 1],
    ]);
    const agents = await report({ ...march, period: 'month', by: 'agent' });
    expect(agents.rows.map((x) => [x.key, x.answered, x.sessionHours])).toEqual([
      ['agent1', 2, 0.42],
      ['agent3', 1, 0.08],
      ['expert1', 1, 0.33],
      [null, 0, 0],
    ]);
  });

  it('an empty range has one totals row of zeros and no rows', async () => {
    const r = await report({ from: '2025-06-01', to: '2025-06-30', period: 'month', by: 'topic' });
    expect(r.rows).toEqual([]);
    expect(r.totals).toMatchObject({ requests: 0, answered: 0, waitP50S: null, serviceLevelPct: null, sessionHours: 0, ratingMean: null, outcomes: NO_OUTCOMES });
  });

  it('exports CSV: UTF-8 with a BOM, RFC 4180 quoting, headers and names in the language asked for', async () => {
    const response = await get({ ...march, period: 'month', by: 'hall', format: 'csv', lang: 'zh' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="sessions-2025-03-01-2025-03-31-month-hall.csv"');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text).toContain(`"高新区""东"",分厅"`);
    const workbook = new ExcelJS.Workbook();
    // every field as the text it is (exceljs would otherwise read the days as dates)
    const sheet = await workbook.csv.read(Readable.from([text]), { map: (value: unknown) => value });
    const rows = sheet
      .getSheetValues()
      .filter(Boolean)
      .map((r) => (r as unknown[]).slice(1));
    expect(rows[0]).toEqual(expect.arrayContaining(['月', '服务厅', '请求数', '服务水平(%)', '服务时长(小时)', '结果: 已解决', '结果: 需跟进']));
    expect(rows.slice(1).map((r) => r.slice(0, 3))).toEqual([
      ['2025-03-01', HALL, '4'],
      ['2025-03-01', ODD_HALL, '1'],
      ['2025-03-01', '网上(非服务厅)', '1'],
      ['合计', '', '6'],
    ]);
    // the same in English, asked for by Accept
    const english = await get({ ...march, period: 'month', by: 'topic', lang: 'en' }, supervisor, { accept: 'text/csv' });
    const lines = (await english.text()).replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toMatch(/^Month,Topic,Requests,Answered,Abandoned,Cancelled,Missed callbacks,/);
    expect(lines[0]).toContain('Outcome: Resolved,Outcome: Follow-up needed');
    // r1, r2, r8 answered (waits 60, 60.001, 5 s; handling 600, 1200, 900 s), r6 cancelled
    expect(lines[1]).toBe('2025-03-01,Invoices,4,3,0,1,0,,60,60,66.7,900,900,0.75,1,0,3,4,2,1');
  });

  it('exports XLSX: one sheet, a header row, numbers as numeric cells', async () => {
    const response = await get({ ...march, period: 'month', by: 'topic', hall: HALL, lang: 'en' }, supervisor, {
      accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Report']);
    const sheet = workbook.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 3)).toEqual(['Month', 'Topic', 'Requests']);
    const column = (name: string) => header.indexOf(name) + 1;
    const invoices = sheet.getRow(2);
    expect(invoices.getCell(2).value).toBe('Invoices');
    expect(invoices.getCell(column('Requests')).type).toBe(ExcelJS.ValueType.Number);
    expect(invoices.getCell(column('Service level (%)')).value).toBe(50);
    expect(invoices.getCell(column('Session hours')).value).toBe(0.5);
    // no abandoned invoice request: an empty cell, not a zero
    expect(invoices.getCell(column('Wait before abandoning p50 (s)')).type).toBe(ExcelJS.ValueType.Null);
    const totals = sheet.getRow(4);
    expect(totals.getCell(1).value).toBe('Total');
    expect(totals.getCell(column('Service level (%)')).value).toBe(66.7);
    expect(sheet.rowCount).toBe(4);
  });

  it('lists the halls the record has sessions from, for the hall filter', async () => {
    const response = await fetch(`${t.url}/api/reports/halls`, { headers: { authorization: `Bearer ${supervisor}` } });
    expect(await response.json()).toEqual({
      halls: [
        { id: 'pudong', label: { zh: '浦东新区办税服务厅', en: 'Pudong tax service hall' } },
        { id: HALL, label: { zh: HALL, en: HALL } },
        { id: ODD_HALL, label: { zh: ODD_HALL, en: ODD_HALL } },
      ],
    });
  });

  it("groups and filters by the hall's id, and names it in the export by its current name in the language asked for", async () => {
    const february = { from: '2025-02-01', to: '2025-02-28', period: 'month' };
    const byHall = await report({ ...february, by: 'hall' });
    expect(byHall.rows.map((x) => [x.key, x.requests])).toEqual([
      ['pudong', 2],
      [HALL, 1],
      // r7, from the portal at 23:59:59 on the 28th
      [null, 1],
    ]);
    expect((await report({ ...february, by: 'topic', hall: 'pudong' })).totals.requests).toBe(2);
    const csv = Buffer.from(await (await get({ ...february, by: 'hall', format: 'csv', lang: 'en' })).arrayBuffer())
      .subarray(3)
      .toString('utf8');
    expect(csv.split('\r\n')[1]).toMatch(/^2025-02-01,Pudong tax service hall,2,/);
    expect(csv).toContain(`,${HALL},1,`);
  });

  it('is for supervisors and administrators only', async () => {
    const params = { ...march, period: 'month' };
    expect((await refusal(params, '')).status).toBe(401);
    const agent = await refusal(params, await t.staffToken('agent1', DEV_PASSWORDS.agent1));
    expect(agent).toMatchObject({ status: 403, error: { code: 'FORBIDDEN' } });
    const admin = await get(params, await t.staffToken('admin1', 'admin1-pass'));
    expect(admin.status).toBe(200);
    const halls = (token: string) => fetch(`${t.url}/api/reports/halls`, { headers: { authorization: `Bearer ${token}` } });
    expect((await halls(await t.staffToken('agent1', DEV_PASSWORDS.agent1))).status).toBe(403);
  });

  it('refuses a reversed or too long range, a day the calendar has not, an unknown grouping, too many rows', async () => {
    expect(await refusal({ from: '2025-03-02', to: '2025-03-01', period: 'day' }, supervisor)).toMatchObject({
      status: 400,
      error: { code: 'VALIDATION_FAILED', message: '`from` must not be after `to`' },
    });
    // 92 days is the limit: January to March 2025 is 90, to April 2 it is 92, to April 3 93
    expect((await get({ from: '2025-01-01', to: '2025-04-02', period: 'month' })).status).toBe(200);
    expect(await refusal({ from: '2025-01-01', to: '2025-04-03', period: 'month' }, supervisor)).toMatchObject({
      status: 400,
      error: { code: 'VALIDATION_FAILED', details: { maxDays: 92 } },
    });
    expect(await refusal({ from: '2025-02-30', to: '2025-03-01', period: 'day' }, supervisor)).toMatchObject({
      status: 400,
      error: { code: 'VALIDATION_FAILED', message: '`from` is not a calendar day: 2025-02-30' },
    });
    expect(await refusal({ ...march, period: 'quarter' }, supervisor)).toMatchObject({ status: 400, error: { code: 'VALIDATION_FAILED' } });
    expect(await refusal({ ...march, period: 'day', by: 'taxpayer' }, supervisor)).toMatchObject({ status: 400, error: { code: 'VALIDATION_FAILED' } });
    expect(await refusal({ ...march, period: 'day', format: 'pdf' }, supervisor)).toMatchObject({ status: 400, error: { code: 'VALIDATION_FAILED' } });
    // twelve days in January 2024: twelve rows by day, over REPORTS_MAX_ROWS 10; by month one
    expect(await refusal({ from: '2024-01-01', to: '2024-01-31', period: 'day' }, supervisor)).toMatchObject({
      status: 400,
      error: { code: 'VALIDATION_FAILED', details: { maxRows: 10 } },
    });
    const january = await report({ from: '2024-01-01', to: '2024-01-31', period: 'month' });
    expect(january.totals.requests).toBe(12);
    expect(january.rows[0]!.outcomes).toEqual({ resolved: 11, 'retired-outcome': 1 });
    expect(january.totals.outcomes).toEqual({ resolved: 11, 'retired-outcome': 1 });
  });
});
