import type { Logger } from 'pino';
import type { CallInConfig } from '../config/env.js';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import { callInRound } from './call-in-triggers.js';
import type { CallIns } from './call-ins.js';
import type { SupervisorMetricsPublisher } from './supervisor-metrics.js';

/**
 * Every instance, at each metrics interval: closes the call-ins whose time ran out, and for each
 * queue whose live figures pass a threshold runs an automatic round. Instances doing it at once
 * are harmless: each round is one atomic decision in the script (open call-ins, cool-down).
 */
export class CallInWatch {
  readonly #task: PeriodicTask;

  constructor(
    private readonly callIns: CallIns,
    private readonly metrics: SupervisorMetricsPublisher,
    private readonly config: CallInConfig,
    private readonly forecastMaxAgents: number,
    intervalMs: number,
    private readonly log: Logger,
  ) {
    this.#task = new PeriodicTask('call-ins', intervalMs, () => this.check(), log);
  }

  async check(): Promise<void> {
    await this.callIns.expire();
    for (const queue of this.metrics.latest?.queues ?? []) {
      const round = callInRound(queue, this.config, this.forecastMaxAgents);
      if (!round) continue;
      const agents = await this.callIns.round(round);
      if (agents.length > 0) this.log.info({ queue: round.queue, trigger: round.trigger, gap: round.gap, waitS: round.waitS, agents }, 'back-office agents called in');
    }
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }
}
