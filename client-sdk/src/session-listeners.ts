import type { Socket } from 'socket.io-client';

type Handler<T> = (payload: T) => void;

/**
 * Socket listeners of one session's component (a call, a share, a mirror): events of other
 * sessions are filtered out, and clear() removes everything the component added.
 */
export class SessionListeners {
  readonly #removers: (() => void)[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly sessionId: string,
  ) {}

  /** A server event about a session: handled only when it is about this one. */
  on<T extends { sessionId: string }>(event: string, handler: Handler<T>): void {
    this.onSocket<T>(event, (payload) => {
      if (payload.sessionId === this.sessionId) handler(payload);
    });
  }

  /** Any socket event (connect, disconnect, …). */
  onSocket<T>(event: string, handler: Handler<T>): void {
    const on = this.socket.on as unknown as (e: string, h: Handler<T>) => void;
    const off = this.socket.off as unknown as (e: string, h: Handler<T>) => void;
    on.call(this.socket, event, handler);
    this.#removers.push(() => off.call(this.socket, event, handler));
  }

  clear(): void {
    for (const remove of this.#removers.splice(0)) remove();
  }
}
