import type { Logger } from 'pino';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import type { AppServer } from '../realtime/socket-server.js';
import { rooms } from '../realtime/rooms.js';
import type { SessionStore } from './session-store.js';

const SESSION_ROOM = /^session:(.+)$/;

/**
 * Keeps waiting taxpayers told their queue position and estimated wait: each instance looks at
 * its own taxpayer sockets and sends an update when the figures change.
 */
export class QueueUpdates {
  readonly #sent = new Map<string, string>();
  readonly #task: PeriodicTask;

  constructor(
    private readonly io: AppServer,
    private readonly sessions: SessionStore,
    intervalMs: number,
    log: Logger,
  ) {
    this.#task = new PeriodicTask('queue updates', intervalMs, () => this.#tick(), log);
  }

  async #tick(): Promise<void> {
    const waiting = new Set<string>();
    for (const socket of this.io.of('/').sockets.values()) {
      if (socket.data.principal?.role !== 'taxpayer') continue;
      for (const room of socket.rooms) {
        const match = SESSION_ROOM.exec(room);
        if (match?.[1]) waiting.add(match[1]);
      }
    }
    for (const sessionId of this.#sent.keys()) if (!waiting.has(sessionId)) this.#sent.delete(sessionId);
    for (const sessionId of waiting) {
      const summary = await this.sessions.summary(sessionId);
      if (!summary || summary.queuePosition === undefined) {
        this.#sent.delete(sessionId);
        continue;
      }
      const figures = `${summary.state}|${summary.queuePosition}|${summary.estimatedWaitS ?? ''}|${summary.agentOnDuty}`;
      if (this.#sent.get(sessionId) === figures) continue;
      this.#sent.set(sessionId, figures);
      this.io.local.to(rooms.session(sessionId)).emit('session:state', summary);
    }
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }
}
