import type { Socket } from 'socket.io-client';

/** Records every event a socket receives, so a test can wait for one that matches. */
export class EventLog {
  readonly events: { name: string; payload: unknown }[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(socket: Socket) {
    socket.onAny((name: string, payload: unknown) => {
      this.events.push({ name, payload });
      for (const waiter of [...this.#waiters]) waiter();
    });
  }

  of<T>(name: string, from = 0): T[] {
    return this.events
      .slice(from)
      .filter((e) => e.name === name)
      .map((e) => e.payload as T);
  }

  /** How many events have arrived so far: pass as `from` to wait only for later ones. */
  mark(): number {
    return this.events.length;
  }

  /** Resolves with the first event (received since `from`, or coming) named so that matches. */
  next<T>(name: string, match: (payload: T) => boolean = () => true, timeoutMs = 10_000, from = 0): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.of<T>(name, from).find(match);
        if (found === undefined) return false;
        this.#waiters.delete(waiter);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const waiter = (): void => void check();
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no ${name} event matched within ${timeoutMs} ms; got: ${JSON.stringify(this.events.map((e) => e.name))}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
      check();
    });
  }
}
