// npm run bench:sfu — how many 1:1 audio+video sessions one mediasoup worker (one core) carries.
// No browsers: each participant sends RTP from a UDP socket into a PlainTransport (VP8 ~600 kbps
// + Opus ~32 kbps) and receives the other's streams through PlainTransport consumers; every
// MONITOR_EVERY-th session also has a monitoring supervisor consuming all four streams.
// Reported per load level: worker CPU, packet loss at the receivers, worker memory.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { WorkerPool, type MediaRoom } from '@etax-assist/sfu';
import { freeMediaPort } from '../harness/ports.js';
import { ScriptRun } from '../harness/script-run.js';
import { workerBin } from '../harness/service.js';

const LEVELS = (process.env.BENCH_SESSIONS ?? '50,100,150,200').split(',').map(Number);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 10);
const MONITOR_EVERY = Number(process.env.BENCH_MONITOR_EVERY ?? 10);
const TICK_MS = 20;
const VIDEO_PAYLOAD = 1200;
const VIDEO_BYTES_PER_TICK = (600_000 / 8) * (TICK_MS / 1000); // 600 kbps
const AUDIO_PAYLOAD = 80; // 32 kbps at 50 packets/s

let nextSsrc = 10_000;

function rtp(seq: number, ts: number, ssrc: number, pt: number, size: number, marker: boolean): Buffer {
  const b = Buffer.alloc(12 + size);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  return b;
}

/** A VP8 packet marked as a key frame start (mediasoup forwards video only from a key frame). */
function vp8(seq: number, ts: number, ssrc: number): Buffer {
  const p = rtp(seq, ts, ssrc, 101, VIDEO_PAYLOAD, true);
  const pid = seq & 0x7fff;
  p[12] = 0x90;
  p[13] = 0x80;
  p[14] = 0x80 | (pid >> 8);
  p[15] = pid & 0xff;
  p[16] = 0x00;
  p[17] = 0x00;
  p[18] = 0x00;
  p[19] = 0x9d;
  p[20] = 0x01;
  p[21] = 0x2a;
  return p;
}

/** One side of a call: sends audio+video into the router, receives what it consumes. */
class SyntheticPeer {
  readonly send: Socket = createSocket('udp4');
  readonly recv: Socket = createSocket('udp4');
  readonly audioSsrc = nextSsrc++;
  readonly videoSsrc = nextSsrc++;
  producerIds: string[] = [];
  sendPort = 0;
  seqA = 0;
  seqV = 0;
  videoBudget = 0;
  sent = 0;
  sentBytes = 0;
  received = 0;

  async bind(): Promise<void> {
    await new Promise<void>((r) => this.send.bind(0, '127.0.0.1', r));
    await new Promise<void>((r) => this.recv.bind(0, '127.0.0.1', r));
    this.recv.on('message', (msg) => {
      const pt = msg[1]! & 0x7f;
      if (pt >= 96 && pt < 127) this.received++; // RTP (not RTCP, not probation)
    });
  }

  tick(): void {
    this.send.send(rtp(this.seqA++, this.seqA * 960, this.audioSsrc, 100, AUDIO_PAYLOAD, false), this.sendPort, '127.0.0.1');
    this.sent++;
    this.sentBytes += 12 + AUDIO_PAYLOAD;
    this.videoBudget += VIDEO_BYTES_PER_TICK;
    while (this.videoBudget >= VIDEO_PAYLOAD) {
      this.videoBudget -= VIDEO_PAYLOAD;
      this.send.send(vp8(this.seqV++, this.seqV * 3000, this.videoSsrc), this.sendPort, '127.0.0.1');
      this.sent++;
      this.sentBytes += 12 + VIDEO_PAYLOAD;
    }
  }

  close(): void {
    this.send.close();
    this.recv.close();
  }
}

interface BenchSession {
  room: MediaRoom;
  peers: SyntheticPeer[];
  /** Receivers (the other peer, and the monitor if any) for each sender: whose packets they expect. */
  expectations: { receiver: SyntheticPeer; from: SyntheticPeer }[];
}

async function createSession(pool: WorkerPool, index: number): Promise<BenchSession> {
  const room = await pool.getOrCreateRoom(`bench-${index}`);
  const router = room.router;
  const taxpayer = new SyntheticPeer();
  const agent = new SyntheticPeer();
  const peers = [taxpayer, agent];
  const monitor = index % MONITOR_EVERY === 0 ? new SyntheticPeer() : undefined;
  for (const p of [...peers, ...(monitor ? [monitor] : [])]) await p.bind();
  for (const p of peers) {
    const transport = await router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: true });
    p.sendPort = transport.tuple.localPort;
    const audio = await transport.produce({
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: p.audioSsrc }] },
    });
    const video = await transport.produce({
      kind: 'video',
      rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc: p.videoSsrc }] },
    });
    p.producerIds = [audio.id, video.id];
  }
  const expectations: BenchSession['expectations'] = [];
  const consumeAll = async (receiver: SyntheticPeer, senders: SyntheticPeer[]) => {
    const transport = await router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
    await transport.connect({ ip: '127.0.0.1', port: receiver.recv.address().port });
    for (const sender of senders) {
      for (const producerId of sender.producerIds) await transport.consume({ producerId, rtpCapabilities: router.rtpCapabilities, paused: false });
      expectations.push({ receiver, from: sender });
    }
  };
  await consumeAll(taxpayer, [agent]);
  await consumeAll(agent, [taxpayer]);
  if (monitor) {
    await consumeAll(monitor, [taxpayer, agent]);
    peers.push(monitor);
  }
  return { room, peers, expectations };
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

const run = new ScriptRun('bench:sfu');
run.at('start the mediasoup worker');
const pool = await WorkerPool.start(
  { workerBin: workerBin(), numWorkers: 1, logLevel: 'error', listenIp: '127.0.0.1', basePort: await freeMediaPort(), respawnDelayMs: 1000 },
  pino({ level: 'silent' }),
);
const [initial] = await pool.workerStats();
const workerPid = initial!.pid;
run.own(
  'mediasoup worker',
  pool,
  (p) => p.close(),
  () => [workerPid],
);
const baseRss = rssKb(workerPid);
const sessions: BenchSession[] = [];
const rows: string[] = [];
const timer = setInterval(() => {
  for (const s of sessions) for (const p of s.peers.slice(0, 2)) p.tick();
}, TICK_MS);

for (const level of LEVELS) {
  run.at(`${level} sessions`);
  while (sessions.length < level) sessions.push(await createSession(pool, sessions.length));
  await sleep(2000); // settle: key frames, bitrate estimation
  for (const s of sessions) {
    for (const p of s.peers) {
      p.sent = 0;
      p.sentBytes = 0;
      p.received = 0;
    }
  }
  const [before] = await pool.workerStats();
  const t0 = Date.now();
  await sleep(WINDOW_S * 1000);
  const [after] = await pool.workerStats();
  const elapsed = (Date.now() - t0) / 1000;
  // A receiver gets what its senders sent; packets still in flight at the window's edge are a
  // few per stream, so loss is counted over the whole window.
  let expected = 0;
  let received = 0;
  let sentBytes = 0;
  for (const s of sessions) {
    for (const p of s.peers) {
      received += p.received;
      sentBytes += p.sentBytes;
    }
    for (const e of s.expectations) expected += e.from.sent;
  }
  const cpu = ((after!.usage.ru_utime + after!.usage.ru_stime - before!.usage.ru_utime - before!.usage.ru_stime) / 1000 / elapsed) * 100;
  const loss = Math.max(0, (1 - received / expected) * 100);
  const rss = rssKb(workerPid);
  const consumers = sessions.reduce((n, s) => n + s.room.consumerCount, 0);
  const row = {
    sessions: level,
    consumers,
    /** What the synthetic senders actually put in (the timer may lag under load). */
    kbpsPerSender: ((sentBytes * 8) / 1000 / elapsed / (level * 2)).toFixed(0),
    workerCpuPct: cpu.toFixed(1),
    cpuPerSessionPct: (cpu / level).toFixed(3),
    lossPct: loss.toFixed(3),
    workerRssMb: (rss / 1024).toFixed(1),
    rssPerSessionKb: ((rss - baseRss) / level).toFixed(0),
  };
  console.log(JSON.stringify(row));
  rows.push(
    `| ${row.sessions} | ${row.consumers} | ${row.kbpsPerSender} | ${row.workerCpuPct} | ${row.cpuPerSessionPct} | ${row.lossPct} | ${row.workerRssMb} | ${row.rssPerSessionKb} |`,
  );
  if (loss >= 1 || cpu >= 98) break;
}

clearInterval(timer);
console.log(`\none worker, ${WINDOW_S} s windows, a monitoring supervisor on every ${MONITOR_EVERY}th session\n`);
console.log('| sessions | consumers | kbps sent per participant | worker CPU % | CPU % per session | loss % | worker RSS MB | RSS per session KB |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
for (const s of sessions) for (const p of s.peers) p.close();
await run.done();
