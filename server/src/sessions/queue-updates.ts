import type { Logger } from 'pino';
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
  readonly #timer: NodeJS.Timeout;
  #running = false;

  constructor(
    private readonly io: AppServer,
    private readonly sessions: SessionStore,
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
        const figures = `${summary.state}|${summary.queuePosition}|${summary.estimatedWaitS ?? ''}`;
        if (this.#sent.get(sessionId) === figures) continue;
        this.#sent.set(sessionId, figures);
        this.io.local.to(rooms.session(sessionId)).emit('session:state', summary);
      }
    } catch (error) {
      this.log.warn({ err: error }, 'queue position updates failed');
    } finally {
      this.#running = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
