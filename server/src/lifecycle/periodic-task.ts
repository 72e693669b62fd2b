import type { Logger } from 'pino';

/**
 * Runs `work` every `intervalMs`, never two runs at once (a slow run skips ticks instead of
 * piling up), logging failures instead of throwing. Does not keep the process alive.
 */
export class PeriodicTask {
  readonly #timer: NodeJS.Timeout;
  #running = false;

  constructor(
    private readonly name: string,
    intervalMs: number,
    private readonly work: () => Promise<void>,
    private readonly log: Logger,
  ) {
    this.#timer = setInterval(() => void this.#tick(), intervalMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await this.work();
    } catch (error) {
      this.log.warn({ err: error, task: this.name }, 'periodic task failed');
    } finally {
      this.#running = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
