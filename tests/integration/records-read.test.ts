import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry, RecordSearchPage, SessionRecord } from '@etax-assist/protocol';
import { searchStatement } from '@etax-assist/server';
import { outboxDrained, query } from '../harness/records.js';
import { ADMIN_PASSWORD } from '../harness/kiosk-device.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession } from '../harness/session.js';
import { connectSocket, request, requestOk } from '../harness/socket.js';

/** Seeded sessions: two per start time (ties the keyset must order by id), 67 minutes apart, over ~186 days. */
const SEEDED = 4000;
const SEED_FROM = Date.parse('2025-01-01T00:00:00.000Z');
const STEP_MS = 67 * 60_000;

interface Seeded {
  id: string;
  state: string;
  created_at: Date;
  taxpayer_sub: string;
  taxpayer_id: string;
  entry_kind: string;
  hall: string | null;
  kiosk_id: string | null;
  topic: string;
  outcome: string | null;
  agents: string[];
  experts: string[];
}

/** The sessions table's rows made by SQL (thousands in one statement): every filter has its share. */
const SEED_SQL = `
  INSERT INTO sessions (id, state, created_at, ended_at, abandoned_at, taxpayer_sub, taxpayer_name, taxpayer_id, entry_kind, entry_page, kiosk_id, hall,
                        topic, language, channel, priority, agent, agents, experts, wait_ms, handling_ms, notes, outcome, rating)
  SELECT 'seed-' || lpad(i::text, 5, '0'),
         CASE WHEN i % 11 = 0 THEN 'abandoned' ELSE 'ended' END,
         $1::timestamptz + (i / 2) * $2::bigint * interval '1 millisecond',
         CASE WHEN i % 11 = 0 THEN NULL ELSE $1::timestamptz + (i / 2) * $2::bigint * interval '1 millisecond' + interval '10 minutes' END,
         CASE WHEN i % 11 = 0 THEN $1::timestamptz + (i / 2) * $2::bigint * interval '1 millisecond' + interval '3 minutes' END,
         'tp-' || (i % 50), '纳税人' || (i % 50), 'TID' || (i % 50),
         CASE WHEN i % 5 = 0 THEN 'kiosk' ELSE 'portal' END,
         CASE WHEN i % 5 = 0 THEN NULL ELSE '/declare' END,
         CASE WHEN i % 5 = 0 THEN 'kiosk-' || (i % 3) END,
         CASE WHEN i % 5 = 0 THEN 'hall-' || (i % 4) END,
         (ARRAY['invoice', 'refund', 'registration'])[i % 3 + 1], 'zh', 'text', 'normal',
         CASE WHEN i % 11 = 0 THEN NULL ELSE 'agent' || (i % 7) END,
         CASE WHEN i % 11 = 0 THEN '{}'::text[] ELSE ARRAY['agent' || (i % 7)] END,
         CASE WHEN i % 10 = 0 THEN ARRAY['expert1'] ELSE '{}'::text[] END,
         1000 + i, CASE WHEN i % 11 = 0 THEN NULL ELSE 60000 + i END, '', 
         CASE WHEN i % 11 = 0 THEN NULL ELSE (ARRAY['resolved', 'follow-up'])[i % 2 + 1] END,
         CASE WHEN i % 4 = 0 THEN 1 + i % 5 END
  FROM generate_series(0, $3 - 1) AS i`;

/** Issue 17, item 6: supervisors search the record and open a session's audit trail and chat; agents page a taxpayer's history. */
describe('reading the record (real PostgreSQL and Redis)', () => {
  let t: TestService;
  let supervisor: string;
  let seeded: Seeded[];
  const get = (path: string, token: string | undefined) => fetch(`${t.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const search = (q: Record<string, string | number>, token = supervisor) =>
    get(`/api/records/sessions?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]))}`, token);

  beforeAll(async () => {
    t = await startTestService({ ARCHIVE_BLOCK_MS: '100', RECORDS_SEARCH_MAX_DAYS: '92', RECORDS_PAGE_MAX: '100' });
    await query(t.postgres.url, SEED_SQL, [new Date(SEED_FROM).toISOString(), STEP_MS, SEEDED]);
    await query(t.postgres.url, 'ANALYZE sessions');
    seeded = await query<Seeded>(t.postgres.url, "SELECT * FROM sessions WHERE id LIKE 'seed-%'");
    supervisor = await t.staffToken('super1', DEV_PASSWORDS.super1);
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** Every page of a search, following `next`: the ids in the order listed. */
  async function allPages(q: Record<string, string | number>): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const response = await search(cursor ? { ...q, cursor } : q);
      expect(response.status).toBe(200);
      const body = (await response.json()) as RecordSearchPage;
      ids.push(...body.sessions.map((s) => s.sessionId));
      cursor = body.next;
      pages++;
    } while (cursor);
    return { ids, pages };
  }

  /** What a search must list: the seeded rows it matches, newest first (ties: the greater id first). */
  function expected(from: string, to: string, match: (row: Seeded) => boolean): string[] {
    return seeded
      .filter((row) => row.created_at.getTime() >= Date.parse(from) && row.created_at.getTime() < Date.parse(to) && match(row))
      .sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? 1 : -1))
      .map((row) => row.id);
  }

  const FROM = '2025-02-01T00:00:00.000Z';
  const TO = '2025-04-30T00:00:00.000Z';
  const FILTERS: [string, Record<string, string>, (row: Seeded) => boolean][] = [
    ['the date range alone', {}, () => true],
    ['taxpayer by sub', { taxpayer: 'tp-7' }, (r) => r.taxpayer_sub === 'tp-7'],
    ['taxpayer by tax id', { taxpayer: 'TID12' }, (r) => r.taxpayer_id === 'TID12'],
    ['agent', { agent: 'agent3' }, (r) => r.agents.includes('agent3')],
    ['expert', { agent: 'expert1' }, (r) => r.experts.includes('expert1')],
    ['hall', { hall: 'hall-2' }, (r) => r.entry_kind === 'kiosk' && r.hall === 'hall-2'],
    ['kiosk', { kiosk: 'kiosk-1' }, (r) => r.entry_kind === 'kiosk' && r.kiosk_id === 'kiosk-1'],
    ['topic', { topic: 'refund' }, (r) => r.topic === 'refund'],
    ['outcome', { outcome: 'follow-up' }, (r) => r.outcome === 'follow-up'],
    ['state', { state: 'abandoned' }, (r) => r.state === 'abandoned'],
    ['topic and hall together', { topic: 'invoice', hall: 'hall-0' }, (r) => r.topic === 'invoice' && r.entry_kind === 'kiosk' && r.hall === 'hall-0'],
  ];

  it.each(FILTERS)('filters by %s, paging without gaps or repeats', async (_name, filter, match) => {
    const want = expected(FROM, TO, match);
    expect(want.length).toBeGreaterThan(0);
    const { ids, pages } = await allPages({ from: FROM, to: TO, limit: 37, ...filter });
    expect(ids).toEqual(want);
    expect(pages).toBe(Math.ceil(want.length / 37));
  });

  it('lists what a session was: its taxpayer, entry, who served it, wait, handling, outcome, rating', async () => {
    const body = (await (await search({ from: FROM, to: TO, kiosk: 'kiosk-0', limit: 1 })).json()) as RecordSearchPage;
    const row = seeded.find((r) => r.id === body.sessions[0]?.sessionId) as Seeded;
    expect(body.sessions[0]).toMatchObject({
      state: row.state,
      createdAt: row.created_at.toISOString(),
      taxpayer: { sub: row.taxpayer_sub, taxpayerId: row.taxpayer_id },
      entry: { kind: 'kiosk', kioskId: 'kiosk-0', hall: row.hall },
      topic: row.topic,
      agents: row.agents,
      experts: row.experts,
    });
    expect(body.next).toBeDefined();
  });

  it('uses an index for every filter (no sequential scan of sessions)', async () => {
    const config = { searchMaxDays: 92, pageMax: 100 };
    for (const [, filter] of FILTERS) {
      const { sql, values } = searchStatement({ from: FROM, to: TO, limit: 50, ...filter }, config);
      const plan = (await query<{ 'QUERY PLAN': string }>(t.postgres.url, `EXPLAIN ${sql}`, values)).map((line) => line['QUERY PLAN']).join('\n');
      expect(plan, `${JSON.stringify(filter)}\n${plan}`).not.toMatch(/Seq Scan on sessions/);
    }
  });

  it('refuses a range too long or backwards, a page too large, a bad cursor, unknown or malformed filters with 400 and a code', async () => {
    const refusals: [Record<string, string | number>, string][] = [
      [{ from: '2025-01-01T00:00:00Z', to: '2025-04-04T00:00:00Z' }, 'at most 92 days'],
      [{ from: TO, to: FROM }, 'must be before'],
      [{ from: FROM, to: TO, limit: 101 }, 'at most 100 sessions'],
      [{ from: FROM, to: TO, limit: 0 }, 'Invalid request'],
      [{ from: FROM, to: TO, cursor: 'bm90LWEtY3Vyc29y' }, 'Invalid cursor'],
      [{ from: FROM, to: TO, colour: 'red' }, 'Invalid request'],
      [{ from: 'yesterday', to: TO }, 'Invalid request'],
      [{ to: TO }, 'Invalid request'],
      [{ from: FROM, to: TO, state: 'active' }, 'Invalid request'],
    ];
    for (const [q, message] of refusals) {
      const response = await search(q);
      expect(response.status, JSON.stringify(q)).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(body.error.message).toContain(message);
    }
  });

  it('answers supervisors only: agents, experts and taxpayers get 403 FORBIDDEN, no token 401', async () => {
    for (const token of [await t.staffToken('agent1', DEV_PASSWORDS.agent1), await t.staffToken('expert1', DEV_PASSWORDS.expert1), t.taxpayerToken()]) {
      for (const path of [`/api/records/sessions?from=${FROM}&to=${TO}`, '/api/records/sessions/seed-00001']) {
        const response = await get(path, token);
        expect(response.status).toBe(403);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      }
    }
    expect((await get(`/api/records/sessions?from=${FROM}&to=${TO}`, undefined)).status).toBe(401);
  });

  it('records every search page in the trail of each session it listed: who searched, and for what', async () => {
    const listed = () =>
      query<{ session_id: string; actor_role: string; actor_id: string; details: unknown }>(
        t.postgres.url,
        "SELECT session_id, actor_role, actor_id, details FROM session_events WHERE kind = 'record-listed' AND details->'query'->>'taxpayer' = 'tp-3' ORDER BY session_id",
      );
    expect(await listed()).toEqual([]);
    const body = (await (await search({ from: FROM, to: TO, taxpayer: 'tp-3', limit: 5 })).json()) as RecordSearchPage;
    expect(body.sessions).toHaveLength(5);
    const q = { from: FROM, to: TO, taxpayer: 'tp-3', limit: 5 };
    expect(await listed()).toEqual(
      body.sessions
        .map((s) => ({ session_id: s.sessionId, actor_role: 'supervisor', actor_id: 'super1', details: { query: q } }))
        .sort((a, b) => (a.session_id < b.session_id ? -1 : 1)),
    );
    // a refused search showed nothing: nothing recorded
    await search({ from: TO, to: FROM, taxpayer: 'tp-3' });
    expect(await listed()).toHaveLength(5);
  });

  it('opens a session: its row, its audit trail in time order a page at a time, its chat; and records that it was opened', async () => {
    const id = 'seed-00042';
    const at = (s: number) => new Date(SEED_FROM + 21 * STEP_MS + s * 1000).toISOString();
    const events = Array.from({ length: 7 }, (_, i) => ({
      event_id: `${SEED_FROM + i}-0`,
      session_id: id,
      at: at(i),
      kind: i === 3 ? 'monitor' : 'state',
      actor_role: 'agent',
      actor_id: 'agent0',
      details: { state: `s${i}` },
    }));
    await query(t.postgres.url, 'INSERT INTO session_events SELECT * FROM jsonb_populate_recordset(NULL::session_events, $1::jsonb)', [JSON.stringify(events)]);
    await query(
      t.postgres.url,
      'INSERT INTO chat_messages (session_id, id, at, from_role, from_id, from_name, text) VALUES ($1, $2, $3, $4, $5, $6, $7), ($1, $8, $9, $10, $11, $12, $13)',
      [id, '1-0', at(1), 'taxpayer', 'tp-42', '纳税人42', '您好', '2-0', at(2), 'agent', 'agent0', '王敏', '请讲'],
    );
    const trail: string[] = [];
    let cursor: string | undefined;
    let first: SessionRecord | undefined;
    do {
      const response = await get(`/api/records/sessions/${id}?limit=3${cursor ? `&cursor=${cursor}` : ''}`, supervisor);
      expect(response.status).toBe(200);
      const record = (await response.json()) as SessionRecord;
      first ??= record;
      trail.push(...record.events.map((e) => e.id));
      cursor = record.eventsNext;
    } while (cursor);
    // the trail as it was, then the views of its first pages (read meanwhile: the trail is live)
    expect(trail.slice(0, events.length)).toEqual(events.map((e) => e.event_id));
    expect(trail.slice(events.length).every((e) => e.startsWith('view:'))).toBe(true);
    expect(first?.session).toMatchObject({
      sessionId: id,
      state: 'ended',
      taxpayer: { sub: 'tp-42' },
      agents: ['agent0'],
      experts: [],
      outcome: 'resolved',
      waitMs: 1042,
      handlingMs: 60042,
    });
    expect(Object.keys(first?.session.stateTimes ?? {})).toEqual(['ended']);
    expect(first?.events[0]).toEqual({ id: events[0]?.event_id, at: at(0), kind: 'state', actor: { role: 'agent', id: 'agent0' }, details: { state: 's0' } });
    expect(first?.chat.map((m) => [m.from.role, m.from.name, m.text])).toEqual([
      ['taxpayer', '纳税人42', '您好'],
      ['agent', '王敏', '请讲'],
    ]);
    // three pages read, three record-viewed rows by the supervisor, and the next read lists them in the trail
    const viewed = await query<{ actor_role: string; actor_id: string }>(
      t.postgres.url,
      "SELECT actor_role, actor_id FROM session_events WHERE session_id = $1 AND kind = 'record-viewed'",
      [id],
    );
    expect(viewed).toEqual(Array.from({ length: 3 }, () => ({ actor_role: 'supervisor', actor_id: 'super1' })));
    const again = (await (await get(`/api/records/sessions/${id}`, supervisor)).json()) as SessionRecord;
    expect(again.events.filter((e) => e.kind === 'record-viewed').map((e) => e.actor)).toEqual(viewed.map(() => ({ role: 'supervisor', id: 'super1' })));
  });

  it("names the staff by the directory's current names: who served a listed session, who acted in a record's trail; a renamed member by the new name", async () => {
    const listed = (await (await search({ from: FROM, to: TO, agent: 'agent3', limit: 5 })).json()) as RecordSearchPage;
    expect(listed.sessions.length).toBe(5);
    expect(listed.staffNames.agent3).toBe('陈静 Chen Jing');
    // a sub the directory does not hold (the seeded agent0) has no name: the console shows the sub
    for (const sub of Object.keys(listed.staffNames)) expect(listed.sessions.some((s) => s.agents.includes(sub) || s.experts.includes(sub))).toBe(true);
    expect(listed.staffNames).not.toHaveProperty('agent0');

    const admin = await t.staffToken('admin1', ADMIN_PASSWORD);
    const renamed = await fetch(`${t.url}/api/staff/agent3`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '陈静怡 Chen Jingyi' }),
    });
    expect(renamed.status).toBe(200);
    const again = (await (await search({ from: FROM, to: TO, agent: 'agent3', limit: 5 })).json()) as RecordSearchPage;
    expect(again.staffNames.agent3).toBe('陈静怡 Chen Jingyi');

    // a record's trail: the supervisor who opened it before is named; its seeded agent (not in the directory) is not
    const open = async () => (await (await get(`/api/records/sessions/seed-00049`, supervisor)).json()) as SessionRecord;
    await open();
    const record = await open();
    expect(record.events.some((e) => e.actor?.id === 'super1')).toBe(true);
    expect(record.staffNames.super1).toBe('刘芳 Liu Fang');
    expect(record.session.agents).toContain('agent0');
    expect(record.staffNames).not.toHaveProperty('agent0');
  });

  it('refuses an unknown session with 404, a bad id or cursor with 400, and records nothing for them', async () => {
    const refused = [
      ['/api/records/sessions/no-such-session-1', 404, 'NOT_FOUND'],
      ['/api/records/sessions/bad%20id', 400, 'VALIDATION_FAILED'],
      ['/api/records/sessions/seed-00043?cursor=WyJ4IiwieSJd', 400, 'VALIDATION_FAILED'],
      ['/api/records/sessions/seed-00043?limit=101', 400, 'VALIDATION_FAILED'],
    ] as const;
    for (const [path, status, code] of refused) {
      const response = await get(path, supervisor);
      expect(response.status, path).toBe(status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    expect(await query(t.postgres.url, "SELECT 1 FROM session_events WHERE session_id IN ('no-such-session-1', 'seed-00043') AND kind = 'record-viewed'")).toEqual([]);
  });

  it("pages the taxpayer's earlier sessions from the record for the agent serving them, newest first, records each view, and refuses while PostgreSQL is away", async () => {
    const agent = { username: 'agent1', password: DEV_PASSWORDS.agent1 };
    // a session served and wrapped up a moment ago: in the record through the archiver
    const earlier = await activeSession(t, 'tp-history', agent, 'text');
    await requestOk(earlier.agent.socket, 'session:end', { sessionId: earlier.sessionId });
    await requestOk(earlier.agent.socket, 'session:wrap-up', { sessionId: earlier.sessionId, notes: '已开票', outcome: 'resolved' });
    for (const socket of [earlier.agent.socket, earlier.taxpayer.socket]) socket.close();
    await outboxDrained(t.redis.url);
    // and older ones, up to the retention's age
    await query(t.postgres.url, "UPDATE sessions SET taxpayer_sub = 'tp-history' WHERE taxpayer_sub = 'tp-49'");
    const older = seeded.filter((r) => r.taxpayer_sub === 'tp-49' && r.state === 'ended').sort((a, b) => b.created_at.getTime() - a.created_at.getTime());

    const now = await activeSession(t, 'tp-history', agent, 'text');
    const entries: HistoryEntry[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const result = await requestOk(now.agent.socket, 'taxpayer:history', cursor ? { sessionId: now.sessionId, limit: 25, cursor } : { sessionId: now.sessionId, limit: 25 });
      entries.push(...result.entries);
      cursor = result.next;
      pages++;
    } while (cursor);
    expect(entries.map((e) => e.sessionId)).toEqual([earlier.sessionId, ...older.map((r) => r.id)]);
    expect(entries[0]).toMatchObject({ channel: 'text', topic: 'invoice', agentName: '王敏 Wang Min', notes: '已开票', outcome: 'resolved' });
    expect(pages).toBe(Math.ceil(entries.length / 25));
    const viewed = await query<{ actor_id: string; details: { taxpayerSub: string; sessions: string[] } }>(
      t.postgres.url,
      "SELECT actor_id, details FROM session_events WHERE session_id = $1 AND kind = 'history-viewed' ORDER BY at",
      [now.sessionId],
    );
    expect(viewed.map((v) => v.actor_id)).toEqual(Array.from({ length: pages }, () => 'agent1'));
    expect(viewed.flatMap((v) => v.details.sessions)).toEqual(entries.map((e) => e.sessionId));

    // the existing rule: only the taxpayer of a session one takes part in; taxpayers never
    const other = await connectSocket(t.url, await t.staffToken('agent2', DEV_PASSWORDS.agent2));
    const refused = await request(other, 'taxpayer:history', { sessionId: now.sessionId });
    expect(refused.ok ? undefined : refused.error.code).toBe('NOT_FOUND');
    const own = await request(now.taxpayer.socket, 'taxpayer:history', { sessionId: now.sessionId });
    expect(own.ok ? undefined : own.error.code).toBe('FORBIDDEN');
    const badCursor = await request(now.agent.socket, 'taxpayer:history', { sessionId: now.sessionId, cursor: 'WyJ4IiwieSJd' });
    expect(badCursor.ok ? undefined : badCursor.error.code).toBe('VALIDATION_FAILED');

    // PostgreSQL away: a read it cannot record is not shown (UNAVAILABLE, retryable); back, it reads again
    await t.postgres.pause();
    try {
      for (const path of [`/api/records/sessions?from=${FROM}&to=${TO}`, '/api/records/sessions/seed-00001']) {
        const response = await get(path, supervisor);
        expect(response.status, path).toBe(503);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UNAVAILABLE');
      }
      const away = await request(now.agent.socket, 'taxpayer:history', { sessionId: now.sessionId });
      expect(away.ok ? undefined : away.error.code).toBe('UNAVAILABLE');
    } finally {
      await t.postgres.start();
    }
    await expect.poll(async () => (await search({ from: FROM, to: TO, limit: 1 })).status, { timeout: 10_000 }).toBe(200);
    expect((await requestOk(now.agent.socket, 'taxpayer:history', { sessionId: now.sessionId })).entries.length).toBe(20);
    for (const socket of [other, now.agent.socket, now.taxpayer.socket]) socket.close();
  });
});
