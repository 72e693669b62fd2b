import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, connectDatabase, EmbeddedPostgres, migrate, MigrationError, MIGRATIONS_DIR, readMigrations, type DatabasePool } from '@etax-assist/server';
import { startTestPostgres, type TestPostgres } from '../harness/postgres.js';
import { startTestService } from '../harness/service.js';

const log = pino({ level: 'silent' });

/** Issue 17, first step: the schema's migrations and the first schema, on a real PostgreSQL. */
describe('schema migrations', () => {
  let server: TestPostgres;
  const pools: DatabasePool[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await server.stop();
  });

  /** A pool on a new empty database (several pools on one database when given its URL). */
  async function pool(url?: string): Promise<DatabasePool> {
    const opened = await connectDatabase(
      { url: url ?? (await server.createDatabase()), max: 2, connectTimeoutMs: 5000, statementTimeoutMs: 10_000, applicationName: 'migration test' },
      log,
    );
    pools.push(opened);
    return opened;
  }

  /** A migrations directory holding these files. */
  function migrations(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'etax-migrations-'));
    dirs.push(dir);
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
    return dir;
  }

  const V1 = { '0001_widgets.sql': 'CREATE TABLE widgets (id integer PRIMARY KEY);' };
  const V2 = { ...V1, '0002_widget_names.sql': "ALTER TABLE widgets ADD COLUMN name text NOT NULL DEFAULT 'unnamed';" };

  it("brings an empty database to the repository's schema once; a second start applies nothing", async () => {
    const db = await pool();
    const repository = readMigrations(MIGRATIONS_DIR);
    expect(await migrate(db, MIGRATIONS_DIR, log)).toEqual(repository.map((m) => m.version));
    const tables = await db.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename !~ '^recordings_\\d' ORDER BY 1");
    expect(tables.rows.map((r) => r.name)).toEqual(expect.arrayContaining(['attachments', 'chat_messages', 'recordings', 'schema_migrations', 'session_events', 'sessions']));
    const applied = await db.query('SELECT version, name, length(checksum) AS length FROM schema_migrations ORDER BY version');
    expect(applied.rows).toEqual(repository.map(({ version, name }) => ({ version, name, length: 64 })));
    expect(await migrate(db, MIGRATIONS_DIR, log)).toEqual([]);
  });

  it('moves a database of the previous version forward, keeping its rows', async () => {
    const db = await pool();
    expect(await migrate(db, migrations(V1), log)).toEqual([1]);
    await db.query('INSERT INTO widgets (id) VALUES (7)');
    expect(await migrate(db, migrations(V2), log)).toEqual([2]);
    expect((await db.query('SELECT id, name FROM widgets')).rows).toEqual([{ id: 7, name: 'unnamed' }]);
  });

  it('refuses to start when an applied migration was changed, or when the database is newer than the service', async () => {
    const db = await pool();
    await migrate(db, migrations(V2), log);
    const changed = migrations({ ...V2, '0001_widgets.sql': 'CREATE TABLE widgets (id bigint PRIMARY KEY);' });
    await expect(migrate(db, changed, log)).rejects.toThrow(
      new MigrationError('migration 0001_widgets.sql was changed after it was applied: restore it and add a new migration instead'),
    );
    await expect(migrate(db, migrations(V1), log)).rejects.toThrow(/schema version 2, newer than this service knows \(1\)/);
  });

  it('refuses misnamed or misnumbered files before touching the database', async () => {
    const db = await pool();
    await expect(migrate(db, migrations({ ...V1, '0003_gap.sql': 'SELECT 1;' }), log)).rejects.toThrow(/0003_gap\.sql: expected migration number 0002/);
    await expect(migrate(db, migrations({ ...V1, '2_Bad-Name.sql': 'SELECT 1;' }), log)).rejects.toThrow(/a migration is named NNNN_name\.sql/);
    expect((await db.query<{ t: string | null }>("SELECT to_regclass('schema_migrations') AS t")).rows[0]?.t).toBeNull();
  });

  it('applies nothing of a failing migration, and says which one failed', async () => {
    const db = await pool();
    const broken = migrations({ ...V1, '0002_broken.sql': 'ALTER TABLE widgets ADD COLUMN size integer; SELECT no_such_function();' });
    await expect(migrate(db, broken, log)).rejects.toThrow(/migration 0002_broken\.sql failed: function no_such_function\(\) does not exist/);
    expect((await db.query('SELECT version FROM schema_migrations')).rows).toEqual([{ version: 1 }]);
    expect((await db.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'widgets'")).rows).toEqual([{ column_name: 'id' }]);
  });

  it('migrates once when several instances start together', async () => {
    const url = await server.createDatabase();
    const instances = await Promise.all([pool(url), pool(url), pool(url)]);
    const dir = migrations({ ...V1, '0002_slow.sql': 'SELECT pg_sleep(0.3); ALTER TABLE widgets ADD COLUMN size integer;' });
    const results = await Promise.all(instances.map((db) => migrate(db, dir, log)));
    expect(results.flat().sort()).toEqual([1, 2]);
    expect((await instances[0].query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')).rows[0]?.n).toBe(2);
  });
});

describe('the embedded server', () => {
  it('refuses at once, and stops the server again, when the cluster does not take the password kept for it', async () => {
    const server = await startTestPostgres();
    try {
      await server.pause();
      const started = Date.now();
      await expect(
        EmbeddedPostgres.start({ binDir: undefined, port: server.port, dir: server.dir, password: 'not-the-password', startTimeoutMs: 30_000, log, durable: false }),
      ).rejects.toThrow(/refuses the password kept for it/);
      expect(Date.now() - started).toBeLessThan(10_000);
      // the cluster is intact and free for its own server again
      await server.start();
      const db = await connectDatabase({ url: server.url, max: 1, connectTimeoutMs: 5000, statementTimeoutMs: 10_000, applicationName: 'password test' }, log);
      await db.end();
    } finally {
      await server.stop();
    }
  });

  it('a pool closed just before its server stops leaves no connection for the server to cut', async () => {
    const server = await startTestPostgres();
    try {
      for (let round = 0; round < 5; round++) {
        const db = await connectDatabase({ url: server.url, max: 8, connectTimeoutMs: 5000, statementTimeoutMs: 10_000, applicationName: 'close test' }, log);
        const errors: string[] = [];
        db.on('error', (error) => errors.push(error.message));
        await Promise.all(Array.from({ length: 8 }, () => db.query('SELECT pg_sleep(0.01)')));
        expect(db.totalCount).toBe(8);
        await closeDatabase(db);
        // the service stops its embedded server right after the pool
        await server.pause();
        expect(errors).toEqual([]);
        await server.start();
      }
    } finally {
      await server.stop();
    }
  });
});

describe('the first schema (0001_records.sql)', () => {
  let server: TestPostgres;
  let db: DatabasePool;

  beforeAll(async () => {
    server = await startTestPostgres();
    db = await connectDatabase({ url: server.url, max: 2, connectTimeoutMs: 5000, statementTimeoutMs: 10_000, applicationName: 'schema test' }, log);
    await migrate(db, MIGRATIONS_DIR, log);
  });
  afterAll(async () => {
    await db.end();
    await server.stop();
  });

  it("keeps a session's row with its entry, and refuses an entry that is neither a portal page nor a kiosk", async () => {
    const row =
      "INSERT INTO sessions (id, state, created_at, taxpayer_sub, entry_kind, entry_page, kiosk_id, hall, topic, language, channel, priority) VALUES ($1, 'ended', now(), 'tp-1', $2, $3, $4, $5, 'invoice', 'zh', 'text', 'normal')";
    await db.query(row, ['s-portal', 'portal', '/invoice', null, null]);
    await db.query(row, ['s-kiosk', 'kiosk', null, 'k-7', 'Hall A']);
    await expect(db.query(row, ['s-both', 'kiosk', '/invoice', 'k-7', 'Hall A'])).rejects.toThrow(/sessions_entry/);
    await expect(db.query(row, ['s-none', 'portal', null, null, null])).rejects.toThrow(/sessions_entry/);
    // since 0006_halls.sql a kiosk session names its hall by id; one of neither is refused
    await db.query(
      "INSERT INTO sessions (id, state, created_at, taxpayer_sub, entry_kind, kiosk_id, hall_id, topic, language, channel, priority) VALUES ('s-hall-id', 'ended', now(), 'tp-1', 'kiosk', 'k-7', 'hall-a', 'invoice', 'zh', 'text', 'normal')",
    );
    await expect(db.query(row, ['s-no-hall', 'kiosk', null, 'k-7', null])).rejects.toThrow(/sessions_entry/);
  });

  it('keeps the audit trail append-only, and an event archived twice once', async () => {
    const event =
      "INSERT INTO session_events (event_id, session_id, at, kind, actor_role, actor_id, details) VALUES ('1-0', 's-1', now(), 'monitor', 'supervisor', 'super1', '{}') ON CONFLICT (event_id) DO NOTHING";
    await db.query(event);
    await db.query(event);
    expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM session_events WHERE event_id = '1-0'")).rows[0]?.n).toBe(1);
    await expect(db.query("UPDATE session_events SET actor_id = 'someone-else'")).rejects.toThrow('session_events is append-only');
  });

  it("places recording chunks in their session's month, creating months ahead on demand", async () => {
    const months = await db.query<{ name: string }>("SELECT relname AS name FROM pg_class WHERE relname LIKE 'recordings_2%' AND relkind = 'r' ORDER BY 1");
    expect(months.rows).toHaveLength(4);
    const created = await db.query<{ n: number }>("SELECT ensure_recording_partitions('2031-01-15Z', '2031-03-01Z') AS n");
    expect(created.rows[0]?.n).toBe(3);
    expect((await db.query<{ n: number }>("SELECT ensure_recording_partitions('2031-01-15Z', '2031-03-01Z') AS n")).rows[0]?.n).toBe(0);
    await db.query("INSERT INTO recordings (session_id, session_created_at, seq, n, chunk) VALUES ('s-1', '2031-02-28T23:59:59Z', 0, 3, '\\x789c')");
    const placed = await db.query("SELECT tableoid::regclass::text AS partition FROM recordings WHERE session_id = 's-1'");
    expect(placed.rows).toEqual([{ partition: 'recordings_2031_02' }]);
    await expect(db.query("INSERT INTO recordings (session_id, session_created_at, seq, n, chunk) VALUES ('s-2', '2040-01-01Z', 0, 1, '\\x00')")).rejects.toThrow(/no partition/);
  });

  it('the service migrates the database DATABASE_URL names', async () => {
    const url = await server.createDatabase();
    const t = await startTestService({ DATABASE_URL: url });
    try {
      expect((await t.service.database.query('SELECT version FROM schema_migrations ORDER BY version')).rows).toEqual(
        readMigrations(MIGRATIONS_DIR).map(({ version }) => ({ version })),
      );
      expect(new URL(url).pathname).toBe(`/${(await t.service.database.query<{ name: string }>('SELECT current_database() AS name')).rows[0]?.name}`);
    } finally {
      await t.stop();
    }
  });
});
