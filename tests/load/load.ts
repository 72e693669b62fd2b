// npm run load: simulated taxpayers and agents (socket.io clients, no browsers) against 1 and then
// 3 instances of the service on one Redis, each instance its own process, clients spread over the
// instances as a load balancer would (a taxpayer and its agent on different instances when there
// are several). Each taxpayer asks for help, shares its screen and replays the rrweb trace recorded
// from the demo portal's refund form (tests/load/traces, `npm run load:capture`) in a loop; each
// agent declines some offers, accepts the rest, watches the mirror, takes control and clicks, and
// chats. Reports sessions held, latencies (help → offer, accept → mirror, mirror, control, chat)
// p50/p99, CPU and memory per instance, Redis CPU and ops/s, errors.
//
// LOAD_SESSIONS (500), LOAD_INSTANCES (1,3), LOAD_WINDOW_S (30), LOAD_PER_AGENT (20),
// LOAD_DECLINE_PCT (10), LOAD_RAMP_PER_S (50).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import jwt from 'jsonwebtoken';
import { createClient } from 'redis';
import { io, type Socket } from 'socket.io-client';
import { freeMediaPort, freePort } from '../harness/ports.js';
import { spawnService, type ServiceProcess } from '../harness/process.js';
import { startTestRedis } from '../harness/redis.js';
import { workerBin } from '../harness/service.js';
import { TRACE_FILE } from './trace-file.js';

const SESSIONS = Number(process.env.LOAD_SESSIONS ?? 500);
const INSTANCE_COUNTS = (process.env.LOAD_INSTANCES ?? '1,3').split(',').map(Number);
const WINDOW_S = Number(process.env.LOAD_WINDOW_S ?? 30);
const PER_AGENT = Number(process.env.LOAD_PER_AGENT ?? 20);
const DECLINE_PCT = Number(process.env.LOAD_DECLINE_PCT ?? 10);
const RAMP_PER_S = Number(process.env.LOAD_RAMP_PER_S ?? 50);
const CONTROL_EVERY_MS = 5000;
const CHAT_EVERY_MS = 5000;
const STAFF_SECRET = 'load-staff-secret-'.padEnd(48, 's');
const PORTAL_SECRET = 'load-portal-secret-'.padEnd(48, 'p');

interface Trace { batches: { offsetMs: number; events: { timestamp: number }[] }[] }
const trace = JSON.parse(readFileSync(TRACE_FILE, 'utf8')) as Trace;
const traceLengthMs = trace.batches.at(-1)!.offsetMs + 1000;

const cpuTicks = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

const staffToken = (i: number) =>
  jwt.sign({ sub: `load-agent-${i}`, role: 'agent', name: `Agent ${i}`, languages: ['zh', 'en'], topics: ['refund'] }, STAFF_SECRET, { issuer: 'etax-assist', audience: 'etax-assist', expiresIn: 7200 });
const taxpayerToken = (i: number) =>
  jwt.sign({ sub: `load-tp-${i}`, role: 'taxpayer', name: `Taxpayer ${i}` }, PORTAL_SECRET, { issuer: 'etax-portal', audience: 'etax-assist', expiresIn: 7200 });

class Run {
  readonly errors: string[] = [];
  readonly lat = { helpToOffer: [] as number[], acceptToMirror: [] as number[], mirror: [] as number[], control: [] as number[], chat: [] as number[] };
  measuring = false;
  note(kind: keyof Run['lat'], ms: number): void {
    if (this.measuring || kind === 'helpToOffer' || kind === 'acceptToMirror') this.lat[kind].push(ms);
  }
  error(what: string): void {
    this.errors.push(what);
  }
}

const connect = (url: string, token: string, run: Run): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], auth: { token }, forceNew: true, reconnection: false });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
    socket.on('disconnect', (reason) => {
      if (reason !== 'io client disconnect') run.error(`disconnect: ${reason}`);
    });
  });
const ask = <T>(socket: Socket, name: string, payload: unknown, run: Run): Promise<T> =>
  socket.timeout(15_000).emitWithAck(name, payload).then((ack: { ok: boolean; result: T; error?: { code: string; message: string } }) => {
    if (!ack.ok) {
      run.error(`${name}: ${ack.error?.code}`);
      throw new Error(`${name}: ${ack.error?.code} ${ack.error?.message}`);
    }
    return ack.result;
  });

/** One simulated agent: declines some offers, accepts the rest, watches, controls and chats. */
class Agent {
  readonly sessions = new Map<string, { acceptedAt: number; mirrored: boolean; controlSeq: number }>();
  readonly #declined = new Set<string>();
  constructor(readonly socket: Socket, readonly run: Run, readonly onSession: (sessionId: string) => void) {
    socket.on('offer:new', (o: { offerId: string; session: { sessionId: string } }) => void this.#offer(o.offerId, o.session.sessionId));
    socket.on('cobrowse:events', (e: { sessionId: string; events: { type: number; timestamp: number }[] }) => {
      const s = this.sessions.get(e.sessionId);
      if (!s || e.events.length === 0) return;
      if (!s.mirrored && e.events.some((x) => x.type === 2)) {
        s.mirrored = true;
        run.note('acceptToMirror', Date.now() - s.acceptedAt);
        void ask(socket, 'cobrowse:control-request', { sessionId: e.sessionId }, run).catch(() => {});
        return;
      }
      run.note('mirror', Date.now() - e.events[0]!.timestamp);
    });
  }

  async #offer(offerId: string, sessionId: string): Promise<void> {
    if (!this.#declined.has(sessionId) && Math.random() * 100 < DECLINE_PCT) {
      this.#declined.add(sessionId);
      await ask(this.socket, 'offer:decline', { offerId }, this.run).catch(() => {});
      return;
    }
    const acceptedAt = Date.now();
    try {
      await ask(this.socket, 'offer:accept', { offerId }, this.run);
    } catch {
      return;
    }
    this.sessions.set(sessionId, { acceptedAt, mirrored: false, controlSeq: 0 });
    await ask(this.socket, 'cobrowse:watch', { sessionId }, this.run).catch(() => {});
    this.onSession(sessionId);
  }
}

/** One simulated taxpayer: asks, shares, replays the trace, grants control, chats. */
class Taxpayer {
  sessionId = '';
  #seq = 0;
  #replay: { started: number; next: number; loop: number } | undefined;
  readonly controlSent = new Map<number, number>();
  constructor(readonly socket: Socket, readonly run: Run) {
    socket.on('cobrowse:state', (s: { control: string }) => {
      if (s.control === 'requested') void ask(socket, 'cobrowse:control-answer', { sessionId: this.sessionId, grant: true }, run).catch(() => {});
    });
    socket.on('cobrowse:control-input', (e: { input: { nodeId: number } }) => {
      const sentAt = this.controlSent.get(e.input.nodeId);
      if (sentAt) run.note('control', Date.now() - sentAt);
    });
    socket.on('chat:message', (m: { text: string; from: { role: string } }) => {
      if (m.from.role !== 'agent') return;
      const sentAt = Number(m.text.split(' ')[0]);
      if (sentAt) run.note('chat', Date.now() - sentAt);
    });
  }

  /** Shares the screen: the snapshot, then the trace's batches at their recorded pace (tick), in a loop. */
  async share(): Promise<void> {
    await ask(this.socket, 'cobrowse:share', { sessionId: this.sessionId, sharing: true }, this.run);
    this.#replay = { started: Date.now(), next: 0, loop: 0 };
    this.tick();
  }

  tick(): void {
    const r = this.#replay;
    if (!r) return;
    const elapsed = Date.now() - r.started - r.loop * traceLengthMs;
    while (r.next < trace.batches.length && trace.batches[r.next]!.offsetMs <= elapsed) {
      const now = Date.now();
      const events = trace.batches[r.next]!.events.map((e) => ({ ...e, timestamp: now }));
      this.socket.emit('cobrowse:events', { sessionId: this.sessionId, seq: this.#seq++, events }, (ack: { ok: boolean; error?: { code: string } }) => {
        if (!ack.ok) this.run.error(`cobrowse:events: ${ack.error?.code}`);
      });
      r.next++;
    }
    if (r.next >= trace.batches.length) {
      // the trace again from its first change (the snapshot stays the one sent at the start)
      r.next = 1;
      r.loop++;
    }
  }

  stop(): void {
    this.#replay = undefined;
    this.socket.close();
  }
}

async function spawnInstances(count: number, redisUrl: string): Promise<{ url: string; proc: ServiceProcess; dataDir: string }[]> {
  const out = [];
  for (let i = 1; i <= count; i++) {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'etax-load-'));
    const proc = spawnService({
      NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', DATA_DIR: dataDir, REDIS_URL: redisUrl,
      INSTANCE_ID: `load-${i}`, STAFF_JWT_SECRET: STAFF_SECRET, PORTAL_JWT_SECRET: PORTAL_SECRET,
      MEDIASOUP_WORKER_BIN: workerBin(), MEDIASOUP_NUM_WORKERS: '1', MEDIASOUP_RTC_BASE_PORT: String(await freeMediaPort()),
      DISPATCH_TEXT_SESSIONS_PER_AGENT: String(PER_AGENT),
    });
    await proc.waitFor('agent console', 30_000);
    out.push({ url: `http://127.0.0.1:${port}`, proc, dataDir });
  }
  return out;
}

async function runAgainst(count: number): Promise<Record<string, unknown>> {
  const redis = await startTestRedis();
  const instances = await spawnInstances(count, redis.url);
  const run = new Run();
  const urlFor = (i: number) => instances[i % count]!.url;
  const taxpayers = new Map<string, Taxpayer>();
  const agents: Agent[] = [];
  const onSession = (sessionId: string): void => {
    const tp = taxpayers.get(sessionId);
    if (tp) void tp.share().catch(() => {});
  };
  for (let a = 0; a < Math.ceil(SESSIONS / PER_AGENT) + 1; a++) {
    const agent = new Agent(await connect(urlFor(a), staffToken(a), run), run, onSession);
    await ask(agent.socket, 'agent:status', { status: 'available' }, run);
    agents.push(agent);
  }
  // help → offer: from the taxpayer's request to the first offer any agent receives for it
  const askedAt = new Map<string, number>();
  for (const agent of agents) {
    agent.socket.on('offer:new', (o: { session: { taxpayer: { sub: string } } }) => {
      const asked = askedAt.get(o.session.taxpayer.sub);
      if (asked === undefined) return;
      run.note('helpToOffer', Date.now() - asked);
      askedAt.delete(o.session.taxpayer.sub);
    });
  }
  const replay = setInterval(() => {
    for (const tp of taxpayers.values()) tp.tick();
  }, 50);
  // ramp up: RAMP_PER_S new requests a second, each taxpayer on another instance than most agents
  for (let i = 0; i < SESSIONS; i++) {
    const tp = new Taxpayer(await connect(urlFor(i + 1), taxpayerToken(i), run), run);
    askedAt.set(`load-tp-${i}`, Date.now());
    const summary = await ask<{ sessionId: string }>(tp.socket, 'help:request', { language: 'zh', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: '/demo/refund.html' } }, run);
    tp.sessionId = summary.sessionId;
    taxpayers.set(summary.sessionId, tp);
    if (i % RAMP_PER_S === RAMP_PER_S - 1) await sleep(1000);
  }
  const held = () => agents.reduce((n, a) => n + [...a.sessions.values()].filter((s) => s.mirrored).length, 0);
  const rampDeadline = Date.now() + 60_000;
  while (held() < SESSIONS && Date.now() < rampDeadline) await sleep(500);

  // the measured window: control clicks and chat on top of the trace replay
  const timers = [
    setInterval(() => {
      for (const agent of agents) {
        for (const [sessionId, s] of agent.sessions) {
          const tp = taxpayers.get(sessionId);
          if (!tp) continue;
          const seq = ++s.controlSeq;
          tp.controlSent.set(seq, Date.now());
          agent.socket.emit('cobrowse:control-input', { sessionId, input: { action: 'click', nodeId: seq } }, (ack: { ok: boolean; error?: { code: string } }) => {
            if (!ack.ok && ack.error?.code !== 'FORBIDDEN') run.error(`control-input: ${ack.error?.code}`);
          });
        }
      }
    }, CONTROL_EVERY_MS),
    setInterval(() => {
      for (const agent of agents) {
        for (const sessionId of agent.sessions.keys()) {
          agent.socket.emit('chat:send', { sessionId, text: `${Date.now()} 请核对开户银行` }, (ack: { ok: boolean; error?: { code: string } }) => {
            if (!ack.ok) run.error(`chat:send: ${ack.error?.code}`);
          });
        }
      }
    }, CHAT_EVERY_MS),
  ];
  const redisClient = createClient({ url: redis.url });
  await redisClient.connect();
  const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await redisClient.info('stats'))?.[1] ?? 0);
  await sleep(2000);
  const pids = instances.map((i) => i.proc.child.pid!);
  const cpu0 = pids.map(cpuTicks);
  const redisCpu0 = cpuTicks(redis.redis.pid!);
  const commands0 = await commands();
  const errors0 = run.errors.length;
  run.measuring = true;
  const t0 = Date.now();
  await sleep(WINDOW_S * 1000);
  const elapsed = (Date.now() - t0) / 1000;
  run.measuring = false;
  const row = {
    instances: count,
    sessionsHeld: held(),
    helpToOffer: `${percentile(run.lat.helpToOffer, 50)} / ${percentile(run.lat.helpToOffer, 99)}`,
    acceptToMirror: `${percentile(run.lat.acceptToMirror, 50)} / ${percentile(run.lat.acceptToMirror, 99)}`,
    mirror: `${percentile(run.lat.mirror, 50)} / ${percentile(run.lat.mirror, 99)}`,
    control: `${percentile(run.lat.control, 50)} / ${percentile(run.lat.control, 99)}`,
    chat: `${percentile(run.lat.chat, 50)} / ${percentile(run.lat.chat, 99)}`,
    mirrorBatches: run.lat.mirror.length,
    cpuPctPerInstance: pids.map((pid, i) => (((cpuTicks(pid) - cpu0[i]!) / 100 / elapsed) * 100).toFixed(0)).join(', '),
    rssMbPerInstance: pids.map((pid) => rssMb(pid).toFixed(0)).join(', '),
    redisCpuPct: (((cpuTicks(redis.redis.pid!) - redisCpu0) / 100 / elapsed) * 100).toFixed(0),
    redisOpsPerS: Math.round(((await commands()) - commands0) / elapsed),
    errorsInWindow: run.errors.length - errors0,
    errorsTotal: run.errors.length,
    errorKinds: [...new Set(run.errors)].slice(0, 5).join('; '),
  };
  for (const timer of [...timers, replay]) clearInterval(timer);
  for (const tp of taxpayers.values()) tp.stop();
  for (const agent of agents) agent.socket.close();
  await redisClient.close();
  for (const instance of instances) {
    instance.proc.child.kill('SIGTERM');
    await instance.proc.exited;
    rmSync(instance.dataDir, { recursive: true, force: true });
  }
  await redis.stop();
  return row;
}

const rows = [];
for (const count of INSTANCE_COUNTS) {
  const row = await runAgainst(count);
  console.log(JSON.stringify(row));
  rows.push(row);
}
console.log(`\n${SESSIONS} co-browsing + chat sessions (trace ${trace.batches.length} batches / ${(traceLengthMs / 1000).toFixed(0)} s, looped), ${PER_AGENT} per agent, ${DECLINE_PCT}% declined first, control click and chat every 5 s per session; ${WINDOW_S} s window; latencies p50 / p99 ms\n`);
console.log('| instances | sessions held | help → offer | accept → mirror | mirror | control | chat | CPU % per instance | RSS MB per instance | Redis CPU % | Redis ops/s | errors |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.instances} | ${r.sessionsHeld} | ${r.helpToOffer} | ${r.acceptToMirror} | ${r.mirror} | ${r.control} | ${r.chat} | ${r.cpuPctPerInstance} | ${r.rssMbPerInstance} | ${r.redisCpuPct} | ${r.redisOpsPerS} | ${r.errorsTotal} |`);
}
