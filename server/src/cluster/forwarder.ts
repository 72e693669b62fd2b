import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ProtocolError, type ErrorCode } from '@etax-assist/protocol';
import type { RedisClient } from '../redis/client.js';
import { asUnavailable } from '../redis/unavailable.js';

const requestChannel = (instance: string) => `cluster:rpc:${instance}`;
const replyChannel = (instance: string) => `cluster:rpc-reply:${instance}`;

interface RpcRequest {
  id: string;
  from: string;
  method: string;
  payload: unknown;
}

type RpcReply = { id: string; ok: true; result: unknown } | { id: string; ok: false; error: { code: ErrorCode; message: string; details?: unknown } };

type Handler = (payload: never) => Promise<unknown>;

/**
 * Requests from one instance to another, through Redis pub/sub: a session's media lives on one
 * instance, and a participant connected elsewhere reaches it through here. A request that gets
 * no answer in time fails with UNAVAILABLE (the client retries or rejoins), never hangs.
 */
export class Forwarder {
  readonly #handlers = new Map<string, Handler>();
  readonly #pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();

  private constructor(
    private readonly redis: RedisClient,
    private readonly subscriber: RedisClient,
    readonly self: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  static async start(redis: RedisClient, self: string, timeoutMs: number, log: Logger): Promise<Forwarder> {
    const subscriber = redis.duplicate();
    subscriber.on('error', (error: Error) => log.error({ err: error }, 'forwarder subscription error'));
    await subscriber.connect();
    const forwarder = new Forwarder(redis, subscriber, self, timeoutMs, log);
    await subscriber.subscribe(requestChannel(self), (message) => void forwarder.#serve(message));
    await subscriber.subscribe(replyChannel(self), (message) => forwarder.#settle(message));
    return forwarder;
  }

  handle<P>(method: string, handler: (payload: P) => Promise<unknown>): void {
    this.#handlers.set(method, handler as Handler);
  }

  call<R>(target: string, method: string, payload: unknown): Promise<R> {
    const id = randomUUID();
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ProtocolError('UNAVAILABLE', 'The instance holding this session did not answer; try again'));
      }, this.timeoutMs);
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      const request: RpcRequest = { id, from: this.self, method, payload };
      this.redis.publish(requestChannel(target), JSON.stringify(request)).then(
        (receivers) => {
          // nobody subscribed: that instance is gone, no need to wait for the timeout
          if (receivers === 0) this.#fail(id, new ProtocolError('UNAVAILABLE', 'The instance holding this session is gone; rejoin'));
        },
        (error: unknown) => this.#fail(id, error instanceof Error ? error : new Error(String(error))),
      );
    });
  }

  #fail(id: string, error: Error): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    pending.reject(error);
  }

  async #serve(message: string): Promise<void> {
    const request = JSON.parse(message) as RpcRequest;
    let reply: RpcReply;
    try {
      const handler = this.#handlers.get(request.method);
      if (!handler) throw new ProtocolError('INTERNAL', `No handler for ${request.method}`);
      reply = { id: request.id, ok: true, result: (await handler(request.payload as never)) ?? null };
    } catch (thrown) {
      const error = asUnavailable(thrown);
      const known = error instanceof ProtocolError;
      if (!known) this.log.error({ err: error, method: request.method }, 'forwarded request failed');
      reply = { id: request.id, ok: false, error: known ? { code: error.code, message: error.message, details: error.details } : { code: 'INTERNAL', message: 'Internal error' } };
    }
    await this.redis.publish(replyChannel(request.from), JSON.stringify(reply)).catch((error: unknown) => this.log.warn({ err: error }, 'forwarded reply lost'));
  }

  #settle(message: string): void {
    const reply = JSON.parse(message) as RpcReply;
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(new ProtocolError(reply.error.code, reply.error.message, reply.error.details));
  }

  async stop(): Promise<void> {
    for (const id of [...this.#pending.keys()]) this.#fail(id, new ProtocolError('UNAVAILABLE', 'This instance is shutting down'));
    if (this.subscriber.isOpen) await this.subscriber.close();
  }
}
