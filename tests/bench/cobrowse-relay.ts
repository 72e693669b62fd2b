// npm run bench:cobrowse (part 1): the relay without browsers. N synthetic sessions, each a
// taxpayer socket sending 10 event batches/s of ~400 B (typing-sized incremental events) and its
// agent's socket receiving them, against the service running as its own process. Reports the
// relay latency (batch sent → delivered to the agent) p50/p99 and the service's CPU, hence
// sessions per core.
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import jwt from 'jsonwebtoken';
import { io, type Socket } from 'socket.io-client';
import { freeMediaPort, freePort } from '../harness/ports.js';
import { spawnService } from '../harness/process.js';
import { startTestPostgres } from '../harness/postgres.js';
import { startTestRedis } from '../harness/redis.js';
import { ScriptRun } from '../harness/script-run.js';
import { workerBin } from '../harness/service.js';

const LEVELS = (process.env.BENCH_SESSIONS ?? '1,50,250').split(',').map(Number);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 10);
const BATCHES_PER_S = 10;
const STAFF_SECRET = 's'.repeat(48);
const PORTAL_SECRET = 'p'.repeat(48);
const PER_AGENT = 20;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const connect = (url: string, token: string): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], auth: { token }, forceNew: true, reconnection: false });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
const ask = <T>(socket: Socket, name: string, payload: unknown): Promise<T> =>
  socket
    .timeout(10_000)
    .emitWithAck(name, payload)
    .then((ack: { ok: boolean; result: T; error?: { message: string } }) => {
      if (!ack.ok) throw new Error(`${name}: ${ack.error?.message}`);
      return ack.result;
    });

const run = new ScriptRun('bench:cobrowse (relay)');
const redis = await run.step('start redis-server', async () => run.redis(await startTestRedis()));
const postgres = await run.step('start postgres', async () => run.postgres(await startTestPostgres()));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const service = run.service(
  spawnService({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'etax-bench-')),
    REDIS_URL: redis.url,
    DATABASE_URL: postgres.url,
    STAFF_JWT_SECRET: STAFF_SECRET,
    PORTAL_JWT_SECRET: PORTAL_SECRET,
    MEDIASOUP_WORKER_BIN: workerBin(),
    MEDIASOUP_NUM_WORKERS: '1',
    MEDIASOUP_RTC_BASE_PORT: String(await freeMediaPort()),
    DISPATCH_TEXT_SESSIONS_PER_AGENT: String(PER_AGENT),
    COBROWSE_MAX_EVENTS_PER_S: '1000',
  }),
);
await run.step('start the service', () => service.waitFor('agent console', 30_000));
const servicePid = service.child.pid!;

const staffToken = (i: number) =>
  jwt.sign({ sub: `bench-agent-${i}`, role: 'agent', name: `Agent ${i}`, languages: ['zh'], topics: ['invoice'] }, STAFF_SECRET, {
    issuer: 'etax-assist',
    audience: 'etax-assist',
    expiresIn: 3600,
  });
const taxpayerToken = (i: number) =>
  jwt.sign({ sub: `bench-tp-${i}`, role: 'taxpayer', name: `Taxpayer ${i}` }, PORTAL_SECRET, { issuer: 'etax-portal', audience: 'etax-assist', expiresIn: 3600 });

interface Pair {
  taxpayer: Socket;
  agent: Socket;
  sessionId: string;
  seq: number;
}
const pairs: Pair[] = [];
const agents: Socket[] = [];
const latencies: number[] = [];
let received = 0;
let sent = 0;
const rows: string[] = [];

async function addSession(i: number): Promise<void> {
  const agentIndex = Math.floor(i / PER_AGENT);
  if (!agents[agentIndex]) {
    const agent = await connect(url, staffToken(agentIndex));
    await ask(agent, 'agent:status', { status: 'available' });
    agent.on('cobrowse:events', (e: { events: { timestamp: number }[] }) => {
      received++;
      latencies.push(Date.now() - e.events[0]!.timestamp);
    });
    agents[agentIndex] = agent;
  }
  const agent = agents[agentIndex];
  const offered = new Promise<string>((resolve) => {
    const onOffer = (o: { offerId: string; session: { taxpayer: { sub: string } } }) => {
      if (o.session.taxpayer.sub !== `bench-tp-${i}`) return;
      agent.off('offer:new', onOffer);
      resolve(o.offerId);
    };
    agent.on('offer:new', onOffer);
  });
  const taxpayer = await connect(url, taxpayerToken(i));
  const { sessionId } = await ask<{ sessionId: string }>(taxpayer, 'help:request', { language: 'zh', topic: 'invoice', channel: 'text', entry: { kind: 'portal', page: '/' } });
  await ask(agent, 'offer:accept', { offerId: await offered });
  await ask(agent, 'cobrowse:watch', { sessionId });
  await ask(taxpayer, 'cobrowse:share', { sessionId, sharing: true });
  const now = Date.now();
  const snapshot = [
    { type: 4, data: { href: 'https://portal/', width: 1280, height: 800 }, timestamp: now },
    { type: 2, data: { node: { type: 0, id: 1, childNodes: [] }, initialOffset: { left: 0, top: 0 } }, timestamp: now },
  ];
  await ask(taxpayer, 'cobrowse:events', { sessionId, seq: 0, events: snapshot });
  pairs.push({ taxpayer, agent, sessionId, seq: 1 });
}

/** ~400 B: an input event and a text mutation, as typing into a form produces. */
function typingBatch(pair: Pair): unknown {
  const now = Date.now();
  return {
    sessionId: pair.sessionId,
    seq: pair.seq++,
    events: [
      { type: 3, data: { source: 5, id: 42, text: 'Zhang Wei typing into the form', isChecked: false }, timestamp: now },
      {
        type: 3,
        data: { source: 0, texts: [{ id: 77, value: 'Applicant: Zhang Wei' }], attributes: [{ id: 78, attributes: { class: 'field filled valid' } }], removes: [], adds: [] },
        timestamp: now,
      },
      {
        type: 3,
        data: {
          source: 1,
          positions: [
            { x: 412, y: 233, id: 42, timeOffset: -20 },
            { x: 418, y: 236, id: 42, timeOffset: 0 },
          ],
        },
        timestamp: now,
      },
    ],
  };
}

const ticker = setInterval(() => {
  for (const pair of pairs) {
    pair.taxpayer.emit('cobrowse:events', typingBatch(pair), () => {});
    sent++;
  }
}, 1000 / BATCHES_PER_S);

for (const level of LEVELS) await run.step(`measure ${level} sessions`, () => measure(level));

async function measure(level: number): Promise<void> {
  while (pairs.length < level) await addSession(pairs.length);
  await sleep(2000);
  latencies.length = 0;
  received = 0;
  sent = 0;
  const cpu0 = cpuSeconds(servicePid);
  const redisCpu0 = cpuSeconds(redis.redis.pid!);
  const t0 = Date.now();
  await sleep(WINDOW_S * 1000);
  const elapsed = (Date.now() - t0) / 1000;
  const cpuPct = ((cpuSeconds(servicePid) - cpu0) / elapsed) * 100;
  const redisPct = ((cpuSeconds(redis.redis.pid!) - redisCpu0) / elapsed) * 100;
  const sorted = [...latencies].sort((a, b) => a - b);
  const expected = sent;
  const row = {
    sessions: level,
    batchesPerS: Math.round(received / elapsed),
    delivered: `${Math.min(100, (received / expected) * 100).toFixed(1)}%`,
    p50ms: percentile(sorted, 50),
    p99ms: percentile(sorted, 99),
    serviceCpuPct: cpuPct.toFixed(1),
    redisCpuPct: redisPct.toFixed(1),
    sessionsPerCore: cpuPct > 0 ? Math.round(level / (cpuPct / 100)) : 0,
  };
  console.log(JSON.stringify(row));
  rows.push(`| ${row.sessions} | ${row.batchesPerS} | ${row.delivered} | ${row.p50ms} | ${row.p99ms} | ${row.serviceCpuPct} | ${row.redisCpuPct} | ${row.sessionsPerCore} |`);
}

clearInterval(ticker);
console.log(`\n${BATCHES_PER_S} batches/s of ~400 B per session, service as its own process, ${WINDOW_S} s windows\n`);
console.log('| sessions | batches/s relayed | delivered | p50 ms | p99 ms | service CPU % | Redis CPU % | sessions per service core (extrapolated) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
for (const pair of pairs) pair.taxpayer.close();
for (const agent of agents) agent.close();
await run.done();
