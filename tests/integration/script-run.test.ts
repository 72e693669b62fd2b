import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const DEMO = join(import.meta.dirname, 'fixtures/script-run-demo.ts');

/** Every process below `pid` now (children, grandchildren…), from /proc. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // the command name may hold spaces and parentheses: the fields start after the last ')'
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  const walk = (parent: number): void => {
    for (const [child, ppid] of parentOf) {
      if (ppid !== parent) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/** Alive and not a zombie waiting for its new parent to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Runs the demo script as `npm run bench:*` runs a script, until it has started everything. */
async function runDemo(end: 'throw' | 'reject' | 'wait') {
  const child = spawn(join(ROOT, 'node_modules/.bin/vite-node'), ['--config', 'tests/vitest.config.ts', DEMO], {
    cwd: ROOT,
    env: { ...process.env, SCRIPT_RUN_END: end },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // what it started, looked up before it ends (mediasoup workers are the service's children)
  await expect.poll(() => /started (\{.*\})/.exec(output), { timeout: 60_000, interval: 100 }).toBeTruthy();
  const started = JSON.parse(/started (\{.*\})/.exec(output)![1]!) as Record<string, number>;
  const tree = descendants(child.pid!);
  child.stdin.write('go\n');
  return { child, started, tree, exited, output: () => output };
}

/** Issue 15, item 16: a benchmark or load script stops what it started, however it ends. */
describe('a script run (tests/harness/script-run.ts)', () => {
  for (const end of ['throw', 'reject'] as const) {
    it(`reports the failed step and leaves no process behind when ${end === 'throw' ? 'a step throws' : 'a rejection goes unhandled'}`, async () => {
      const demo = await runDemo(end);
      expect(Object.values(demo.started).every((pid) => demo.tree.includes(pid))).toBe(true);
      expect(demo.tree.length).toBeGreaterThan(3); // and the service's mediasoup worker
      expect(await demo.exited).toBe(1);
      expect(demo.output()).toContain('script-run-demo: step "measure" failed: operation has timed out');
      await expect.poll(() => demo.tree.filter(alive), { timeout: 15_000 }).toEqual([]);
    }, 90_000);
  }

  it('stops everything on Ctrl-C (SIGINT) and says which step was interrupted', async () => {
    const demo = await runDemo('wait');
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(130);
    expect(demo.output()).toContain('script-run-demo: step "measure" failed: interrupted (SIGINT)');
    await expect.poll(() => demo.tree.filter(alive), { timeout: 15_000 }).toEqual([]);
  }, 90_000);
});
