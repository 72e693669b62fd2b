import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeMediaPort, freePort } from '../harness/ports.js';
import { spawnService, type ServiceProcess } from '../harness/process.js';
import { workerBin } from '../harness/service.js';

/** Running (a zombie awaiting its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The embedded postgres's pid, the first line of its postmaster.pid. */
function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postgres/postmaster.pid'), 'utf8').split('\n')[0]);
}

describe('the service process (as npm start runs it)', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function start(extra: Record<string, string> = {}): Promise<{ proc: ServiceProcess; url: string; dataDir: string; env: Record<string, string> }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'etax-proc-'));
    const port = await freePort();
    const env = {
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      REDIS_EMBEDDED_PORT: String(await freePort()),
      DATABASE_EMBEDDED_PORT: String(await freePort()),
      MEDIASOUP_WORKER_BIN: workerBin(),
      MEDIASOUP_NUM_WORKERS: '1',
      MEDIASOUP_RTC_BASE_PORT: String(await freeMediaPort()),
      ...extra,
    };
    const proc = spawnService(env);
    cleanups.push(() => {
      proc.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    });
    return { proc, url: `http://localhost:${port}`, dataDir, env };
  }

  it('starts with an embedded Redis and PostgreSQL, prints its URLs, and stops them again on SIGTERM', async () => {
    const { proc, url, dataDir } = await start();
    await proc.waitFor('agent console');
    expect(proc.output()).toContain(`${url}/demo/`);
    expect(proc.output()).toContain(`${url}/healthz`);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);

    const redisPid = Number(readFileSync(join(dataDir, 'redis/redis.pid'), 'utf8'));
    expect(alive(redisPid)).toBe(true);
    expect(existsSync(join(dataDir, 'redis/appendonlydir'))).toBe(true);
    const postgresPid = postmasterPid(dataDir);
    expect(alive(postgresPid)).toBe(true);
    expect(proc.output()).toContain('schema migration applied');

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(alive(redisPid)).toBe(false);
    expect(alive(postgresPid)).toBe(false);
    expect(proc.output()).toContain('"msg":"stopped"');
  });

  it('cleans up a redis-server and a postgres left behind by a killed run, and reuses the cluster', async () => {
    const first = await start();
    await first.proc.waitFor('agent console');
    const stalePid = Number(readFileSync(join(first.dataDir, 'redis/redis.pid'), 'utf8'));
    const stalePostgres = postmasterPid(first.dataDir);
    first.proc.child.kill('SIGKILL');
    await first.proc.exited;
    expect(alive(stalePid)).toBe(true);
    expect(alive(stalePostgres)).toBe(true);

    const second = spawnService(first.env);
    cleanups.push(() => second.child.kill('SIGKILL'));
    await second.waitFor('agent console');
    expect(second.output()).toContain('stale embedded redis-server');
    expect(second.output()).toContain('stale embedded postgres');
    expect(alive(stalePid)).toBe(false);
    expect(alive(stalePostgres)).toBe(false);
    // the same cluster, its schema already there
    expect(second.output()).not.toContain('initialising the embedded PostgreSQL cluster');
    expect(second.output()).not.toContain('schema migration applied');
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('refuses to start with invalid configuration, naming every bad variable', async () => {
    const { proc } = await start({ PORT: 'http', MEDIASOUP_NUM_WORKERS: '0' });
    const { code } = await proc.exited;
    expect(code).toBe(2);
    expect(proc.output()).toContain('PORT=http');
    expect(proc.output()).toContain('MEDIASOUP_NUM_WORKERS=0');
  });

  it('fails clearly when the mediasoup worker binary is missing, and leaves no redis or postgres behind', async () => {
    const { proc, dataDir } = await start({ MEDIASOUP_WORKER_BIN: '/nonexistent/mediasoup-worker' });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    expect(proc.output()).toContain('start-up failed');
    expect(existsSync(join(dataDir, 'redis/redis.pid'))).toBe(false);
    expect(existsSync(join(dataDir, 'postgres/postmaster.pid'))).toBe(false);
  });
});
