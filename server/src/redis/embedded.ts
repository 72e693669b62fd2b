import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { liveProcessOf, ServerProcess } from '../lifecycle/server-process.js';

export interface EmbeddedRedisOptions {
  serverBin: string;
  port: number;
  /** Data directory (AOF files); created if missing. */
  dir: string;
  startTimeoutMs: number;
  log: Logger;
  /** 'always': nothing acknowledged is lost even if the process crashes; 'everysec' (default): up to 1 s. */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Past it writes are refused (noeviction); unset: no limit. */
  maxmemoryBytes?: number;
}

/** True once redis (or a sentinel) on the loopback port answers PING with PONG (not while it is still loading its AOF). */
export function pongs(port: number): Promise<boolean> {
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
  if (!liveProcessOf(pid, 'redis-server')) return;
  log.warn({ pid }, 'stopping a stale embedded redis-server left by an earlier run');
  process.kill(pid, 'SIGKILL');
}

/**
 * A private redis-server child process for a single-machine start (REDIS_URL unset): loopback
 * only, append-only file on, data under DATA_DIR, memory bounded without eviction, stopped with
 * the service.
 */
export class EmbeddedRedis {
  readonly url: string;
  readonly #server: ServerProcess;

  private constructor(server: ServerProcess, port: number) {
    this.#server = server;
    this.url = `redis://127.0.0.1:${port}`;
  }

  static async start(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
    const { serverBin, port, dir, log } = options;
    mkdirSync(dir, { recursive: true });
    const pidFile = join(dir, 'redis.pid');
    killStale(pidFile, log);
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--protected-mode',
      'yes',
      '--dir',
      dir,
      '--pidfile',
      pidFile,
      '--daemonize',
      'no',
      '--appendonly',
      'yes',
      '--appendfsync',
      options.appendfsync ?? 'everysec',
      // evicting would silently drop dispatcher state; a refusal reaches the client as UNAVAILABLE
      '--maxmemory-policy',
      'noeviction',
      ...(options.maxmemoryBytes === undefined ? [] : ['--maxmemory', String(options.maxmemoryBytes)]),
      '--save',
      '',
      '--loglevel',
      'warning',
      '--logfile',
      '',
    ];
    // SIGTERM lets redis flush its AOF; SIGKILL only if it does not exit in time
    const server = await ServerProcess.start({
      name: 'redis-server',
      bin: serverBin,
      args,
      stopSignal: 'SIGTERM',
      escalation: 'SIGKILL',
      ready: () => pongs(port),
      startTimeoutMs: options.startTimeoutMs,
      log,
    });
    const redis = new EmbeddedRedis(server, port);
    log.info({ url: redis.url, dir, pid: server.pid, maxmemoryBytes: options.maxmemoryBytes }, 'embedded redis-server started');
    return redis;
  }

  get pid(): number | undefined {
    return this.#server.pid;
  }

  stop(timeoutMs = 5000): Promise<void> {
    return this.#server.stop(timeoutMs);
  }
}
