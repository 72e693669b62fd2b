import type { Logger } from 'pino';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import type { Dispatcher } from './dispatcher.js';

/**
 * Runs the dispatcher's sweep on every instance: offer timeouts, lost agents, abandoned
 * taxpayers, ended wrap-ups and widening steps live in Redis, so no timer of a dead process can
 * strand a session; the sweep is atomic, so instances sweeping at once do each thing once.
 */
export function startSweeper(dispatcher: Dispatcher, intervalMs: number, log: Logger): PeriodicTask {
  return new PeriodicTask(
    'dispatch sweep',
    intervalMs,
    async () => {
      const counts = await dispatcher.sweep();
      if (Object.values(counts).some((n) => n > 0)) log.info(counts, 'dispatch sweep');
    },
    log,
  );
}
