import { io, type Socket } from 'socket.io-client';
import { EventLog } from './events.js';
import type { Ack } from '@etax-assist/protocol';

export type TestSocket = Socket;

/** Connects with the token; resolves on connect, rejects with the refusal's `data.code`. */
export function connectSocket(url: string, token: string | undefined): Promise<TestSocket> {
  const socket = io(url, { transports: ['websocket'], auth: token === undefined ? {} : { token }, reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
      socket.close();
      reject(Object.assign(new Error(error.message), { code: error.data?.code }));
    });
  });
}

/** Sends a request and returns the ack as it came. */
export function request<T = unknown>(socket: TestSocket, name: string, payload?: unknown): Promise<Ack<T>> {
  return socket.timeout(5000).emitWithAck(name, payload) as Promise<Ack<T>>;
}

/** A suite's socket clients, each with the log of what it received, closed together when the suite ends. */
export class TestClients {
  readonly #sockets: TestSocket[] = [];

  constructor(private readonly url: () => string) {}

  async connect(token: string): Promise<{ socket: TestSocket; log: EventLog }> {
    const socket = await connectSocket(this.url(), token);
    this.#sockets.push(socket);
    return { socket, log: new EventLog(socket) };
  }

  closeAll(): void {
    for (const socket of this.#sockets.splice(0)) socket.close();
  }
}
