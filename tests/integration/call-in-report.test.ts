import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallInEvent, CallInReport, HttpErrorResponse } from '@etax-assist/protocol';
import { outboxDrained, query } from '../harness/records.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { connectSocket, request, requestOk, type TestSocket } from '../harness/socket.js';

/** Today as a local day (UTC+8, DISPATCH_TZ_OFFSET_MIN's default). */
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

/** Issue 19, item 5: call-ins through the sockets, into PostgreSQL, and out as the report and its exports. */
describe('call-ins recorded and reported (real service, Redis and PostgreSQL)', () => {
  let t: TestService;
  let supervisor: TestSocket;
  let supervisorToken: string;
  const sockets: TestSocket[] = [];
  const get = (params: Record<string, string>, token = supervisorToken) =>
    fetch(`${t.url}/api/reports/call-ins?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${token}` } });

  async function backOfficeAgent(username: 'agent1' | 'agent2'): Promise<TestSocket> {
    const socket = await connectSocket(t.url, await t.staffToken(username, DEV_PASSWORDS[username]));
    sockets.push(socket);
    await requestOk(socket, 'agent:status', { status: 'back-office' });
    return socket;
  }
  const calledIn = (socket: TestSocket) => new Promise<CallInEvent>((resolve) => socket.once('call-in:new', resolve));

  beforeAll(async () => {
    // no automatic call-ins here: only the supervisor's
    t = await startTestService({ CALLIN_GAP_AGENTS: '0', CALLIN_LONGEST_WAIT_S: '0' });
    supervisorToken = await t.staffToken('super1', DEV_PASSWORDS.super1);
    supervisor = await connectSocket(t.url, supervisorToken);
    sockets.push(supervisor);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await t?.stop();
  });

  it('records a declined and an accepted call-in with who made them, and reports them by agent and by trigger', async () => {
    const agent2 = await backOfficeAgent('agent2');
    const call2 = calledIn(agent2);
    await requestOk(supervisor, 'supervisor:call-in', { agentId: 'agent2', note: 'refunds are piling up' });
    const event = await call2;
    expect(event).toMatchObject({ queue: '', trigger: 'manual', note: 'refunds are piling up' });
    expect(event.expiresInMs).toBeGreaterThan(100_000);
    // the console after a reload
    expect(await requestOk(agent2, 'call-in:open', {})).toEqual({ callIn: { ...event, expiresInMs: expect.any(Number) } });
    const bad = await request(agent2, 'call-in:answer', { callInId: event.callInId, answer: 'maybe' as 'accept' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const tooLong = await request(agent2, 'call-in:answer', { callInId: event.callInId, answer: 'decline', reason: 'x'.repeat(501) });
    expect(tooLong).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const declined = await requestOk(agent2, 'call-in:answer', { callInId: event.callInId, answer: 'decline', reason: 'in a refund review' });
    expect(declined.status).toBe('back-office');
    expect(await requestOk(agent2, 'call-in:open', {})).toEqual({});

    const agent1 = await backOfficeAgent('agent1');
    const call1 = calledIn(agent1);
    await requestOk(supervisor, 'supervisor:call-in', { agentId: 'agent1' });
    const accepted = await requestOk(agent1, 'call-in:answer', { callInId: (await call1).callInId, answer: 'accept' });
    expect(accepted.status).toBe('available');
    // an agent may not call colleagues in
    expect(await request(agent1, 'supervisor:call-in', { agentId: 'agent2' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    await outboxDrained(t.redis.url);
    const rows = await query<{ kind: string; agent: string; actor_id: string; reason: string }>(
      t.postgres.url,
      'SELECT kind, agent, actor_id, reason FROM call_in_events ORDER BY at, kind',
    );
    expect(rows.map((r) => [r.kind, r.agent, r.actor_id, r.reason])).toEqual([
      ['made', 'agent2', 'super1', ''],
      ['declined', 'agent2', 'super1', 'in a refund review'],
      ['made', 'agent1', 'super1', ''],
      ['accepted', 'agent1', 'super1', ''],
    ]);

    const byAgent = (await (await get({ from: today(), to: today(), period: 'day', by: 'agent' })).json()) as CallInReport;
    expect(byAgent.rows.map((r) => [r.key, r.label, r.callIns, r.accepted, r.declined, r.expired, r.open])).toEqual([
      ['agent1', '王敏 Wang Min', 1, 1, 0, 0, 0],
      ['agent2', '李强 Li Qiang', 1, 0, 1, 0, 0],
    ]);
    expect(byAgent.totals).toMatchObject({ callIns: 2, accepted: 1, declined: 1, expired: 0, open: 0 });
    expect(byAgent.totals.answerP50S).toEqual(expect.any(Number));
    const byTrigger = (await (await get({ from: today(), to: today(), period: 'month', by: 'trigger' })).json()) as CallInReport;
    expect(byTrigger.rows.map((r) => [r.key, r.callIns])).toEqual([['manual', 2]]);
  });

  it('exports the report as CSV with a BOM and as XLSX, and refuses a bad query and a non-supervisor', async () => {
    const csv = await get({ from: today(), to: today(), period: 'day', by: 'trigger', format: 'csv', lang: 'en' });
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="call-ins-${today()}-${today()}-day-trigger.csv"`);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await csv.arrayBuffer());
    expect(text.startsWith('\uFEFFDay,Trigger,Call-ins,Accepted,Declined,Expired,Open,Answer time p50 (s)\r\n')).toBe(true);
    expect(text).toContain(`${today()},Supervisor,2,1,1,0,0,`);
    const xlsx = await get({ from: today(), to: today(), period: 'day', by: 'queue', format: 'xlsx' });
    expect(xlsx.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const bad = await get({ from: today(), to: today(), period: 'day', by: 'hall' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as HttpErrorResponse).error.code).toBe('VALIDATION_FAILED');
    const reversed = await get({ from: '2025-03-02', to: '2025-03-01', period: 'day', by: 'agent' });
    expect(((await reversed.json()) as HttpErrorResponse).error).toMatchObject({ code: 'VALIDATION_FAILED', message: '`from` must not be after `to`' });
    const agent = await get({ from: today(), to: today(), period: 'day', by: 'agent' }, await t.staffToken('agent1', DEV_PASSWORDS.agent1));
    expect(agent.status).toBe(403);
  });
});
