import { io, type Socket } from 'socket.io-client';
import { Value } from '@sinclair/typebox/value';
import {
  AckEnvelope,
  CLIENT_REQUESTS,
  ConnectErrorData,
  type ClientRequestName,
  type ClientToServerEvents,
  type RequestOf,
  type ResultOf,
  type ServerToClientEvents,
} from '@etax-assist/protocol';
import { Emitter } from './emitter.js';
import { AssistError } from './errors.js';

export interface ConnectOptions {
  /** Base URL of the assistance service, e.g. https://assist.example.gov.cn */
  serviceUrl: string;
  /** Supplied by the portal: returns a fresh token for the signed-in user. Called on every (re)connect. */
  fetchToken: () => Promise<string>;
  /** How long a request waits for its ack. */
  requestTimeoutMs?: number;
}

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ConnectionEvents extends Record<string, unknown[]> {
  /**
   * The service no longer accepts this user: the token was revoked (signed out), or after it
   * expired no acceptable fresh one came from `fetchToken`. The link stays down; sign in again.
   */
  'signed-out': [error: AssistError];
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** A reconnect refused because the service is briefly unavailable is tried again after this. */
const UNAVAILABLE_RETRY_MS = 2000;

/**
 * The authenticated realtime link to the service. Requests are validated against the shared
 * protocol before they are sent and their acks after they arrive.
 *
 * The service closes the socket when its token expires (`auth:ended` TOKEN_EXPIRED): the link
 * then reconnects at once with a fresh token from `fetchToken`, and the server puts the user back
 * into their session, so nobody needs to notice (`renewingToken` tells the UI not to show it).
 */
export class AssistConnection extends Emitter<ConnectionEvents> {
  readonly socket: ClientSocket;
  readonly #requestTimeoutMs: number;
  readonly #options: ConnectOptions;
  #renewingToken = false;
  #closed = false;

  private constructor(socket: ClientSocket, options: ConnectOptions) {
    super();
    this.socket = socket;
    this.#options = options;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** True from an expired token's disconnect until the reconnect with a fresh one: not an outage. */
  get renewingToken(): boolean {
    return this.#renewingToken;
  }

  /** Follows the token's life once connected: renew on expiry, report a final refusal. */
  #followToken(): void {
    const { socket } = this;
    socket.on('auth:ended', ({ code, message }) => {
      if (code === 'TOKEN_EXPIRED') this.#renewingToken = true;
      else this.emit('signed-out', new AssistError(code, message));
    });
    socket.on('disconnect', (reason) => {
      // socket.io does not reconnect after a server-side disconnect by itself; the auth
      // callback presents a fresh token
      if (reason === 'io server disconnect' && this.#renewingToken) socket.connect();
    });
    socket.on('connect', () => {
      this.#renewingToken = false;
    });
    socket.on('connect_error', (error: Error & { data?: unknown }) => {
      // transport errors are retried by socket.io itself; a refusal by the server is not
      if (!Value.Check(ConnectErrorData, error.data)) return;
      if (error.data.code === 'UNAVAILABLE') {
        setTimeout(() => {
          if (!this.#closed) socket.connect();
        }, UNAVAILABLE_RETRY_MS);
        return;
      }
      this.#renewingToken = false;
      this.emit('signed-out', new AssistError(error.data.code, error.message));
    });
  }

  /** An HTTP call to the service with the user's bearer token; errors become AssistError. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const token = await this.#options.fetchToken();
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    const response = await fetch(new URL(path, this.#options.serviceUrl), { ...init, headers });
    if (response.ok) return response;
    const body = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    throw new AssistError((body?.error?.code as AssistError['code']) ?? 'INTERNAL', body?.error?.message ?? `HTTP ${response.status}`);
  }

  /** Connects and resolves once authenticated; rejects with the server's refusal code. */
  static connect(options: ConnectOptions): Promise<AssistConnection> {
    const socket: ClientSocket = io(options.serviceUrl, {
      path: '/socket.io',
      transports: ['websocket', 'polling'],
      // A function, so every reconnect presents a fresh token rather than an expired one.
      auth: (callback) => {
        options.fetchToken().then(
          (token) => callback({ token }),
          () => callback({ token: '' }),
        );
      },
    });
    const connection = new AssistConnection(socket, options);
    return new Promise((resolve, reject) => {
      const onConnect = (): void => {
        socket.off('connect_error', onError);
        connection.#followToken();
        resolve(connection);
      };
      const onError = (error: Error & { data?: unknown }): void => {
        // A refusal by the server is final; transport errors are retried by socket.io itself.
        if (!Value.Check(ConnectErrorData, error.data)) return;
        socket.off('connect', onConnect);
        socket.off('connect_error', onError);
        socket.disconnect();
        reject(new AssistError(error.data.code, error.message));
      };
      socket.once('connect', onConnect);
      socket.on('connect_error', onError);
    });
  }

  async request<N extends ClientRequestName>(name: N, payload: RequestOf<N>): Promise<ResultOf<N>> {
    const spec = CLIENT_REQUESTS[name];
    if (!Value.Check(spec.request, payload)) {
      const first = Value.Errors(spec.request, payload).First();
      throw new AssistError('VALIDATION_FAILED', `Invalid ${name} payload: ${first?.path ?? ''} ${first?.message ?? ''}`);
    }
    let answer: unknown;
    try {
      // socket.io's typed emit cannot follow a generic event name, hence the widening.
      const emit = this.socket.timeout(this.#requestTimeoutMs).emitWithAck as (event: string, payload: unknown) => Promise<unknown>;
      answer = await emit.call(this.socket.timeout(this.#requestTimeoutMs), name, payload);
    } catch {
      throw new AssistError(this.socket.connected ? 'TIMEOUT' : 'DISCONNECTED', `No answer to ${name}`);
    }
    if (!Value.Check(AckEnvelope, answer)) throw new AssistError('INTERNAL', `Malformed answer to ${name}`);
    if (!answer.ok) throw new AssistError(answer.error.code, answer.error.message, answer.error.details);
    if (!Value.Check(spec.result, answer.result)) throw new AssistError('INTERNAL', `Unexpected result of ${name}`);
    return answer.result as ResultOf<N>;
  }

  close(): void {
    this.#closed = true;
    this.socket.disconnect();
  }
}
