import type { ChildProcess } from 'node:child_process';
import type { ServiceProcess } from './process.js';
import type { TestBrowser } from './browser.js';
import type { TestPostgres } from './postgres.js';
import type { TestRedis } from './redis.js';
import type { TestService } from './service.js';

/** How long a stop may take before the process it stops is killed. */
const STOP_TIMEOUT_MS = 10_000;

interface Owned {
  what: string;
  stop(): Promise<unknown>;
  /** Processes to SIGKILL if the script exits before `stop` could run (or finish). */
  pids(): (number | undefined)[];
}

/** Sends SIGTERM, then SIGKILL if the process has not exited in time. */
async function terminate(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function kill(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * A benchmark or load script's run (tests/bench, tests/load): everything the script starts is
 * registered here (services, redis-servers, postgres servers, browsers, child processes) and stopped, newest first,
 * on any way out: the end, an error in a step, an unhandled error or rejection (an ack timeout in
 * a callback), SIGINT or SIGTERM. A failure is reported as `step "<name>" failed: <why>` with a
 * non-zero exit code, never as a crash that leaves processes behind with no parent.
 */
export class ScriptRun {
  readonly #owned: Owned[] = [];
  #step = 'start';
  #ending: Promise<never> | undefined;

  constructor(readonly name: string) {
    process.on('uncaughtException', (error) => void this.fail(error));
    process.on('unhandledRejection', (reason) => void this.fail(reason));
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        // a second Ctrl-C does not wait for the stops under way
        if (this.#ending) this.#killAll(130);
        void this.#end(130, `step "${this.#step}" failed: interrupted (${signal})`);
      });
    }
    // last resort when something calls process.exit: nothing started here outlives the script
    process.on('exit', () => this.#killAll());
  }

  /** Names the step the script is at from here on (a failure, however it surfaces, is reported as this step's). */
  at(name: string): void {
    this.#step = name;
  }

  /** Runs one named step; its failure ends the run (everything stopped, exit code 1). */
  async step<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.at(name);
    try {
      return await work();
    } catch (error) {
      return this.fail(error);
    }
  }

  /** Ends the run as failed in the current step. */
  fail(error: unknown): Promise<never> {
    const why = error instanceof Error ? error.message : String(error);
    return this.#end(1, `step "${this.#step}" failed: ${why}`);
  }

  /** Ends the run as done: everything stopped, exit code 0. */
  done(): Promise<never> {
    return this.#end(0);
  }

  /** Registers something the script started, with how to stop it and the processes it runs. */
  own<T>(what: string, thing: T, stop: (thing: T) => unknown, pids: (thing: T) => (number | undefined)[] = () => []): T {
    this.#owned.push({ what, stop: async () => stop(thing), pids: () => pids(thing) });
    return thing;
  }

  process(what: string, child: ChildProcess): ChildProcess {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    return this.own(
      what,
      child,
      (c) => terminate(c, exited),
      (c) => [c.pid],
    );
  }

  service(proc: ServiceProcess, what = 'service'): ServiceProcess {
    return this.own(
      what,
      proc,
      (p) => terminate(p.child, p.exited),
      (p) => [p.child.pid],
    );
  }

  redis(redis: TestRedis): TestRedis {
    return this.own(
      'redis-server',
      redis,
      (r) => r.stop(),
      (r) => [r.redis.pid],
    );
  }

  postgres(postgres: TestPostgres): TestPostgres {
    return this.own(
      'postgres',
      postgres,
      (p) => p.stop(),
      (p) => [p.postgres.pid],
    );
  }

  /** A service in this process (with its own redis-server and postgres unless it shares them). */
  testService(service: TestService): TestService {
    return this.own(
      'service',
      service,
      (s) => s.stop(),
      (s) => [s.redis.redis.pid, s.postgres.postgres.pid],
    );
  }

  browser(browser: TestBrowser): TestBrowser {
    return this.own(
      'browser',
      browser,
      (b) => b.close(),
      (b) => [b.browser.process()?.pid],
    );
  }

  #killAll(exitCode?: number): void {
    for (const owned of this.#owned) for (const pid of owned.pids()) kill(pid);
    if (exitCode !== undefined) process.exit(exitCode);
  }

  #end(code: number, message?: string): Promise<never> {
    this.#ending ??= (async () => {
      if (message) console.error(`${this.name}: ${message}`);
      for (const owned of this.#owned.reverse()) {
        const stopping = owned.stop();
        const timedOut = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref());
        const outcome = await Promise.race([
          stopping.then(
            () => 'stopped',
            (error: unknown) => error,
          ),
          timedOut,
        ]);
        if (outcome !== 'stopped') {
          console.error(`${this.name}: stopping the ${owned.what} failed (${outcome instanceof Error ? outcome.message : String(outcome)}): killing it`);
          for (const pid of owned.pids()) kill(pid);
        }
      }
      this.#owned.length = 0;
      process.exit(code);
    })();
    return this.#ending;
  }
}
