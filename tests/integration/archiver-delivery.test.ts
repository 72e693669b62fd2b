import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createClient } from 'redis';
import type { OutboxEntry } from '@etax-assist/protocol';
import { ARCHIVER_GROUP, ArchiveBatch, Archiver, ArchiverMetrics, MIGRATIONS_DIR, connectDatabase, migrate, outboxEntry, recordKeys, type DatabasePool } from '@etax-assist/server';
import { freePort } from '../harness/ports.js';
import { spawnService } from '../harness/process.js';
import { outboxDrained, query } from '../harness/records.js';
import { CLUSTER_SECRETS, instanceProcessEnv, startTestStores, type TestStores } from '../harness/service.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = pino({ level: 'silent' });
type Redis = ReturnType<typeof createClient>;

const chat = (i: number): OutboxEntry => ({
  t: 'chat',
  session: `s-${i % 7}`,
  id: `${i + 1}-0`,
  at: new Date(1_750_000_000_000 + i).toISOString(),
  fromRole: 'taxpayer',
  fromId: 'tp',
  fromName: '',
  text: `m${i}`,
});
const event = (i: number): OutboxEntry => ({
  t: 'event',
  session: `s-${i % 7}`,
  at: 1_750_000_000_000 + i,
  kind: 'offer',
  actor: { role: 'agent', id: 'agent1' },
  details: { offer: 'primary', agent: 'agent1' },
});

/** Issue 17, item 3: each outbox entry reaches PostgreSQL exactly once, whoever archives it and whatever dies on the way. */
describe('archivers sharing one outbox (real Redis and PostgreSQL)', () => {
  let stores: TestStores & { stop(): Promise<void> };
  let redis: Redis;
  let database: DatabasePool;
  const running: Archiver[] = [];

  async function archiver(consumer: string, options: Partial<{ batchSize: number; claimIdleMs: number }> = {}): Promise<{ archiver: Archiver; registry: Registry }> {
    const registry = new Registry();
    const started = new Archiver(redis, database, { consumer, batchSize: 50, blockMs: 50, claimIdleMs: 300, retryMs: 50, ...options }, new ArchiverMetrics(registry, redis), log);
    await started.start();
    running.push(started);
    return { archiver: started, registry };
  }

  async function fill(entries: OutboxEntry[]): Promise<string[]> {
    const multi = redis.multi();
    for (const entry of entries) multi.xAdd(recordKeys.outbox, '*', { entry: JSON.stringify(entry) });
    return (await multi.exec()) as unknown as string[];
  }

  const counts = async () => {
    const [row] = await query<{ events: number; chat: number }>(
      stores.postgres.url,
      'SELECT (SELECT count(*)::int FROM session_events) AS events, (SELECT count(*)::int FROM chat_messages) AS chat',
    );
    return row;
  };

  beforeAll(async () => {
    stores = await startTestStores();
    redis = createClient({ url: stores.redis.url });
    await redis.connect();
    database = await connectDatabase({ url: stores.postgres.url, max: 4, connectTimeoutMs: 2000, statementTimeoutMs: 30_000, applicationName: 'archiver test' }, log);
    await migrate(database, MIGRATIONS_DIR, log);
  });
  beforeEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.stop()));
    await redis.del([recordKeys.outbox, recordKeys.deadLetters]);
    await database.query('TRUNCATE session_events, chat_messages, sessions');
  });
  afterAll(async () => {
    await Promise.all(running.map((a) => a.stop()));
    await database?.end();
    await redis?.close();
    await stores?.stop();
  });

  it('a batch written by a consumer that died before acknowledging is claimed and written again without doubling anything', async () => {
    await redis.xGroupCreate(recordKeys.outbox, ARCHIVER_GROUP, '0', { MKSTREAM: true });
    await fill([...Array.from({ length: 60 }, (_, i) => chat(i)), ...Array.from({ length: 60 }, (_, i) => event(i))]);
    // the consumer that dies: reads a batch, writes it, and is gone before its XACK
    const read = await redis.xReadGroup(ARCHIVER_GROUP, 'dead', { key: recordKeys.outbox, id: '>' }, { COUNT: 80 });
    const delivered = (read as { messages: { id: string; message: Record<string, string> }[] }[])[0]!.messages;
    const batch = new ArchiveBatch();
    for (const { id, message } of delivered) batch.add(id, outboxEntry(message.entry));
    await batch.write(database);
    expect(await counts()).toEqual({ chat: 60, events: 20 });
    const { registry } = await archiver('survivor');
    await outboxDrained(stores.redis.url);
    expect(await counts()).toEqual({ chat: 60, events: 60 });
    // the survivor wrote the claimed 80 again (nothing new) and the other 40
    expect((await registry.getSingleMetric('etax_archived_records_total')!.get()).values.reduce((sum, v) => sum + v.value, 0)).toBe(120);
    expect(await redis.xPending(recordKeys.outbox, ARCHIVER_GROUP)).toMatchObject({ pending: 0 });
  });

  it('an entry that fails validation goes to the dead-letter stream and blocks nothing', async () => {
    await archiver('one');
    const [, bad] = await fill([chat(0), { ...chat(1), t: 'nonsense' } as unknown as OutboxEntry, chat(2)]);
    await redis.xAdd(recordKeys.outbox, '*', { entry: '{not json' });
    await outboxDrained(stores.redis.url);
    expect(await counts()).toEqual({ chat: 2, events: 0 });
    const dead = await redis.xRange(recordKeys.deadLetters, '-', '+');
    expect(dead.map((d) => d.message.id)).toContain(bad);
    expect(dead.map((d) => d.message.reason)).toEqual([expect.stringContaining('Invalid outbox entry'), 'Invalid outbox entry: not JSON']);
  });

  it('an outbox that vanished under the archiver (Redis flushed) gets its group back, and archiving goes on', async () => {
    await archiver('one');
    await redis.del(recordKeys.outbox);
    await sleep(100);
    await fill([chat(0), event(1)]);
    await outboxDrained(stores.redis.url);
    expect(await counts()).toEqual({ chat: 1, events: 1 });
  });

  it('two archivers split the work, nothing doubled', async () => {
    const [a, b] = await Promise.all([archiver('a', { batchSize: 10 }), archiver('b', { batchSize: 10 })]);
    for (let round = 0; round < 10; round++) await fill(Array.from({ length: 100 }, (_, i) => (i % 2 ? chat(round * 100 + i) : event(round * 100 + i))));
    await outboxDrained(stores.redis.url);
    expect(await counts()).toEqual({ chat: 500, events: 500 });
    const archived = async (r: Registry) => (await r.getSingleMetric('etax_archived_records_total')!.get()).values.reduce((sum, v) => sum + v.value, 0);
    const [byA, byB] = [await archived(a.registry), await archived(b.registry)];
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(byA + byB).toBe(1000);
  });

  it('kill -9 of the instance archiving, mid-batch: every record arrives exactly once through the survivor', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'etax-archiving-'));
    const port = await freePort();
    const doomed = spawnService({
      ...(await instanceProcessEnv(stores, port, dataDir)),
      ...CLUSTER_SECRETS,
      INSTANCE_ID: 'doomed',
      ARCHIVE_BATCH_SIZE: '100',
      ARCHIVE_BLOCK_MS: '50',
    });
    // PostgreSQL holds the instance's batch mid-write: the tables are locked until the kill
    const lock = new pg.Client({ connectionString: stores.postgres.url });
    await lock.connect();
    try {
      await doomed.waitFor('agent console');
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE session_events, chat_messages IN EXCLUSIVE MODE');
      await fill(Array.from({ length: 300 }, (_, i) => (i % 3 ? chat(i) : event(i))));
      const pendingOn = async () => (await redis.xPending(recordKeys.outbox, ARCHIVER_GROUP)).consumers?.find((c) => c.name === 'doomed')?.deliveriesCounter ?? 0;
      const deadline = Date.now() + 10_000;
      while ((await pendingOn()) === 0 && Date.now() < deadline) await sleep(20);
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      // the kill came while the instance held a batch it had read and not acknowledged
      expect(await pendingOn()).toBe(100);
    } finally {
      doomed.child.kill('SIGKILL');
      await lock.query('ROLLBACK').catch(() => undefined);
      await lock.end();
      rmSync(dataDir, { recursive: true, force: true });
    }
    await archiver('survivor', { claimIdleMs: 200 });
    await outboxDrained(stores.redis.url);
    expect(await counts()).toEqual({ chat: 200, events: 100 });
    const ids = await query<{ n: number }>(stores.postgres.url, "SELECT count(DISTINCT text)::int AS n FROM chat_messages WHERE text LIKE 'm%'");
    expect(ids[0]?.n).toBe(200);
  });
});
