import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { PeriodicTask } from '../src/lifecycle/periodic-task.js';

describe('a periodic task', () => {
  it('stops only once a run under way has finished, so a shutdown can close what the work uses', async () => {
    let finishRun: () => void = () => {};
    let runs = 0;
    let finished = false;
    const task = new PeriodicTask(
      'test',
      10,
      async () => {
        runs++;
        await new Promise<void>((resolve) => (finishRun = resolve));
        finished = true;
      },
      pino({ level: 'silent' }),
    );
    await expect.poll(() => runs).toBe(1);
    const stopped = task.stop().then(() => finished);
    // the run is still going: the stop waits for it
    await new Promise((resolve) => setTimeout(resolve, 50));
    finishRun();
    expect(await stopped).toBe(true);
    // and no run starts after the stop
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs).toBe(1);
  });
});
