import { spawnSync } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '@etax-assist/sfu';
import { freeMediaPort } from '../harness/ports.js';
import { workerBin } from '../harness/service.js';

// The worker binary built offline by the set-up (scripts/build-mediasoup-worker.sh).
describe('the offline-built mediasoup worker', () => {
  let pool: WorkerPool;
  let basePort: number;

  beforeAll(async () => {
    basePort = await freeMediaPort(2);
    pool = await WorkerPool.start({ workerBin: workerBin(), numWorkers: 2, logLevel: 'warn', listenIp: '127.0.0.1', basePort, respawnDelayMs: 100 }, pino({ level: 'silent' }));
  });
  afterAll(() => pool?.close());

  it('passes the sanity check: exit code 41 with an empty environment', () => {
    expect(spawnSync(workerBin(), [], { env: {} }).status).toBe(41);
  });

  it('creates a router and a WebRtcTransport through the worker WebRtcServer', async () => {
    const room = await pool.getOrCreateRoom('session-worker-test');
    expect(room.rtpCapabilities.codecs?.map((c) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8']));
    const transport = await room.router.createWebRtcTransport({ webRtcServer: room.webRtcServer, enableUdp: true, enableTcp: true });
    const candidates = transport.iceCandidates.map((c) => `${c.protocol}:${c.port}`);
    expect(candidates).toEqual(expect.arrayContaining([`udp:${basePort + room.workerIndex}`, `tcp:${basePort + room.workerIndex}`]));
    expect(transport.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
    transport.close();
    room.close();
    expect(pool.roomCount).toBe(0);
  });

  it('shares one router between concurrent joins and spreads sessions across workers', async () => {
    const [a, b] = await Promise.all([pool.getOrCreateRoom('s-1'), pool.getOrCreateRoom('s-1')]);
    expect(a).toBe(b);
    const c = await pool.getOrCreateRoom('s-2');
    expect(c.workerIndex).not.toBe(a.workerIndex);
    a.close();
    c.close();
  });

  it('replaces a worker that dies and closes its rooms with reason worker-died', async () => {
    const room = await pool.getOrCreateRoom('s-dying');
    const reason = new Promise((resolve) => room.once('close', resolve));
    const replaced = new Promise((resolve) => pool.once('workerreplaced', resolve));
    const [stats] = (await pool.workerStats()).filter((s) => s.index === room.workerIndex);
    process.kill(stats!.pid, 'SIGKILL');
    expect(await reason).toBe('worker-died');
    expect(pool.health().alive).toBe(1);
    expect(await replaced).toBe(room.workerIndex);
    expect(pool.health()).toEqual({ workers: 2, alive: 2 });
    const again = await pool.getOrCreateRoom('s-dying');
    expect(again.closed).toBe(false);
    again.close();
  });
});
