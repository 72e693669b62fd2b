import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

export interface EmbeddedRedisOptions {
  serverBin: string;
  port: number;
  /** Data directory (AOF files); created if missing. */
  dir: string;
  startTimeoutMs: number;
  log: Logger;
  /** 'always': nothing acknowledged is lost even if the process crashes; 'everysec' (default): up to 1 s. */
  appendfsync?: 'always' | 'everysec' | 'no';
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True once redis answers PING with PONG (not while it is still loading its AOF). */
function pongs(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** A previous run killed with -9 leaves its redis-server behind, holding the port and the AOF. */
function killStale(pidFile: string, log: Logger): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return;
  }
  if (!cmdline.includes('redis-server')) return;
  log.warn({ pid }, 'stopping a stale embedded redis-server left by an earlier run');
  process.kill(pid, 'SIGKILL');
}

/**
 * A private redis-server child process for a single-machine start (REDIS_URL unset): loopback
 * only, append-only file on, data under DATA_DIR, stopped with the service.
 */
export class EmbeddedRedis {
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #stopping = false;

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.url = `redis://127.0.0.1:${port}`;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
    const { serverBin, port, dir, log } = options;
    mkdirSync(dir, { recursive: true });
    const pidFile = join(dir, 'redis.pid');
    killStale(pidFile, log);
    const args = [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--protected-mode', 'yes',
      '--dir', dir,
      '--pidfile', pidFile,
      '--daemonize', 'no',
      '--appendonly', 'yes',
      '--appendfsync', options.appendfsync ?? 'everysec',
      '--save', '',
      '--loglevel', 'warning',
      '--logfile', '',
    ];
    const child = spawn(serverBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const redis = new EmbeddedRedis(child, port);
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    const deadline = Date.now() + options.startTimeoutMs;
    for (;;) {
      if (spawnError) throw new Error(`cannot run ${serverBin}: ${spawnError.message}`);
      if (child.exitCode !== null) {
        throw new Error(`redis-server exited (code ${child.exitCode}) during start-up:\n${output.trim()}`);
      }
      if (await pongs(port)) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server not ready after ${options.startTimeoutMs} ms:\n${output.trim()}`);
      }
      await sleep(50);
    }
    child.once('exit', (code, signal) => {
      if (!redis.#stopping) log.error({ code, signal }, 'embedded redis-server exited unexpectedly');
    });
    log.info({ url: redis.url, dir, pid: child.pid }, 'embedded redis-server started');
    return redis;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** SIGTERM lets redis flush its AOF; SIGKILL only if it does not exit in time. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.#stopping = true;
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
