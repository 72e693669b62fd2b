import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  CLUSTER_WIRE_VERSION,
  INSTANCE_CALLS,
  InstanceCallReply,
  InstanceCallRequest,
  ProtocolError,
  isInstanceCallName,
  parse,
  type InstanceCallName,
  type InstanceCallPayload,
  type InstanceCallResult,
} from '@etax-assist/protocol';
import type { RedisClient } from '../redis/client.js';
import { asUnavailable } from '../redis/unavailable.js';

const requestChannel = (instance: string) => `cluster:rpc:${instance}`;
const replyChannel = (instance: string) => `cluster:rpc-reply:${instance}`;

/** One handler per declared instance call: a call added to INSTANCE_CALLS without one does not compile. */
export type InstanceCallHandlers = { [N in InstanceCallName]: (payload: InstanceCallPayload<N>) => Promise<InstanceCallResult<N>> };

interface Pending {
  settle: (reply: InstanceCallReply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

type Envelope = Record<string, unknown> & { id: string };

/** The message as an object with an id (the fixed part every version shares), if it is one. */
function envelopeOf(message: string): Envelope | undefined {
  try {
    const value: unknown = JSON.parse(message);
    if (typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string') return value as Envelope;
  } catch {
    // not JSON: dropped like any other unreadable message
  }
  return undefined;
}

function versionMismatch(caller: unknown, answerer: unknown): ProtocolError {
  return new ProtocolError(
    'VERSION_MISMATCH',
    `An instance of cluster wire version ${String(caller)} called one of version ${String(answerer)}; try again once the upgrade is done`,
    { caller, answerer },
  );
}

/**
 * Calls from one instance to another (INSTANCE_CALLS), through Redis pub/sub: a session's media
 * lives on one instance, and a participant connected elsewhere reaches it through here. Payloads
 * are validated on receipt and results by the caller; a call that gets no answer in time fails
 * with UNAVAILABLE (the client retries or rejoins), never hangs.
 */
export class Forwarder {
  #serving = false;
  readonly #pending = new Map<string, Pending>();

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
    await subscriber.subscribe(replyChannel(self), (message) => forwarder.#settle(message));
    return forwarder;
  }

  /** Starts answering the other instances; until then a call to this one finds nobody listening. */
  async serve(handlers: InstanceCallHandlers): Promise<void> {
    if (this.#serving) throw new Error('the forwarder already serves its calls');
    this.#serving = true;
    await this.subscriber.subscribe(requestChannel(this.self), (message) => void this.#serve(handlers, message));
  }

  call<N extends InstanceCallName>(target: string, name: N, payload: InstanceCallPayload<N>): Promise<InstanceCallResult<N>> {
    const id = randomUUID();
    return new Promise<InstanceCallResult<N>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ProtocolError('UNAVAILABLE', 'The instance holding this session did not answer; try again'));
      }, this.timeoutMs);
      const settle = (reply: InstanceCallReply): void => {
        if (!reply.ok) return reject(new ProtocolError(reply.error.code, reply.error.message, reply.error.details));
        try {
          resolve(parse(INSTANCE_CALLS[name].result, reply.result, `${name} result from ${target}`));
        } catch (error) {
          this.log.warn({ err: error, call: name, target }, 'instance call answered with a malformed result');
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      this.#pending.set(id, { settle, reject, timer });
      const request: InstanceCallRequest = { v: CLUSTER_WIRE_VERSION, id, from: this.self, name, payload };
      this.redis.publish(requestChannel(target), JSON.stringify(request)).then(
        (receivers) => {
          // nobody subscribed: that instance is gone, no need to wait for the timeout
          if (receivers === 0) this.#fail(id, new ProtocolError('UNAVAILABLE', 'The instance holding this session is gone; rejoin'));
        },
        (error: unknown) => this.#fail(id, error instanceof Error ? error : new Error(String(error))),
      );
    });
  }

  #take(id: string): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    return pending;
  }

  #fail(id: string, error: Error): void {
    this.#take(id)?.reject(error);
  }

  async #serve(handlers: InstanceCallHandlers, message: string): Promise<void> {
    const envelope = envelopeOf(message);
    if (!envelope || typeof envelope.from !== 'string') {
      this.log.warn({ message: message.slice(0, 200) }, 'unreadable instance call dropped');
      return;
    }
    let reply: InstanceCallReply;
    try {
      reply = { v: CLUSTER_WIRE_VERSION, id: envelope.id, ok: true, result: await this.#answer(handlers, envelope) };
    } catch (thrown) {
      const error = asUnavailable(thrown);
      const known = error instanceof ProtocolError;
      if (!known) this.log.error({ err: error }, 'instance call failed');
      else if (error.code === 'VERSION_MISMATCH' || error.code === 'VALIDATION_FAILED' || error.code === 'BAD_REQUEST') {
        this.log.warn({ err: error, from: envelope.from }, 'instance call refused');
      }
      reply = { v: CLUSTER_WIRE_VERSION, id: envelope.id, ok: false, error: known ? error.toBody() : { code: 'INTERNAL', message: 'Internal error' } };
    }
    await this.redis.publish(replyChannel(envelope.from), JSON.stringify(reply)).catch((error: unknown) => this.log.warn({ err: error }, 'instance call reply lost'));
  }

  /** The version first: another version's envelope or payload may mean something else. */
  #answer(handlers: InstanceCallHandlers, envelope: Envelope): Promise<unknown> {
    if (envelope.v !== CLUSTER_WIRE_VERSION) throw versionMismatch(envelope.v, CLUSTER_WIRE_VERSION);
    const request = parse(InstanceCallRequest, envelope, 'instance call');
    if (!isInstanceCallName(request.name)) throw new ProtocolError('BAD_REQUEST', `Unknown instance call "${request.name}"`);
    return this.#run(handlers, request.name, request.payload);
  }

  #run<N extends InstanceCallName>(handlers: InstanceCallHandlers, name: N, payload: unknown): Promise<InstanceCallResult<N>> {
    const handler: InstanceCallHandlers[N] = handlers[name];
    return handler(parse(INSTANCE_CALLS[name].payload, payload, `${name} payload`));
  }

  #settle(message: string): void {
    const envelope = envelopeOf(message);
    const pending = envelope && this.#take(envelope.id);
    if (!envelope || !pending) return;
    if (envelope.v !== CLUSTER_WIRE_VERSION) return pending.reject(versionMismatch(CLUSTER_WIRE_VERSION, envelope.v));
    try {
      pending.settle(parse(InstanceCallReply, envelope, 'instance call reply'));
    } catch (error) {
      this.log.warn({ err: error }, 'malformed instance call reply');
      pending.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async stop(): Promise<void> {
    for (const id of [...this.#pending.keys()]) this.#fail(id, new ProtocolError('UNAVAILABLE', 'This instance is shutting down'));
    if (this.subscriber.isOpen) await this.subscriber.close();
  }
}
