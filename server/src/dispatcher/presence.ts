import type { Logger } from 'pino';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import type { Dispatcher } from './dispatcher.js';

/**
 * Heartbeats for the agents connected to this instance. When an agent's last socket here closes
 * (or this instance dies) the heartbeats stop and the dispatcher marks the agent offline after
 * DISPATCH_AGENT_HEARTBEAT_TIMEOUT_S; a reload within that time goes unnoticed.
 */
export class AgentPresence {
  readonly #sockets = new Map<string, number>();
  readonly #task: PeriodicTask;

  constructor(
    private readonly dispatcher: Dispatcher,
    intervalMs: number,
    private readonly log: Logger,
  ) {
    this.#task = new PeriodicTask('agent heartbeats', intervalMs, () => this.#beat([...this.#sockets.keys()]), log);
  }

  async connected(agentId: string): Promise<void> {
    this.#sockets.set(agentId, (this.#sockets.get(agentId) ?? 0) + 1);
    await this.#beat([agentId]);
  }

  disconnected(agentId: string): void {
    const left = (this.#sockets.get(agentId) ?? 1) - 1;
    if (left > 0) this.#sockets.set(agentId, left);
    else this.#sockets.delete(agentId);
  }

  get agents(): string[] {
    return [...this.#sockets.keys()];
  }

  async #beat(agentIds: string[]): Promise<void> {
    try {
      await this.dispatcher.heartbeat(agentIds);
    } catch (error) {
      this.log.warn({ err: error }, 'agent heartbeat failed');
    }
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }
}
