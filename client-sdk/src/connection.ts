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
/** A token is renewed this share of its lifetime before it expires, between 1 s and 60 s ahead. */
const RENEW_AHEAD_SHARE = 0.1;
const RENEW_AHEAD_MIN_MS = 1000;
const RENEW_AHEAD_MAX_MS = 60_000;

/** When a JWT says it expires (its `exp`, read without checking: only to plan the renewal). */
function expiryOf(token: string): number | undefined {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(
      payload
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(payload.length / 4) * 4, '='),
    );
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
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
  /** The token the service accepted last (at connect, or by auth:renew). */
  #token: string | undefined;
  #renewal: ReturnType<typeof setTimeout> | undefined;

  private constructor(socket: ClientSocket, options: ConnectOptions) {
    super();
    this.socket = socket;
    this.#options = options;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /**
   * Presents a fresh token over the live socket shortly before the current one expires, so the
   * service never has to close it (no reconnect, no call rebuilt). When that fails (the portal gave
   * no fresh token yet), the expiry's reconnect with a fresh token still follows.
   */
  #planRenewal(): void {
    clearTimeout(this.#renewal);
    const expiry = this.#token === undefined ? undefined : expiryOf(this.#token);
    if (expiry === undefined || this.#closed) return;
    const lifetime = expiry - Date.now();
    const ahead = Math.min(RENEW_AHEAD_MAX_MS, Math.max(RENEW_AHEAD_MIN_MS, lifetime * RENEW_AHEAD_SHARE));
    this.#renewal = setTimeout(() => void this.#renew(), Math.max(0, lifetime - ahead));
  }

  async #renew(): Promise<void> {
    const current = this.#token;
    try {
      const fresh = await this.#options.fetchToken();
      if (fresh === current || !this.socket.connected) return;
      await this.request('auth:renew', { token: fresh });
      this.#token = fresh;
      this.#planRenewal();
    } catch {
      // the expiry's reconnect (auth:ended TOKEN_EXPIRED) takes over
    }
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
      this.#planRenewal();
    });
    socket.on('disconnect', () => clearTimeout(this.#renewal));
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
      // A function, so every reconnect presents a fresh token rather than an expired one. It runs
      // once the transport is open, so after `connection` below is set.
      auth: (callback) => {
        options.fetchToken().then(
          (token) => {
            connection.#token = token;
            callback({ token });
          },
          () => callback({ token: '' }),
        );
      },
    });
    const connection = new AssistConnection(socket, options);
    return new Promise((resolve, reject) => {
      const onConnect = (): void => {
        socket.off('connect_error', onError);
        connection.#followToken();
        connection.#planRenewal();
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
      const timed = this.socket.timeout(this.#requestTimeoutMs) as unknown as { emitWithAck(event: string, payload: unknown): Promise<unknown> };
      answer = await timed.emitWithAck(name, payload);
    } catch {
      throw new AssistError(this.socket.connected ? 'TIMEOUT' : 'DISCONNECTED', `No answer to ${name}`);
    }
    if (!Value.Check(AckEnvelope, answer)) throw new AssistError('INTERNAL', `Malformed answer to ${name}`);
    if (!answer.ok) throw new AssistError(answer.error.code, answer.error.message, answer.error.details);
    if (!Value.Check(spec.result, answer.result)) throw new AssistError('INTERNAL', `Unexpected result of ${name}`);
    return answer.result;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#renewal);
    this.socket.disconnect();
  }
}
