// npm run bench:records — the records soak (issue 17, item 4): waves of sessions with
// co-browsing (a few rrweb batches each), chat and an attachment, started and ended against a
// real service on its own redis-server and PostgreSQL. After each wave, once the outbox is
// drained and the hot retention has passed, it reports Redis `used_memory` against its baseline
// and per ended session, and what PostgreSQL grew by per session. The last waves run with
// PostgreSQL stopped, so that the archiver's throughput is measured draining the backlog, next to
// a bare multi-row INSERT and a COPY of the same rows into a scratch table in the same run.
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createClient } from 'redis';
import type { OfferEvent } from '@etax-assist/protocol';
import { recordKeys } from '@etax-assist/server';
import { startTestPostgres } from '../harness/postgres.js';
import { outboxDrained, query } from '../harness/records.js';
import { startTestRedis } from '../harness/redis.js';
import { ScriptRun } from '../harness/script-run.js';
import { DEV_PASSWORDS, startTestService } from '../harness/service.js';
import { connectSocket, requestOk, type TestSocket } from '../harness/socket.js';

const WAVES = Number(process.env.BENCH_WAVES ?? 8);
/** Waves run with PostgreSQL stopped, the backlog the archiver's throughput is measured on. */
const BACKLOG_WAVES = Number(process.env.BENCH_BACKLOG_WAVES ?? 4);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 40);
const BATCHES = Number(process.env.BENCH_COBROWSE_BATCHES ?? 6);
const HOT_RETENTION_S = Number(process.env.BENCH_HOT_RETENTION_S ?? 5);
const FLOOR_ROWS = Number(process.env.BENCH_FLOOR_ROWS ?? 20_000);
/** The last reading waits out the chat's per-minute rate counters (they live 120 s). */
const FINAL_WAIT_S = Number(process.env.BENCH_FINAL_WAIT_S ?? 125);
const AGENTS = ['agent1', 'agent2'] as const;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001', 'hex');
const RECORD_TABLES = ['sessions', 'session_events', 'chat_messages', 'attachments', 'recordings'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
// a page of a few hundred nodes, and the typing and scrolling after it
const snapshot = (t: number) => ({
  type: 2,
  data: {
    node: { type: 0, id: 1, childNodes: Array.from({ length: 300 }, (_, i) => ({ type: 3, id: i + 2, textContent: `第${i}行 申报明细 row ${i} `.repeat(3) })) },
    initialOffset: { left: 0, top: 0 },
  },
  timestamp: t,
});
const mutation = (t: number) => ({ type: 3, data: { source: 0, texts: [{ id: 5, value: `金额 ${t}` }], attributes: [], removes: [], adds: [] }, timestamp: t });

const run = new ScriptRun('bench:records');
run.at('start redis-server and postgres');
const redisServer = run.redis(await startTestRedis());
const postgres = run.postgres(await startTestPostgres());
const t = run.testService(
  await startTestService(
    {
      ARCHIVE_BLOCK_MS: '100',
      ARCHIVE_RETRY_MS: '50',
      DATABASE_CONNECT_TIMEOUT_MS: '500',
      DISPATCH_TEXT_SESSIONS_PER_AGENT: '20',
      COBROWSE_RECORDING_FLUSH_MS: '200',
      // the keys of an archived session expire after this (once the move of item 3 is in)
      SESSION_HOT_RETENTION_S: String(HOT_RETENTION_S),
    },
    { redis: redisServer, postgres },
  ),
);
const redis = createClient({ url: redisServer.url });
await redis.connect();
run.own('redis client', redis, (r) => r.close());

const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
const databaseBytes = async () => Number((await query<{ n: string }>(postgres.url, 'SELECT pg_database_size(current_database()) AS n'))[0]?.n);
// the recordings' partitions are tables of their own
const recordBytes = async () =>
  Number(
    (
      await query<{ n: string }>(
        postgres.url,
        `SELECT (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('recordings')) + (SELECT sum(pg_total_relation_size(name::regclass)) FROM unnest($1::text[]) AS name) AS n`,
        [RECORD_TABLES.filter((table) => table !== 'recordings')],
      )
    )[0]?.n,
  );
const counts = async () =>
  (
    await query<{ sessions: string; events: string; chat: string }>(
      postgres.url,
      'SELECT (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM session_events) AS events, (SELECT count(*) FROM chat_messages) AS chat',
    )
  )[0]!;

run.at('agents on duty');
const agents: TestSocket[] = [];
/** Sessions accepted, and by which agent's socket. */
const agentOf = new Map<string, TestSocket>();
for (const username of AGENTS) {
  const socket = await connectSocket(t.url, await t.staffToken(username, DEV_PASSWORDS[username]));
  // every offer accepted at once, whoever it is for
  socket.on('offer:new', (offer: OfferEvent) => {
    requestOk(socket, 'offer:accept', { offerId: offer.offerId }).then(
      () => agentOf.set(offer.session.sessionId, socket),
      (error: unknown) => run.fail(error),
    );
  });
  await requestOk(socket, 'agent:status', { status: 'available' });
  agents.push(socket);
}

/** One session's whole life: asked for, accepted, co-browsed, chatted, a file, ended and wrapped up. */
async function session(sub: string): Promise<void> {
  const taxpayer = await connectSocket(t.url, t.taxpayerToken({ sub }));
  try {
    const { sessionId } = await requestOk(taxpayer, 'help:request', { language: 'zh', topic: 'invoice', channel: 'text', entry: { kind: 'portal', page: '/refund' } });
    const deadline = Date.now() + 20_000;
    while (!agentOf.has(sessionId)) {
      if (Date.now() > deadline) throw new Error(`session ${sessionId} was not accepted`);
      await sleep(20);
    }
    const agent = agentOf.get(sessionId)!;
    await requestOk(taxpayer, 'cobrowse:share', { sessionId, sharing: true });
    const start = Date.now();
    await requestOk(taxpayer, 'cobrowse:events', {
      sessionId,
      seq: 0,
      events: [{ type: 4, data: { href: 'https://etax.example/refund', width: 1280, height: 800 }, timestamp: start }, snapshot(start)],
    });
    for (let seq = 1; seq < BATCHES; seq++)
      await requestOk(taxpayer, 'cobrowse:events', { sessionId, seq, events: Array.from({ length: 20 }, (_, i) => mutation(start + seq * 100 + i)) });
    await requestOk(taxpayer, 'chat:send', { sessionId, text: '我的退税申请被退回了' });
    await requestOk(agent, 'chat:send', { sessionId, text: '请上传回执的截图' });
    const uploaded = await fetch(`${t.url}/api/sessions/${sessionId}/attachments?name=receipt.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.taxpayerToken({ sub })}`, 'content-type': 'image/png' },
      body: new Uint8Array(PNG),
    });
    if (!uploaded.ok) throw new Error(`upload: ${uploaded.status}`);
    await requestOk(agent, 'chat:send', { sessionId, text: '已收到，正在处理' });
    await requestOk(agent, 'session:end', { sessionId });
    await requestOk(agent, 'session:wrap-up', { sessionId, notes: '补传回执', outcome: 'resolved' });
    agentOf.delete(sessionId);
  } finally {
    taxpayer.close();
  }
}

async function wave(n: number): Promise<number> {
  const started = performance.now();
  await Promise.all(Array.from({ length: SESSIONS }, (_, i) => session(`bench-w${n}-${i}`)));
  return (performance.now() - started) / 1000;
}

/** After the outbox is drained and the hot retention has passed: what Redis holds beyond its baseline. */
async function settled(): Promise<void> {
  await outboxDrained(redisServer.url, 60_000);
  await sleep((HOT_RETENTION_S + 2) * 1000);
}

run.at('baseline');
await settled();
const baseline = { redis: await usedMemory(), keys: await redis.dbSize(), database: await databaseBytes(), records: await recordBytes() };
const rows: string[] = [];
let ended = 0;
for (let n = 1; n <= WAVES; n++) {
  run.at(`wave ${n}`);
  const seconds = await wave(n);
  ended += SESSIONS;
  await settled();
  const redisBytes = (await usedMemory()) - baseline.redis;
  const keys = (await redis.dbSize()) - baseline.keys;
  rows.push(
    `| ${n} | ${SESSIONS} in ${seconds.toFixed(1)} s | ${kb(redisBytes)} | ${kb(redisBytes / ended)} | ${(keys / ended).toFixed(1)} | ${kb(((await databaseBytes()) - baseline.database) / ended)} | ${kb(((await recordBytes()) - baseline.records) / ended)} |`,
  );
}

run.at('backlog wave (PostgreSQL stopped)');
const before = await counts();
await postgres.pause();
for (let n = 1; n <= BACKLOG_WAVES; n++) await wave(WAVES + n);
ended += BACKLOG_WAVES * SESSIONS;
const backlog = await redis.xLen(recordKeys.outbox);
await postgres.start();
const drainStarted = performance.now();
await outboxDrained(redisServer.url, 120_000);
const drainS = (performance.now() - drainStarted) / 1000;
const after = await counts();
const archived = {
  sessions: Number(after.sessions) - Number(before.sessions),
  events: Number(after.events) - Number(before.events),
  chat: Number(after.chat) - Number(before.chat),
};
await sleep((HOT_RETENTION_S + 2) * 1000);
const finalRedis = (await usedMemory()) - baseline.redis;
rows.push(
  `| ${WAVES + 1}–${WAVES + BACKLOG_WAVES} (PostgreSQL stopped, then drained) | ${BACKLOG_WAVES * SESSIONS} | ${kb(finalRedis)} | ${kb(finalRedis / ended)} | ${(((await redis.dbSize()) - baseline.keys) / ended).toFixed(1)} | ${kb(((await databaseBytes()) - baseline.database) / ended)} | ${kb(((await recordBytes()) - baseline.records) / ended)} |`,
);

/** What Redis holds, by key family (ids replaced by * and N): which keys an ended session leaves. */
async function keyFamilies(): Promise<[string, number][]> {
  const families = new Map<string, number>();
  for await (const keys of redis.scanIterator({ COUNT: 1000 })) {
    for (const key of keys) {
      const family = key
        .replace(/:[A-Za-z0-9_-]{12,}(?=:|$)/g, ':*')
        .replace(/:[a-z]+-w\d+-\d+(?=:|$)/g, ':<taxpayer>')
        .replace(/:\d+(?=:|$)/g, ':N');
      families.set(family, (families.get(family) ?? 0) + 1);
    }
  }
  return [...families].sort((a, b) => b[1] - a[1]);
}
const familiesAtEnd = await keyFamilies();
// the chat's per-minute rate counters (2 min) are the last keys that name a session: once they are gone
run.at(`the rate-limit windows (${FINAL_WAIT_S} s)`);
await sleep(FINAL_WAIT_S * 1000);
const afterWindows = { redis: (await usedMemory()) - baseline.redis, keys: (await redis.dbSize()) - baseline.keys, families: await keyFamilies() };
// where used_memory is, beyond the keys: the stats Redis itself gives, and the outbox stream (entries deleted, nodes kept until empty)
const memoryStats = await redis.sendCommand<unknown[]>(['MEMORY', 'STATS']);
const stat = (name: string) => Number(memoryStats[memoryStats.indexOf(name) + 1]);
const outboxBytes = Number(await redis.sendCommand(['MEMORY', 'USAGE', recordKeys.outbox]));
const largest: [string, number][] = [];
for await (const keys of redis.scanIterator({ COUNT: 1000 })) for (const key of keys) largest.push([key, Number(await redis.sendCommand(['MEMORY', 'USAGE', key]))]);
largest.sort((a, b) => b[1] - a[1]);

run.at('floor: bare multi-row INSERT and COPY');
const client = new pg.Client({ connectionString: postgres.url });
await client.connect();
run.own('postgres client', client, (c) => c.end());
await client.query('CREATE TABLE floor_events (LIKE session_events INCLUDING ALL)');
const floorRows = Array.from({ length: FLOOR_ROWS }, (_, i) => ({
  event_id: `${1_700_000_000_000 + i}-0`,
  session_id: `floor-${Math.floor(i / 12)}`,
  at: new Date(1_700_000_000_000 + i).toISOString(),
  kind: 'state',
  actor_role: 'agent',
  actor_id: 'agent1',
  details: { state: 'active', agent: 'agent1' },
}));
const columns = 'event_id, session_id, at, kind, actor_role, actor_id, details';
let insertS = performance.now();
for (let i = 0; i < floorRows.length; i += 500) {
  await client.query(`INSERT INTO floor_events (${columns}) SELECT ${columns} FROM jsonb_populate_recordset(NULL::floor_events, $1::jsonb)`, [
    JSON.stringify(floorRows.slice(i, i + 500)),
  ]);
}
insertS = (performance.now() - insertS) / 1000;
await client.query('TRUNCATE floor_events');
const text = floorRows.map((r) => [r.event_id, r.session_id, r.at, r.kind, r.actor_role, r.actor_id, JSON.stringify(r.details)].join('\t')).join('\n') + '\n';
let copyS = performance.now();
await pipeline(Readable.from([text]), client.query(copyFrom(`COPY floor_events (${columns}) FROM STDIN`)));
copyS = (performance.now() - copyS) / 1000;

const entries = archived.events + archived.chat;
console.log(
  `\nbench:records — ${WAVES} + ${BACKLOG_WAVES} waves of ${SESSIONS} sessions (co-browsing: ${BATCHES} rrweb batches, 4 chat messages, 1 attachment each), hot retention ${HOT_RETENTION_S} s\n`,
);
console.log(`baseline: Redis used_memory ${kb(baseline.redis)}, ${baseline.keys} keys; PostgreSQL ${kb(baseline.database)}\n`);
console.log('| wave | sessions | Redis above baseline | Redis per ended session | Redis keys per ended session | PostgreSQL database per session | record tables per session |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
console.log(
  `\narchiver draining a backlog of ${backlog} outbox entries (${archived.sessions} sessions, ${archived.events} events, ${archived.chat} chat messages) after PostgreSQL came back:`,
);
console.log(
  `${(archived.sessions / drainS).toFixed(1)} sessions/s, ${(entries / drainS).toFixed(0)} entries/s (${drainS.toFixed(2)} s from PostgreSQL's restart, its first retry included)`,
);
console.log(
  `floor, same server, ${FLOOR_ROWS} session_events rows: multi-row INSERT (500 a statement) ${(FLOOR_ROWS / insertS).toFixed(0)} rows/s; COPY ${(FLOOR_ROWS / copyS).toFixed(0)} rows/s`,
);
const listFamilies = (families: [string, number][]) => {
  for (const [family, count] of families.slice(0, 12)) console.log(`  ${String(count).padStart(6)}  ${family}`);
};
console.log(`\nRedis keys after the last wave settled, by family (${ended} sessions ended):`);
listFamilies(familiesAtEnd);
console.log(
  `\n${FINAL_WAIT_S} s later (past the chat rate counters' 120 s): Redis ${kb(afterWindows.redis)} above baseline (${kb(afterWindows.redis / ended)} per ended session), ${afterWindows.keys} keys above baseline (${(afterWindows.keys / ended).toFixed(2)} per ended session):`,
);
listFamilies(afterWindows.families);
console.log(
  `Redis MEMORY STATS then: dataset ${kb(stat('dataset.bytes'))}, overhead ${kb(stat('overhead.total'))} (of which clients ${kb(stat('clients.normal'))}, Lua and scripts ${kb(stat('lua.caches'))}); the outbox stream ${kb(outboxBytes)}; the largest keys: ${largest
    .slice(0, 5)
    .map(([key, bytes]) => `${key} ${kb(bytes)}`)
    .join(', ')}`,
);
await run.done();
