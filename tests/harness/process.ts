import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const MAIN = join(import.meta.dirname, '../../server/dist/main.js');

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything the process wrote, for assertions and for failure messages. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the output contains the text. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
}

/** Runs the service as `npm start` does (node server/dist/main.js) with the given environment. */
/** `terminal`: in a process group of its own, as a shell runs it, so that a Ctrl-C can be sent to the whole group (`process.kill(-pid)`). */
export function spawnService(env: Record<string, string>, options: { terminal?: boolean } = {}): ServiceProcess {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: options.terminal === true });
  let output = '';
  const waiters: (() => void)[] = [];
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const check of [...waiters]) check();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    output: () => output,
    exited,
    waitFor(text, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const matches = (): boolean => (typeof text === 'string' ? output.includes(text) : text.test(output));
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(text)}; output:\n${output}`)), timeoutMs);
        const check = (): void => {
          if (!matches()) return;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolve();
        };
        waiters.push(check);
        void exited.then(() => {
          if (!matches()) {
            clearTimeout(timer);
            reject(new Error(`process exited before ${String(text)}; output:\n${output}`));
          }
        });
        check();
      });
    },
  };
}
