import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { RecordSearchPage, Report } from '@etax-assist/protocol';
import { MIGRATIONS_DIR, RecordsRetention, RetentionMetrics, connectDatabase, migrate, readMigrations, type DatabasePool } from '@etax-assist/server';
import { PAST_SESSION_ROWS, insertPastSession, rowsOf } from '../harness/past-records.js';
import { query } from '../harness/records.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';

const NONE = { sessions: 0, session_events: 0, chat_messages: 0, attachments: 0, recordings: 0 };
/** The run's clock: with 20 days of retention, sessions created before 2024-03-31 are due. */
const NOW = new Date('2024-04-20T00:00:00Z');

/** Issue 17, item 5: records deleted after SESSION_RETENTION_DAYS, whole sessions, monthly partitions dropped, held sessions kept. */
describe('records retention (real PostgreSQL, rows dated in the past)', () => {
  let t: TestService;
  let database: DatabasePool;
  let registry: Registry;
  let retention: RecordsRetention;
  const partitions = async () =>
    (await query<{ name: string }>(t.postgres.url, "SELECT relname AS name FROM pg_class WHERE relname LIKE 'recordings_2024_%' AND relkind = 'r' ORDER BY 1")).map((r) => r.name);

  beforeAll(async () => {
    // the service's own job (at its start) keeps ten years: it leaves 2024 alone
    t = await startTestService({ SESSION_RETENTION_DAYS: '3650' });
    database = await connectDatabase(
      { url: t.postgres.url, max: 4, connectTimeoutMs: 2000, statementTimeoutMs: 10_000, applicationName: 'retention-test' },
      pino({ level: 'silent' }),
    );
    registry = new Registry();
    // batches of two: the five due sessions take three transactions
    retention = new RecordsRetention(database, { retentionDays: 20, reportDays: 20, batchSize: 2, intervalMs: 60_000 }, new RetentionMetrics(registry), pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await database?.end();
    await t?.stop();
  });

  it('deletes exactly the sessions due with all their parts, drops the partitions no held session is in, keeps held sessions whole', async () => {
    const sessions = {
      january: { id: 'ret-jan', createdAt: '2024-01-10T08:00:00Z' },
      january2: { id: 'ret-jan-2', createdAt: '2024-01-20T08:00:00Z' },
      february: { id: 'ret-feb', createdAt: '2024-02-10T08:00:00Z' },
      february2: { id: 'ret-feb-2', createdAt: '2024-02-11T08:00:00Z' },
      held: { id: 'ret-held', createdAt: '2024-02-12T08:00:00Z' },
      // due, in a partition that ends after the cutoff: its rows are deleted, the partition stays
      march: { id: 'ret-mar', createdAt: '2024-03-25T08:00:00Z' },
      recent: { id: 'ret-recent', createdAt: '2024-04-10T08:00:00Z' },
    };
    for (const session of Object.values(sessions)) await insertPastSession(t.postgres.url, session);
    await query(t.postgres.url, "INSERT INTO legal_holds (session_id, reason, placed_by) VALUES ('ret-held', 'tax audit 2024-17', 'admin1')");
    // a released hold keeps nothing
    await query(t.postgres.url, "INSERT INTO legal_holds (session_id, reason, placed_by, released_by, released_at) VALUES ('ret-feb-2', 'old audit', 'admin1', 'admin1', now())");
    // parts of a session whose row never came (its Redis lost): deleted by their own time
    await query(
      t.postgres.url,
      "INSERT INTO session_events (event_id, session_id, at, kind) VALUES ('orphan-1', 'ret-orphan', '2024-02-01T00:00:00Z', 'state'), ('orphan-2', 'ret-orphan-new', '2024-04-15T00:00:00Z', 'state')",
    );
    await query(t.postgres.url, "INSERT INTO erased_sessions (session_id, erased_at) VALUES ('erased-old', '2024-01-01T00:00:00Z'), ('erased-new', '2024-04-19T00:00:00Z')");
    // the agents' activity goes by its own time (no session holds it)
    await query(
      t.postgres.url,
      "INSERT INTO agent_activity (event_id, agent, at, status, wrap, load, capacity) VALUES ('1-0', 'agent1', '2024-03-30T23:59:59Z', 'available', false, 0, 5), ('2-0', 'agent1', '2024-03-31T00:00:00Z', 'away', false, 0, 5)",
    );
    expect(await partitions()).toEqual(['recordings_2024_01', 'recordings_2024_02', 'recordings_2024_03', 'recordings_2024_04']);

    const run = await retention.run(NOW);
    expect(run?.cutoff.toISOString()).toBe('2024-03-31T00:00:00.000Z');
    expect(run?.droppedPartitions).toEqual(['recordings_2024_01']);
    // january's recordings went with their partition (not counted as rows)
    expect(run?.deleted).toEqual({ sessions: 5, session_events: 5 * 2 + 1, chat_messages: 5, attachments: 5, recordings: 3 * 2 });
    expect(await partitions()).toEqual(['recordings_2024_02', 'recordings_2024_03', 'recordings_2024_04']);
    for (const session of [sessions.january, sessions.january2, sessions.february, sessions.february2, sessions.march])
      expect(await rowsOf(t.postgres.url, session.id)).toEqual(NONE);
    for (const session of [sessions.held, sessions.recent]) expect(await rowsOf(t.postgres.url, session.id)).toEqual(PAST_SESSION_ROWS);
    expect(await query(t.postgres.url, "SELECT event_id FROM session_events WHERE event_id LIKE 'orphan-%'")).toEqual([{ event_id: 'orphan-2' }]);
    expect(await query(t.postgres.url, 'SELECT session_id FROM erased_sessions')).toEqual([{ session_id: 'erased-new' }]);
    expect(run?.deletedActivity).toBe(1);
    expect(await query(t.postgres.url, 'SELECT event_id FROM agent_activity')).toEqual([{ event_id: '2-0' }]);

    const metrics = await registry.metrics();
    expect(metrics).toMatch(/etax_retention_deleted_rows_total\{table="sessions"\} 5/);
    expect(metrics).toMatch(/etax_retention_deleted_rows_total\{table="agent_activity"\} 1/);
    expect(metrics).toMatch(/etax_retention_dropped_partitions_total 1/);
    expect(metrics).toMatch(/etax_retention_last_run_timestamp_seconds [1-9]/);

    // nothing more is due; once the hold is released the held session (and its partition) go too
    expect((await retention.run(NOW))?.deleted).toEqual(NONE);
    await query(t.postgres.url, "UPDATE legal_holds SET released_by = 'admin1', released_at = now() WHERE session_id = 'ret-held'");
    const released = await retention.run(NOW);
    expect(released?.droppedPartitions).toEqual(['recordings_2024_02']);
    expect(await rowsOf(t.postgres.url, sessions.held.id)).toEqual(NONE);
    expect(await rowsOf(t.postgres.url, sessions.recent.id)).toEqual(PAST_SESSION_ROWS);
  });

  it('runs on one instance at a time: while another holds the lock a run does nothing', async () => {
    await insertPastSession(t.postgres.url, { id: 'ret-locked', createdAt: '2024-03-01T08:00:00Z' });
    const other = await database.connect();
    try {
      await other.query("SELECT pg_advisory_lock(hashtext('etax-assist records retention'))");
      expect(await retention.run(NOW)).toBeUndefined();
      expect(await rowsOf(t.postgres.url, 'ret-locked')).toEqual(PAST_SESSION_ROWS);
    } finally {
      await other.query("SELECT pg_advisory_unlock(hashtext('etax-assist records retention'))");
      other.release();
    }
    expect((await retention.run(NOW))?.deleted.sessions).toBe(1);
    expect(await rowsOf(t.postgres.url, 'ret-locked')).toEqual(NONE);
  });

  it('past the record retention a session stays for the reports, anonymised, until REPORT_RETENTION_DAYS; the record no longer shows it', async () => {
    // the record kept 20 days (cutoff 2024-03-31), the reports 60 (2024-02-20)
    const reporting = new RecordsRetention(
      database,
      { retentionDays: 20, reportDays: 60, batchSize: 2, intervalMs: 60_000 },
      new RetentionMetrics(new Registry()),
      pino({ level: 'silent' }),
    );
    const sessions = { reportOnly: 'report-mar', gone: 'report-feb', held: 'report-held', recent: 'report-recent' };
    await insertPastSession(t.postgres.url, { id: sessions.reportOnly, createdAt: '2024-03-20T08:00:00Z', sub: 'tp-reported' });
    await insertPastSession(t.postgres.url, { id: sessions.gone, createdAt: '2024-02-15T08:00:00Z', sub: 'tp-reported' });
    await insertPastSession(t.postgres.url, { id: sessions.held, createdAt: '2024-03-21T08:00:00Z', sub: 'tp-reported' });
    await insertPastSession(t.postgres.url, { id: sessions.recent, createdAt: '2024-04-10T08:00:00Z', sub: 'tp-reported' });
    await query(
      t.postgres.url,
      "UPDATE sessions SET active_at = created_at + interval '4 seconds', agent = 'agent1', agents = '{agent1}', wait_ms = 4000, handling_ms = 600000, outcome = 'resolved', rating = 4, notes = 'called back on 138…', rating_comment = '张三 thanks', question = '我的退税（张三）没到账' WHERE id LIKE 'report-%'",
    );
    await query(t.postgres.url, "INSERT INTO legal_holds (session_id, reason, placed_by) VALUES ('report-held', 'tax audit', 'admin1')");

    const run = await reporting.run(NOW);
    expect(run?.reportCutoff.toISOString()).toBe('2024-02-20T00:00:00.000Z');
    expect(run?.anonymised).toBe(1);
    expect(await rowsOf(t.postgres.url, sessions.gone)).toEqual(NONE);
    expect(await rowsOf(t.postgres.url, sessions.reportOnly)).toEqual({ ...NONE, sessions: 1 });
    for (const id of [sessions.held, sessions.recent]) expect(await rowsOf(t.postgres.url, id)).toEqual(PAST_SESSION_ROWS);
    // nothing of the taxpayer is left in the row; the figures are
    const [row] = await query<Record<string, unknown>>(
      t.postgres.url,
      'SELECT taxpayer_sub, taxpayer_name, taxpayer_id, company, entry_page, notes, rating_comment, question, topic, agent, wait_ms, handling_ms, outcome, rating, anonymised_at IS NOT NULL AS anonymised FROM sessions WHERE id = $1',
      [sessions.reportOnly],
    );
    expect(row).toEqual({
      taxpayer_sub: '',
      taxpayer_name: '',
      taxpayer_id: '',
      company: '',
      entry_page: '',
      notes: '',
      rating_comment: '',
      question: '',
      topic: 'invoice',
      agent: 'agent1',
      wait_ms: 4000,
      handling_ms: 600000,
      outcome: 'resolved',
      rating: 4,
      anonymised: true,
    });

    const supervisor = await t.staffToken('super1', DEV_PASSWORDS.super1);
    const get = (path: string) => fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${supervisor}` } });
    const found = (await (await get('/api/records/sessions?from=2024-03-19T00:00:00Z&to=2024-03-23T00:00:00Z')).json()) as RecordSearchPage;
    expect(found.sessions.map((s) => s.sessionId)).toEqual([sessions.held]);
    expect((await get(`/api/records/sessions/${sessions.reportOnly}`)).status).toBe(404);
    // nothing is left to hold
    const admin = await t.staffToken('admin1', 'admin1-pass');
    const hold = await fetch(`${t.url}/api/records/holds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: sessions.reportOnly, reason: 'too late' }),
    });
    expect(hold.status).toBe(404);
    // the reports still count it: the held session and the anonymised one in March 2024
    const march = (await (await get('/api/reports/sessions?from=2024-03-01&to=2024-03-31&period=month')).json()) as Report;
    expect(march.rows[0]).toMatchObject({ requests: 2, answered: 2, handlingMeanS: 600, ratings: 2, ratingMean: 4 });

    // nothing more to anonymise; once past REPORT_RETENTION_DAYS too the row goes
    expect((await reporting.run(NOW))?.anonymised).toBe(0);
    const later = await reporting.run(new Date('2024-05-30T00:00:00Z'));
    expect(later?.deleted.sessions).toBeGreaterThanOrEqual(1);
    expect(await rowsOf(t.postgres.url, sessions.reportOnly)).toEqual(NONE);
    // the held one whole (its events one more: the search above listed it, which its audit trail records)
    expect(await rowsOf(t.postgres.url, sessions.held)).toEqual({ ...PAST_SESSION_ROWS, session_events: PAST_SESSION_ROWS.session_events + 1 });
  });

  it('the service runs it at start and reports it in its metrics', async () => {
    expect(await t.metricsText()).toMatch(/etax_retention_last_run_timestamp_seconds [1-9]/);
  });

  it('0002_retention.sql moves a database of the previous version forward, keeping its rows', async () => {
    const url = await t.postgres.createDatabase();
    const previous = mkdtempSync(join(tmpdir(), 'etax-migrations-'));
    const log = pino({ level: 'silent' });
    const db = await connectDatabase({ url, max: 2, connectTimeoutMs: 2000, statementTimeoutMs: 10_000, applicationName: 'retention-test' }, log);
    try {
      const migrations = readMigrations(MIGRATIONS_DIR);
      const retentionVersion = migrations.find((m) => m.name === 'retention')!.version;
      for (const m of migrations.filter((m) => m.version < retentionVersion))
        copyFileSync(join(MIGRATIONS_DIR, `${String(m.version).padStart(4, '0')}_${m.name}.sql`), join(previous, `${String(m.version).padStart(4, '0')}_${m.name}.sql`));
      await migrate(db, previous, log);
      await insertPastSession(url, { id: 'before-0002', createdAt: '2024-02-10T08:00:00Z' });
      expect(await migrate(db, MIGRATIONS_DIR, log)).toContain(retentionVersion);
      expect(await rowsOf(url, 'before-0002')).toEqual(PAST_SESSION_ROWS);
      await db.query("INSERT INTO legal_holds (session_id, reason, placed_by) VALUES ('before-0002', 'audit', 'admin1')");
      await expect(db.query("INSERT INTO legal_holds (session_id, reason, placed_by) VALUES ('before-0002', 'twice', 'admin1')")).rejects.toThrow(/legal_holds_in_force/);
    } finally {
      await db.end();
      rmSync(previous, { recursive: true, force: true });
    }
  });
});
