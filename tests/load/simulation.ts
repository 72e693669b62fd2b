// The simulated clients of `npm run load` and `npm run chaos`: socket.io clients that behave like
// a taxpayer's page (asks, shares, replays a recorded rrweb trace, grants control) and an agent's
// console (declines some offers, accepts, watches, controls, chats), and the measurements.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { io, type Socket } from 'socket.io-client';
import { freeMediaPort, freePort } from '../harness/ports.js';
import { spawnService, type ServiceProcess } from '../harness/process.js';
import type { ScriptRun } from '../harness/script-run.js';
import { workerBin } from '../harness/service.js';
import { TRACE_FILE } from './trace-file.js';

export const STAFF_SECRET = 'load-staff-secret-'.padEnd(48, 's');
export const PORTAL_SECRET = 'load-portal-secret-'.padEnd(48, 'p');
export const DECLINE_PCT = Number(process.env.LOAD_DECLINE_PCT ?? 10);

export interface Trace {
  batches: { offsetMs: number; events: { timestamp: number }[] }[];
}
export const trace = JSON.parse(readFileSync(TRACE_FILE, 'utf8')) as Trace;
export const traceLengthMs = trace.batches.at(-1)!.offsetMs + 1000;

export const cpuTicks = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
export const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

export const staffToken = (i: number) =>
  jwt.sign({ sub: `load-agent-${i}`, role: 'agent', name: `Agent ${i}`, languages: ['zh', 'en'], topics: ['refund'] }, STAFF_SECRET, {
    issuer: 'etax-assist',
    audience: 'etax-assist',
    expiresIn: 7200,
  });
export const taxpayerToken = (i: number) =>
  jwt.sign({ sub: `load-tp-${i}`, role: 'taxpayer', name: `Taxpayer ${i}` }, PORTAL_SECRET, { issuer: 'etax-portal', audience: 'etax-assist', expiresIn: 7200 });

export class Run {
  readonly errors: string[] = [];
  disconnects = 0;
  readonly lat = { helpToOffer: [] as number[], acceptToMirror: [] as number[], mirror: [] as number[], control: [] as number[], chat: [] as number[] };
  measuring = false;
  note(kind: keyof Run['lat'], ms: number): void {
    if (this.measuring || kind === 'helpToOffer' || kind === 'acceptToMirror') this.lat[kind].push(ms);
  }
  error(what: string): void {
    this.errors.push(what);
  }
}

/**
 * A client socket. Without `reconnect` a lost connection is an error (load runs); with it the
 * client reconnects by itself (through a load balancer, to any instance), as the SDK does.
 */
export const connect = (url: string, token: string, run: Run, reconnect = false): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], auth: { token }, forceNew: true, reconnection: reconnect, reconnectionDelay: 500, reconnectionDelayMax: 2000 });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return;
      run.disconnects++;
      if (!reconnect) run.error(`disconnect: ${reason}`);
    });
  });
export const ask = <T>(socket: Socket, name: string, payload: unknown, run: Run): Promise<T> =>
  socket
    .timeout(15_000)
    .emitWithAck(name, payload)
    .then(
      (ack: { ok: boolean; result: T; error?: { code: string; message: string } }) => {
        if (!ack.ok) {
          run.error(`${name}: ${ack.error?.code}`);
          throw new Error(`${name}: ${ack.error?.code} ${ack.error?.message}`);
        }
        return ack.result;
      },
      (error: unknown) => {
        // no answer at all: the one kind of failure a client cannot act on
        run.error(`${name}: no answer`);
        throw error;
      },
    );

/** One simulated agent: declines some offers, accepts the rest, watches, controls and chats. */
export class Agent {
  readonly sessions = new Map<string, { acceptedAt: number; mirrored: boolean; controlSeq: number }>();
  /** When each session's mirror last received events, and its last full snapshot (fault checks). */
  readonly lastEventAt = new Map<string, number>();
  readonly lastSnapshotAt = new Map<string, number>();
  readonly #declined = new Set<string>();
  constructor(
    readonly socket: Socket,
    readonly run: Run,
    readonly onSession: (sessionId: string) => void,
  ) {
    socket.on('offer:new', (o: { offerId: string; session: { sessionId: string } }) => void this.#offer(o.offerId, o.session.sessionId));
    // back after a reconnect (any instance): the console watches its mirrors again
    socket.io.on('reconnect', () => {
      for (const sessionId of this.sessions.keys()) void ask(socket, 'cobrowse:watch', { sessionId }, run).catch(() => {});
    });
    socket.on('cobrowse:events', (e: { sessionId: string; events: { type: number; timestamp: number }[] }) => {
      const s = this.sessions.get(e.sessionId);
      if (!s || e.events.length === 0) return;
      this.lastEventAt.set(e.sessionId, Date.now());
      if (e.events.some((x) => x.type === 2)) this.lastSnapshotAt.set(e.sessionId, Date.now());
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
export class Taxpayer {
  sessionId = '';
  #seq = 0;
  #replay: { started: number; next: number; loop: number } | undefined;
  readonly controlSent = new Map<number, number>();
  constructor(
    readonly socket: Socket,
    readonly run: Run,
  ) {
    // back after a reconnect (any instance): the page's recorder starts over with a fresh snapshot
    socket.io.on('reconnect', () => {
      if (!this.#replay) return;
      void ask(socket, 'session:resume', { sessionId: this.sessionId }, run)
        .then(() => this.#send(trace.batches[0]!.events))
        .catch(() => {});
    });
    socket.on('cobrowse:state', (s: { control: string; controller?: { id: string } }) => {
      if (s.control === 'requested' && s.controller) {
        void ask(socket, 'cobrowse:control-answer', { sessionId: this.sessionId, grant: true, requesterId: s.controller.id }, run).catch(() => {});
      }
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
      this.#send(trace.batches[r.next]!.events);
      r.next++;
    }
    if (r.next >= trace.batches.length) {
      // the trace again from its first change (the snapshot stays the one sent at the start)
      r.next = 1;
      r.loop++;
    }
  }

  #send(batch: { timestamp: number }[]): void {
    if (!this.socket.connected) return; // a page whose socket is down queues; here the replay just skips
    const now = Date.now();
    const events = batch.map((e) => ({ ...e, timestamp: now }));
    this.socket.emit('cobrowse:events', { sessionId: this.sessionId, seq: this.#seq++, events }, (ack: { ok: boolean; error?: { code: string } }) => {
      if (!ack.ok) this.run.error(`cobrowse:events: ${ack.error?.code}`);
    });
  }

  stop(): void {
    this.#replay = undefined;
    this.socket.close();
  }
}

/** `count` instances, each its own process, stopped by the script run however it ends. */
export async function spawnInstances(
  count: number,
  redisUrl: string,
  databaseUrl: string,
  perAgent: number,
  script: ScriptRun,
): Promise<{ url: string; proc: ServiceProcess; dataDir: string }[]> {
  const out = [];
  for (let i = 1; i <= count; i++) {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'etax-load-'));
    const proc = script.service(
      spawnService({
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        DATA_DIR: dataDir,
        REDIS_URL: redisUrl,
        DATABASE_URL: databaseUrl,
        INSTANCE_ID: `load-${i}`,
        STAFF_JWT_SECRET: STAFF_SECRET,
        PORTAL_JWT_SECRET: PORTAL_SECRET,
        MEDIASOUP_WORKER_BIN: workerBin(),
        MEDIASOUP_NUM_WORKERS: '1',
        MEDIASOUP_RTC_BASE_PORT: String(await freeMediaPort()),
        DISPATCH_TEXT_SESSIONS_PER_AGENT: String(perAgent),
      }),
      `instance ${i}`,
    );
    await proc.waitFor('agent console', 30_000);
    out.push({ url: `http://127.0.0.1:${port}`, proc, dataDir });
  }
  return out;
}
