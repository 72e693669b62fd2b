import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentFigures, AgentReport, HttpErrorResponse } from '@etax-assist/protocol';
import { outboxDrained, query } from '../harness/records.js';
import { insertSessions } from '../harness/report-sessions.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession } from '../harness/session.js';
import { requestOk } from '../harness/socket.js';

const HOUR = 3_600_000;
/** The local day (UTC+8) of an instant. */
const localDay = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(0, 10);

/**
 * agent1's evening of February 28 (UTC; local March 1 begins at 16:00): available before the
 * range, a session 17:00–17:30, wrap-up to 17:40, away 18:00–18:30, then offline.
 */
const ACTIVITY: [string, string, string, boolean, number][] = [
  ['1-0', '2025-02-28T15:00:00Z', 'available', false, 0],
  ['2-0', '2025-02-28T17:00:00Z', 'available', false, 1],
  ['3-0', '2025-02-28T17:30:00Z', 'available', true, 0],
  ['4-0', '2025-02-28T17:40:00Z', 'available', false, 0],
  ['5-0', '2025-02-28T18:00:00Z', 'away', false, 0],
  ['6-0', '2025-02-28T18:30:00Z', 'offline', false, 0],
];

/** Issue 19, item 2: per-agent figures from the agents' activity and the sessions, supervisors only. */
describe('per-agent figures (real Redis and PostgreSQL)', () => {
  let t: TestService;
  let supervisor: string;
  const get = (params: Record<string, string>, token: string | undefined = supervisor) =>
    fetch(`${t.url}/api/reports/agents?${new URLSearchParams(params)}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const report = async (params: Record<string, string>) => {
    const response = await get(params);
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as AgentReport;
  };
  const march = { from: '2025-03-01', to: '2025-03-31' };

  beforeAll(async () => {
    t = await startTestService({ DISPATCH_TZ_OFFSET_MIN: '480', REPORTS_MAX_DAYS: '92', SESSION_RETENTION_DAYS: '3650' });
    for (const [id, at, status, wrap, load] of ACTIVITY) {
      await query(t.postgres.url, 'INSERT INTO agent_activity (event_id, agent, at, status, wrap, load, capacity) VALUES ($1, $2, $3, $4, $5, $6, 5)', [
        id,
        'agent1',
        at,
        status,
        wrap,
        load,
      ]);
    }
    // signed off before the range and all through it: not in the report
    await query(
      t.postgres.url,
      "INSERT INTO agent_activity (event_id, agent, at, status, wrap, load, capacity) VALUES ('1-1', 'agent3', '2025-02-01T00:00:00Z', 'offline', false, 0, 5)",
    );
    await insertSessions(t.postgres.url, [
      { id: 'g1', state: 'ended', at: '2025-02-28T17:00:00Z', topic: 'invoice', agent: 'agent1', waitMs: 1000, handlingMs: 600_000, outcome: 'resolved', rating: 5 },
      { id: 'g2', state: 'ended', at: '2025-03-02T02:00:00Z', topic: 'invoice', agent: 'agent1', waitMs: 1000, handlingMs: 1_200_000, outcome: 'resolved', rating: 3 },
      { id: 'g3', state: 'ended', at: '2025-03-03T02:00:00Z', topic: 'invoice', agent: 'agent1', waitMs: 1000, handlingMs: 300_000, outcome: 'resolved' },
      { id: 'g4', state: 'ended', at: '2025-03-04T02:00:00Z', topic: 'refund', agent: 'expert1', waitMs: 1000, handlingMs: 300_000, escalated: true, outcome: 'resolved' },
    ]);
    // agent1 asked for g4's escalation
    await query(
      t.postgres.url,
      `INSERT INTO session_events (event_id, session_id, at, kind, actor_role, actor_id, details) VALUES ('e1', 'g4', '2025-03-04T02:05:00Z', 'state', 'agent', 'agent1', '{"state":"escalating"}')`,
    );
    supervisor = await t.staffToken('super1', DEV_PASSWORDS.super1);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('gives every figure of an agent as worked out by hand, the intervals cut at the range’s start', async () => {
    const r = await report(march);
    expect(r).toMatchObject({ ...march, tzOffsetMin: 480, until: '2025-03-31T16:00:00.000Z' });
    expect(r.rows.map((row) => row.agent)).toEqual(['agent1', 'expert1']);
    const range = 31 * 86_400;
    expect(r.rows[0]).toEqual<AgentFigures>({
      agent: 'agent1',
      name: expect.any(String) as string,
      // 16:00–18:30: two hours available, half an hour away
      loggedInS: 9000,
      statusS: { available: 7200, 'back-office': 0, away: 1800, offline: range - 9000 },
      inSessionS: 1800,
      wrapUpS: 600,
      // 40 of the 120 minutes available with a session or a wrap-up
      occupancyPct: 33.3,
      sessions: 3,
      handlingMeanS: 700,
      handlingP50S: 600,
      ratings: 2,
      ratingMean: 4,
      escalations: 1,
      transfers: 0,
    });
    // the expert only finished a session: no activity of its own in the record
    expect(r.rows[1]).toMatchObject({ agent: 'expert1', loggedInS: 0, occupancyPct: null, sessions: 1, escalations: 0 });
    expect((await report({ ...march, agent: 'expert1' })).rows.map((row) => row.agent)).toEqual(['expert1']);
    // a range ending before the evening's session: only what falls in it
    const firstDay = await report({ from: '2025-03-01', to: '2025-03-01', agent: 'agent1' });
    expect(firstDay.rows[0]).toMatchObject({ loggedInS: 9000, sessions: 1, handlingMeanS: 600 });
  });

  it('counts an agent still signed in up to now, and a session served today through the dispatcher', async () => {
    const s = await activeSession(t, 'tp-agent-report', { username: 'agent2', password: DEV_PASSWORDS.agent2 }, 'text');
    await requestOk(s.agent.socket, 'session:end', { sessionId: s.sessionId });
    await requestOk(s.agent.socket, 'session:wrap-up', { sessionId: s.sessionId, notes: '', outcome: 'resolved' });
    await outboxDrained(t.redis.url);
    const today = localDay(Date.now());
    const r = await report({ from: today, to: today, agent: 'agent2' });
    expect(new Date(r.until).getTime()).toBeLessThanOrEqual(Date.now());
    const [row] = r.rows;
    expect(row).toMatchObject({ agent: 'agent2', sessions: 1, ratings: 0 });
    // signed in since the session began, still available: counted to `until`
    expect(row!.loggedInS).toBe(row!.statusS.available);
    expect(row!.loggedInS).toBeGreaterThanOrEqual(0);
    expect(row!.occupancyPct).not.toBeNull();
    for (const socket of [s.agent.socket, s.taxpayer.socket]) socket.close();
  });

  it('refuses agents (403), no token (401), and a range the sessions report refuses (400)', async () => {
    const agent = await get(march, await t.staffToken('agent1', DEV_PASSWORDS.agent1));
    expect(agent.status).toBe(403);
    expect(((await agent.json()) as HttpErrorResponse).error.code).toBe('FORBIDDEN');
    expect((await get(march, '')).status).toBe(401);
    for (const params of [
      { from: '2025-03-31', to: '2025-03-01' },
      { from: '2025-01-01', to: '2025-12-31' },
      { from: '2025-02-30', to: '2025-03-01' },
      { ...march, format: 'pdf' },
      { ...march, period: 'day' },
    ]) {
      const response = await get(params);
      expect(response.status).toBe(400);
      expect(((await response.json()) as HttpErrorResponse).error.code).toBe('VALIDATION_FAILED');
    }
    const admin = await get(march, await t.staffToken('admin1', 'admin1-pass'));
    expect(admin.status).toBe(200);
  });

  it('exports the same as CSV (UTF-8 with BOM, a column per status) and XLSX', async () => {
    const csv = await get({ ...march, format: 'csv' });
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="agents-2025-03-01-2025-03-31.csv"');
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).split('\r\n');
    expect(lines[0]).toBe(
      '坐席账号,坐席,登录时长(秒),可接入(秒),后台工作(秒),暂离(秒),离线(秒),服务中(秒),话后整理(秒),占用率(%),服务会话数,平均处理时长(秒),处理时长中位数(秒),评价数,平均评分,升级数,转接数',
    );
    expect(lines[1]).toMatch(/^agent1,[^,]+,9000,7200,0,1800,2669400,1800,600,33.3,3,700,600,2,4,1,0$/);
    const xlsx = await get({ ...march, format: 'xlsx', lang: 'en' });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.read(Readable.from(Buffer.from(await xlsx.arrayBuffer())));
    const sheet = workbook.worksheets[0]!;
    expect(sheet.getRow(1).getCell(4).value).toBe('Available (s)');
    expect(sheet.getRow(2).getCell(3).value).toBe(9000);
  });
});
