import type { Logger } from 'pino';
import type { Dispatcher } from './dispatcher.js';

/**
 * Runs the dispatcher's sweep on every instance: offer timeouts, lost agents, abandoned
 * taxpayers, ended wrap-ups and widening steps live in Redis, so no timer of a dead process can
 * strand a session; the sweep is atomic, so instances sweeping at once do each thing once.
 */
export class Sweeper {
  readonly #timer: NodeJS.Timeout;
  #running = false;

  constructor(
    private readonly dispatcher: Dispatcher,
    intervalMs: number,
    private readonly log: Logger,
  ) {
    this.#timer = setInterval(() => void this.#tick(), intervalMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      const counts = await this.dispatcher.sweep();
      if (Object.values(counts).some((n) => n > 0)) this.log.info(counts, 'dispatch sweep');
    } catch (error) {
      this.log.warn({ err: error }, 'dispatch sweep failed');
    } finally {
      this.#running = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
