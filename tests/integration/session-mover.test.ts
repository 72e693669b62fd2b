import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createClient } from 'redis';
import {
  AttachmentStore,
  MIGRATIONS_DIR,
  PARTITION_MONTHS_AHEAD,
  RecordingArchive,
  RecordingPartitions,
  RecordingWriter,
  SessionMover,
  connectDatabase,
  migrate,
  recordKeys,
  sessionHotKeys,
  type DatabasePool,
} from '@etax-assist/server';
import { freePort } from '../harness/ports.js';
import { spawnService } from '../harness/process.js';
import { query } from '../harness/records.js';
import { CLUSTER_SECRETS, instanceProcessEnv, startTestStores, type TestStores } from '../harness/service.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = pino({ level: 'silent' });
const CHUNKS = 4;

/** Issue 17, items 2–3: moving an ended session out of Redis is exactly-once, survives kill -9, late chunks and missing partitions. */
describe('the session mover (real Redis and PostgreSQL)', () => {
  let stores: TestStores & { stop(): Promise<void> };
  let redis: ReturnType<typeof createClient>;
  let database: DatabasePool;
  let files: AttachmentStore;
  const running: SessionMover[] = [];

  function mover(options: { hotRetentionS?: number; leaseMs?: number } = {}): SessionMover {
    const started = new SessionMover(
      redis,
      database,
      { attachments: files, recordings: new RecordingArchive(redis, database) },
      { hotRetentionS: 1, intervalMs: 50, leaseMs: 500, ...options },
      new Registry(),
      log,
    );
    started.start();
    running.push(started);
    return started;
  }

  /** What an ended session leaves: its record in PostgreSQL; its hash, a file and CHUNKS recording chunks in Redis; its move queued. */
  async function seed(sessionId: string, createdAt = new Date()): Promise<Buffer> {
    await database.query(
      `INSERT INTO sessions (id, state, created_at, taxpayer_sub, entry_kind, entry_page, topic, language, channel, priority)
       VALUES ($1, 'ended', $2, 'tp', 'portal', '/', 'refund', 'zh', 'text', 'normal')`,
      [sessionId, createdAt],
    );
    await redis.hSet(`sess:${sessionId}`, { id: sessionId, state: 'ended' });
    await redis.expire(`sess:${sessionId}`, 86_400);
    const content = Buffer.concat([Buffer.from('%PDF-'), randomBytes(20_000)]);
    await files.save(
      sessionId,
      'file0001',
      { name: 'a.pdf', type: 'application/pdf', size: content.length, uploadedAt: createdAt.toISOString(), uploaderRole: 'taxpayer', uploaderId: 'tp' },
      content,
    );
    for (let i = 0; i < CHUNKS; i++) {
      const chunk = deflateRawSync(Buffer.from(JSON.stringify([{ kind: 'rrweb', at: i, payload: [{ type: 3, timestamp: i }] }])));
      await redis.xAdd(`cb:${sessionId}:rec`, '*', { n: '1', z: chunk.toString('base64') });
    }
    await redis.zAdd(recordKeys.moves, { score: Date.now(), value: sessionId });
    return content;
  }

  async function moved(sessionIds: string[], timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await redis.exists(sessionIds.flatMap(sessionHotKeys))) > 0 || (await redis.zCard(recordKeys.moves)) > 0) {
      if (Date.now() > deadline) throw new Error(`not moved: ${(await redis.zRange(recordKeys.moves, 0, -1)).join(' ')}`);
      await sleep(50);
    }
  }

  const counts = async (sessionIds: string[]) =>
    (
      await query<{ files: number; chunks: number }>(
        stores.postgres.url,
        'SELECT (SELECT count(*)::int FROM attachments WHERE session_id = ANY ($1)) AS files, (SELECT count(*)::int FROM recordings WHERE session_id = ANY ($1)) AS chunks',
        [sessionIds],
      )
    )[0];

  beforeAll(async () => {
    stores = await startTestStores();
    redis = createClient({ url: stores.redis.url });
    await redis.connect();
    database = await connectDatabase({ url: stores.postgres.url, max: 4, connectTimeoutMs: 2000, statementTimeoutMs: 30_000, applicationName: 'mover test' }, log);
    await migrate(database, MIGRATIONS_DIR, log);
    files = new AttachmentStore(redis, database, 86_400);
  });
  beforeEach(async () => {
    await Promise.all(running.splice(0).map((m) => m.stop()));
    await redis.flushAll();
    await database.query('TRUNCATE sessions, attachments, recordings');
  });
  afterAll(async () => {
    await Promise.all(running.map((m) => m.stop()));
    await database?.end();
    await redis?.close();
    await stores?.stop();
  });

  it('kill -9 of the instance moving, mid-move: the survivor moves every session, each file and chunk once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'etax-moving-'));
    const doomed = spawnService({
      ...(await instanceProcessEnv(stores, await freePort(), dataDir)),
      ...CLUSTER_SECRETS,
      INSTANCE_ID: 'doomed',
      RECORDS_MOVE_INTERVAL_MS: '50',
      ARCHIVE_CLAIM_IDLE_MS: '1000',
    });
    // the instance's move transaction waits on the table until the kill
    const lock = new pg.Client({ connectionString: stores.postgres.url });
    await lock.connect();
    const sessions = Array.from({ length: 5 }, (_, i) => `move-kill-${i}`);
    const contents: Buffer[] = [];
    try {
      await doomed.waitFor('agent console');
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE attachments IN EXCLUSIVE MODE');
      for (const sessionId of sessions) contents.push(await seed(sessionId));
      const waiting = async () =>
        (
          await query<{ n: number }>(
            stores.postgres.url,
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO attachments%'",
          )
        )[0]!.n;
      const deadline = Date.now() + 10_000;
      while ((await waiting()) === 0 && Date.now() < deadline) await sleep(20);
      expect(await waiting()).toBe(1);
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      // the kill came while its moves were leased and nothing of them written
      expect(await redis.zCard(recordKeys.moves)).toBe(sessions.length);
    } finally {
      doomed.child.kill('SIGKILL');
      await lock.query('ROLLBACK').catch(() => undefined);
      await lock.end();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(await counts(sessions)).toEqual({ files: 0, chunks: 0 });
    mover();
    await moved(sessions);
    expect(await counts(sessions)).toEqual({ files: sessions.length, chunks: sessions.length * CHUNKS });
    for (const [i, sessionId] of sessions.entries()) expect((await files.read(sessionId, 'file0001'))?.content.equals(contents[i]!)).toBe(true);
  });

  it('PostgreSQL away during the move: the session stays queued with its keys, and moves once it is back', async () => {
    const content = await seed('move-outage');
    await stores.postgres.pause();
    try {
      mover({ leaseMs: 200 });
      await sleep(1000);
      expect(await redis.zCard(recordKeys.moves)).toBe(1);
      expect(await redis.ttl('sess:move-outage')).toBeGreaterThan(3600);
      expect(await redis.xLen('cb:move-outage:rec')).toBe(CHUNKS);
    } finally {
      await stores.postgres.start();
    }
    await moved(['move-outage']);
    expect(await counts(['move-outage'])).toEqual({ files: 1, chunks: CHUNKS });
    expect((await files.read('move-outage', 'file0001'))?.content.equals(content)).toBe(true);
  });

  it('a chunk that comes after the move (the recorder flushing late) is moved too', async () => {
    await seed('move-late');
    mover({ hotRetentionS: 2 });
    const deadline = Date.now() + 10_000;
    while ((await redis.zCard(recordKeys.moves)) > 0 && Date.now() < deadline) await sleep(20);
    expect(await counts(['move-late'])).toEqual({ files: 1, chunks: CHUNKS });
    const writer = new RecordingWriter(redis, { flushMs: 50, maxChunkBytes: 1024, maxBytes: 1_000_000, retryMaxBytes: 1_000_000 }, () => {}, log);
    writer.append('move-late', 'state', { sharing: 'stopped' });
    await writer.flush('move-late');
    await writer.stop();
    await moved(['move-late']);
    expect(await counts(['move-late'])).toEqual({ files: 1, chunks: CHUNKS + 1 });
  });

  it('partitions are made ahead under a lock; a chunk of a month without one stays in Redis until it has one', async () => {
    const partitions = [new RecordingPartitions(database, 60_000, log), new RecordingPartitions(database, 60_000, log)];
    await Promise.all(partitions.map((p) => p.ensure()));
    const months = await query<{ name: string }>(stores.postgres.url, "SELECT relid::text AS name FROM pg_partition_tree('recordings') WHERE isleaf ORDER BY 1");
    const ahead = Array.from({ length: PARTITION_MONTHS_AHEAD + 1 }, (_, i) => {
      const month = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + i, 1));
      return `recordings_${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
    });
    expect(months.map((m) => m.name)).toEqual(expect.arrayContaining(ahead));
    expect(await partitions[0]!.ensure()).toBe(0);

    await seed('move-far', new Date('2031-05-15T08:00:00Z'));
    mover({ leaseMs: 200 });
    await sleep(1000);
    // refused by PostgreSQL: nothing written, nothing expired, still queued
    expect(await counts(['move-far'])).toEqual({ files: 0, chunks: 0 });
    expect(await redis.ttl('sess:move-far')).toBeGreaterThan(3600);
    expect(await redis.zCard(recordKeys.moves)).toBe(1);
    await database.query("SELECT ensure_recording_partitions('2031-05-01', '2031-05-31')");
    await moved(['move-far']);
    expect(await counts(['move-far'])).toEqual({ files: 1, chunks: CHUNKS });
  });
});
