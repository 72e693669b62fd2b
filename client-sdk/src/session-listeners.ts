import type { Socket } from 'socket.io-client';
import type { ServerEventName, ServerEventOf } from '@etax-assist/protocol';

/** The server events that are about one session (their payload names it). */
export type SessionEventName = {
  [N in ServerEventName]: ServerEventOf<N> extends { sessionId: string } ? N : never;
}[ServerEventName];

/** socket.io's own events a component may follow. */
type SocketLifecycleEvent = 'connect' | 'disconnect';

type HandlerOf<N extends ServerEventName | SocketLifecycleEvent> = N extends ServerEventName ? (payload: ServerEventOf<N>) => void : () => void;

/**
 * Socket listeners of one session's component (a call, a share, a mirror): events of other
 * sessions are filtered out, and clear() removes everything the component added. Event names and
 * payloads are the protocol's (SERVER_EVENTS): a renamed or reshaped event does not compile.
 */
export class SessionListeners {
  readonly #removers: (() => void)[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly sessionId: string,
  ) {}

  /** A server event about a session: handled only when it is about this one. */
  on<N extends SessionEventName>(event: N, handler: (payload: ServerEventOf<N>) => void): void {
    this.#listen(event, (payload: ServerEventOf<N>) => {
      if ((payload as { sessionId: string }).sessionId === this.sessionId) handler(payload);
    });
  }

  /** Any server event, or the socket's connect and disconnect. */
  onSocket<N extends ServerEventName | SocketLifecycleEvent>(event: N, handler: HandlerOf<N>): void {
    this.#listen(event, handler);
  }

  #listen(event: string, handler: (payload: never) => void): void {
    // the socket is not typed by event, so it takes any listener; the callers typed this one
    const listener = handler as (...args: unknown[]) => void;
    this.socket.on(event, listener);
    this.#removers.push(() => this.socket.off(event, listener));
  }

  clear(): void {
    for (const remove of this.#removers.splice(0)) remove();
  }
}
