import type { Socket } from 'socket.io';
import { CLIENT_REQUESTS, ProtocolError, parse, type Ack, type ClientRequestName, type RealtimePrincipal, type RequestOf, type ResultOf, type Role } from '@etax-assist/protocol';
import type { Logger } from 'pino';
import type { AppSocket } from './socket-server.js';
import { asUnavailable } from '../redis/unavailable.js';
import type { ReplicationBarrier } from '../redis/replication-barrier.js';

export interface RequestContext {
  socket: AppSocket;
  principal: RealtimePrincipal;
  log: Logger;
}

interface HandlerEntry<N extends ClientRequestName> {
  roles: readonly Role[];
  handle: (context: RequestContext, payload: RequestOf<N>) => Promise<ResultOf<N>>;
}

type AnyHandlerEntry = HandlerEntry<ClientRequestName>;

/** Requests whose acknowledgement waits until the replicas have their writes (redis/replicated-requests.ts). */
export interface ReplicatedAcks {
  requests: ReadonlySet<ClientRequestName>;
  barrier: Pick<ReplicationBarrier, 'confirm'>;
}

function errorAck(thrown: unknown, log: Logger, name: string): Ack<never> {
  const error = asUnavailable(thrown);
  if (error instanceof ProtocolError) {
    if (error !== thrown) log.warn({ err: thrown, request: name }, 'socket request failed: Redis unavailable');
    return { ok: false, error: error.toBody() };
  }
  log.error({ err: error, request: name }, 'socket request failed');
  return { ok: false, error: { code: 'INTERNAL', message: 'Internal error' } };
}

/**
 * The socket's request/ack protocol: each request declared in CLIENT_REQUESTS gets one handler
 * with the roles allowed to call it; payloads are validated before the handler runs and every
 * request is answered with `{ ok: true, result }` or `{ ok: false, error: { code, message } }`.
 */
export class RequestRouter {
  readonly #handlers = new Map<ClientRequestName, AnyHandlerEntry>();

  /** `observe` hears every request's outcome ('ok' or the error code), for metrics. */
  constructor(
    private readonly observe: (request: string, outcome: string) => void = () => {},
    private readonly replicated?: ReplicatedAcks,
  ) {}

  on<N extends ClientRequestName>(name: N, roles: readonly Role[], handle: (context: RequestContext, payload: RequestOf<N>) => Promise<ResultOf<N>>): void {
    if (this.#handlers.has(name)) throw new Error(`socket request ${name} already has a handler`);
    this.#handlers.set(name, { roles, handle });
  }

  attach(socket: AppSocket, log: Logger): void {
    const principal = socket.data.principal;
    const raw = socket as unknown as Socket;
    raw.onAny((name: string, ...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (typeof ack !== 'function') {
        log.warn({ request: name }, 'socket request without an ack callback ignored');
        return;
      }
      const reply = ack as (answer: Ack<unknown>) => void;
      const entry = this.#handlers.get(name as ClientRequestName);
      if (!entry) {
        this.observe('unknown', 'UNKNOWN_EVENT');
        reply({ ok: false, error: { code: 'UNKNOWN_EVENT', message: `Unknown request "${name}"` } });
        return;
      }
      const payload = args.length > 1 ? args[0] : undefined;
      void this.#dispatch(name as ClientRequestName, entry, { socket, principal, log }, payload).then((answer) => {
        this.observe(name, answer.ok ? 'ok' : answer.error.code);
        reply(answer);
      });
    });
  }

  async #dispatch(name: ClientRequestName, entry: AnyHandlerEntry, context: RequestContext, payload: unknown): Promise<Ack<unknown>> {
    try {
      if (!entry.roles.includes(context.principal.role)) {
        throw new ProtocolError('FORBIDDEN', `"${name}" needs one of the roles: ${entry.roles.join(', ')}`);
      }
      const request = parse(CLIENT_REQUESTS[name].request, payload, `${name} payload`);
      const result = await entry.handle(context, request);
      if (this.replicated?.requests.has(name)) await this.replicated.barrier.confirm();
      return { ok: true, result };
    } catch (error) {
      return errorAck(error, context.log, name);
    }
  }
}
