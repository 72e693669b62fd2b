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

/** The process group of `pid` (the fifth field of /proc/<pid>/stat). */
function processGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
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

  async function start(
    extra: Record<string, string> = {},
    options: { terminal?: boolean } = {},
  ): Promise<{ proc: ServiceProcess; url: string; dataDir: string; env: Record<string, string> }> {
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
    const proc = spawnService(env, options);
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

  it("stops on a terminal's Ctrl-C (SIGINT to its whole process group) in order: its servers are not interrupted under it", async () => {
    const { proc, dataDir } = await start({}, { terminal: true });
    await proc.waitFor('agent console');
    const redisPid = Number(readFileSync(join(dataDir, 'redis/redis.pid'), 'utf8'));
    const postgresPid = postmasterPid(dataDir);
    // out of the terminal's group: its Ctrl-C reaches the service alone, which stops them last
    expect(processGroup(redisPid)).not.toBe(proc.child.pid);
    expect(processGroup(postgresPid)).not.toBe(proc.child.pid);
    process.kill(-proc.child.pid!, 'SIGINT');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.output()).toContain('"msg":"stopped"');
    // nothing died under the service while it stopped (a redis that "exited unexpectedly", a postgres that cut its connections)
    const stopping = proc.output().slice(proc.output().indexOf('"msg":"shutting down"'));
    expect(stopping.split('\n').filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
    expect(alive(redisPid)).toBe(false);
    expect(alive(postgresPid)).toBe(false);
  });

  it('leaves no server behind when the signal comes during start-up', async () => {
    const { proc, dataDir } = await start({}, { terminal: true });
    await proc.waitFor('embedded redis-server started');
    const redisPid = Number(readFileSync(join(dataDir, 'redis/redis.pid'), 'utf8'));
    expect(proc.output()).not.toContain('agent console');
    process.kill(-proc.child.pid!, 'SIGINT');
    await proc.exited;
    expect(proc.output()).not.toContain('agent console');
    // asked to stop as the service exited: each finishes on its own
    await expect.poll(() => alive(redisPid), { timeout: 10_000 }).toBe(false);
    // postgres may not have been started yet, or may have gone (and taken its pid file) already
    await expect.poll(() => !existsSync(join(dataDir, 'postgres/postmaster.pid')), { timeout: 15_000 }).toBe(true);
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
