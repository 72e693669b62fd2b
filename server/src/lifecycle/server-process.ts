import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

export interface ServerProcessOptions {
  /** What it is, in messages ("redis-server", "postgres"). */
  name: string;
  bin: string;
  args: string[];
  spawn?: Pick<SpawnOptions, 'uid' | 'gid' | 'env'>;
  /** How it is asked to stop cleanly; `escalation` if it has not exited in time. */
  stopSignal: NodeJS.Signals;
  escalation: NodeJS.Signals;
  /** True once the server answers; polled every 50 ms until `startTimeoutMs`; throws when it never will. */
  ready: () => Promise<boolean>;
  startTimeoutMs: number;
  log: Logger;
  /** Each line the server writes (its own log), besides keeping the last ones for error messages. */
  onLine?: (line: string) => void;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` (read from a pid file) is a live process of `name`, not an unrelated one that reused the number. */
export function liveProcessOf(pid: number, name: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name);
  } catch {
    return false;
  }
}

/** Children still running: asked to stop cleanly if the service exits without stopping them (a signal during start-up). */
const running = new Set<ServerProcess>();
process.once('exit', () => {
  for (const server of running) server.signal();
});

/**
 * A private server child process of the service (the embedded Redis and PostgreSQL): started and
 * waited for until it answers, its exit logged when nobody asked for it, stopped and awaited.
 * It runs in its own process group: a terminal's Ctrl-C reaches only the service, which stops it
 * in order (last, after everything that uses it), instead of it dying under a service still running.
 */
export class ServerProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #options: ServerProcessOptions;
  #stopping = false;

  private constructor(child: ChildProcess, options: ServerProcessOptions) {
    this.#child = child;
    this.#options = options;
    this.#exited = new Promise((resolve) =>
      child.once('exit', () => {
        running.delete(this);
        resolve();
      }),
    );
  }

  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const { name, bin, log } = options;
    const child = spawn(bin, options.args, { ...options.spawn, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(child, options);
    if (child.pid !== undefined) running.add(server);
    let output = '';
    const collect = (chunk: Buffer): void => {
      const text = chunk.toString();
      output = (output + text).slice(-4000);
      if (options.onLine) for (const line of text.split('\n')) if (line.trim() !== '') options.onLine(line);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    const deadline = Date.now() + options.startTimeoutMs;
    for (;;) {
      if (spawnError) throw new Error(`cannot run ${bin}: ${spawnError.message}`);
      if (child.exitCode !== null) throw new Error(`${name} exited (code ${child.exitCode}) during start-up:\n${output.trim()}`);
      const ready = await options.ready().catch((error: unknown) => {
        child.kill('SIGKILL');
        throw error;
      });
      if (ready) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${name} not ready after ${options.startTimeoutMs} ms:\n${output.trim()}`);
      }
      await sleep(50);
    }
    child.once('exit', (code, signal) => {
      if (!server.#stopping) log.error({ code, signal }, `embedded ${name} exited unexpectedly`);
    });
    return server;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Asks it to stop cleanly, without waiting. */
  signal(): void {
    this.#stopping = true;
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(this.#options.stopSignal);
  }

  /** Asks it to stop cleanly; `escalation` if it has not exited after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.signal();
    const timer = setTimeout(() => this.#child.kill(this.#options.escalation), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
