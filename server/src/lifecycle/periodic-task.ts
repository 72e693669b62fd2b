import type { Logger } from 'pino';

/**
 * Runs `work` every `intervalMs`, never two runs at once (a slow run skips ticks instead of
 * piling up), logging failures instead of throwing. Does not keep the process alive. `stop()`
 * resolves once a run under way has finished, so a shutdown can close what the work uses.
 */
export class PeriodicTask {
  readonly #timer: NodeJS.Timeout;
  #running: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    intervalMs: number,
    private readonly work: () => Promise<void>,
    private readonly log: Logger,
  ) {
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    this.#timer.unref();
  }

  #tick(): void {
    if (this.#running) return;
    this.#running = this.#run().finally(() => (this.#running = undefined));
  }

  async #run(): Promise<void> {
    try {
      await this.work();
    } catch (error) {
      this.log.warn({ err: error, task: this.name }, 'periodic task failed');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
