import { io, type Socket } from 'socket.io-client';
import { EventLog } from './events.js';
import { AckEnvelope, CLIENT_REQUESTS, parse, type Ack, type ClientRequestName, type RequestOf, type ResultOf } from '@etax-assist/protocol';

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

/** A declared request's name with a payload of its schema, for tables of requests sent in a loop. */
export type DeclaredRequest = { [N in ClientRequestName]: [name: N, payload: RequestOf<N>] }[ClientRequestName];

/**
 * Sends a declared request with its declared payload and returns the ack, refusals included; an ack
 * or a result that does not match its declared schema throws, so every test also checks the contract.
 */
export async function request<N extends ClientRequestName>(socket: TestSocket, name: N, payload: RequestOf<N>): Promise<Ack<ResultOf<N>>> {
  const ack = parse(AckEnvelope, await rawRequest(socket, name, payload), `${name} ack`);
  if (ack.ok) parse(CLIENT_REQUESTS[name].result, ack.result, `${name} result`);
  return ack as Ack<ResultOf<N>>;
}

/** Sends a declared request and returns its result; a refusal throws with its code. */
export async function requestOk<N extends ClientRequestName>(socket: TestSocket, name: N, payload: RequestOf<N>): Promise<ResultOf<N>> {
  const ack = await request(socket, name, payload);
  if (!ack.ok) throw new Error(`${name}: ${ack.error.code} ${ack.error.message}`);
  return ack.result;
}

/** Sends any name with any payload, for the tests of how the server refuses undeclared names and malformed payloads. */
export function rawRequest(socket: TestSocket, name: string, payload?: unknown): Promise<Ack<unknown>> {
  return socket.timeout(5000).emitWithAck(name, payload) as Promise<Ack<unknown>>;
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
