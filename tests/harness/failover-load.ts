import type { Ack, ChatMessage, ClientRequestName, OfferEvent, RequestOf, ResultOf } from '@etax-assist/protocol';
import { connectSocket, request, type TestSocket } from './socket.js';

/** What the load was told is done: each must still be there after a failover. */
export interface AckedWrites {
  /** Help requests accepted (their sessions). */
  sessions: string[];
  /** Chat messages accepted. */
  messages: { sessionId: string; id: string; text: string }[];
}

export interface FailoverLoadOptions {
  /** Where taxpayers connect, and a portal token for each (sub given). */
  taxpayerUrl: string;
  taxpayerToken: (sub: string) => string;
  /** Where the agents connect, with their staff tokens. */
  agentUrl: string;
  agentTokens: string[];
  /** Taxpayers asking at once, each one help request after another. */
  concurrency: number;
}

const SESSION_TIMEOUT_MS = 8000;
const RETRY_MS = 50;

/**
 * A stream of help requests served end to end across two instances: each taxpayer asks, is
 * dispatched to an agent who accepts, sends a chat message that the agent receives (relayed
 * between the instances through the socket adapter), and the agent ends and wraps up. Requests
 * refused as UNAVAILABLE (Redis away) are retried as a client would; every acknowledged write is
 * kept, and the moments the service worked end to end (`dispatched`: an agent got an offer;
 * `relayed`: an agent got a message), with the time each was asked, to measure a failover's gap.
 */
export class FailoverLoad {
  readonly acked: AckedWrites = { sessions: [], messages: [] };
  /** Refusals by code (UNAVAILABLE while Redis is away). */
  readonly refusals = new Map<string, number>();
  /** [accepted at, offered at] (ms since epoch) of each offer an agent got: when the help request that was accepted was sent, when the offer came. */
  readonly dispatched: [number, number][] = [];
  /** [sent at, received at] of each chat message an agent got (sent: the attempt that was accepted). */
  readonly relayed: [number, number][] = [];
  readonly #sockets: TestSocket[] = [];
  /** When an agent got the session's offer / the message, by session id / text (it may come before the ack). */
  readonly #offeredAt = new Map<string, number>();
  readonly #receivedAt = new Map<string, number>();
  readonly #delivered = new Map<string, () => void>();
  #running = true;
  #loops: Promise<void>[] = [];
  #next = 0;

  private constructor(private readonly options: FailoverLoadOptions) {}

  static async start(options: FailoverLoadOptions): Promise<FailoverLoad> {
    const load = new FailoverLoad(options);
    for (const token of options.agentTokens) await load.#agent(token);
    load.#loops = Array.from({ length: options.concurrency }, () => load.#taxpayerLoop());
    return load;
  }

  /** The agents' and taxpayers' last refusal of anything but UNAVAILABLE, if any (the load is wrong then, not the service). */
  readonly unexpected: string[] = [];

  /**
   * A request retried while Redis is away; resolves with the ack of another outcome (and when the
   * attempt that got it was sent), or undefined once the load stops.
   */
  async #until<N extends ClientRequestName>(
    socket: TestSocket,
    name: N,
    payload: RequestOf<N>,
    deadline = Infinity,
  ): Promise<(Ack<ResultOf<N>> & { at: number; retried: boolean }) | undefined> {
    let retried = false;
    while (this.#running && Date.now() < deadline) {
      const at = Date.now();
      const ack = await request(socket, name, payload).catch(() => undefined);
      if (ack?.ok) return { ...ack, at, retried };
      const code = ack ? ack.error.code : 'ACK_TIMEOUT';
      this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
      if (ack && code !== 'UNAVAILABLE') return { ...ack, at, retried };
      retried = true;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
    return undefined;
  }

  async #agent(token: string): Promise<void> {
    const socket = await connectSocket(this.options.agentUrl, token);
    this.#sockets.push(socket);
    socket.on('offer:new', (offer: OfferEvent) => {
      if (!this.#offeredAt.has(offer.session.sessionId)) this.#offeredAt.set(offer.session.sessionId, Date.now());
      void this.#until(socket, 'offer:accept', { offerId: offer.offerId });
    });
    socket.on('chat:message', (message: ChatMessage) => {
      if (message.from.role !== 'taxpayer') return;
      this.#receivedAt.set(message.text, Date.now());
      this.#delivered.get(message.text)?.();
      void (async () => {
        await this.#until(socket, 'session:end', { sessionId: message.sessionId });
        await this.#until(socket, 'session:wrap-up', { sessionId: message.sessionId, notes: '', outcome: 'resolved' });
      })();
    });
    const status = await this.#until(socket, 'agent:status', { status: 'available' });
    if (!status?.ok) throw new Error('an agent of the load could not go available');
  }

  async #taxpayerLoop(): Promise<void> {
    while (this.#running) {
      const n = this.#next++;
      const deadline = Date.now() + SESSION_TIMEOUT_MS;
      const socket = await connectSocket(this.options.taxpayerUrl, this.options.taxpayerToken(`tp-load-${n}`));
      this.#sockets.push(socket);
      const active = new Promise<void>((resolve) => socket.on('session:state', (state: { state: string }) => state.state === 'active' && resolve()));
      const help = await this.#until(socket, 'help:request', { language: 'zh', topic: 'invoice', channel: 'text', entry: { kind: 'portal', page: '/' } }, deadline);
      if (help?.ok) {
        const { sessionId } = help.result;
        this.acked.sessions.push(sessionId);
        let served = false;
        if (await within(active, deadline)) {
          const offeredAt = this.#offeredAt.get(sessionId);
          if (offeredAt !== undefined) this.dispatched.push([help.at, offeredAt]);
          const text = `load message ${n}`;
          const delivered = new Promise<void>((resolve) => this.#delivered.set(text, resolve));
          const sent = await this.#until(socket, 'chat:send', { sessionId, text }, deadline);
          if (sent?.ok) {
            this.acked.messages.push({ sessionId, id: sent.result.id, text });
          }
          served = await within(delivered, deadline);
          const receivedAt = this.#receivedAt.get(text);
          if (served && sent?.ok && receivedAt !== undefined) this.relayed.push([sent.at, receivedAt]);
        }
        // a session the outage left half-served gives its agent's capacity back, as its taxpayer would leave it
        if (!served) {
          const until = Date.now() + SESSION_TIMEOUT_MS;
          await Promise.all([this.#until(socket, 'help:cancel', { sessionId }, until), this.#until(socket, 'session:end', { sessionId }, until)]);
        }
        // a retry refused as a conflict: the attempt answered UNAVAILABLE had been done (the taxpayer has a session open)
      } else if (help && !(help.retried && help.error.code === 'CONFLICT')) this.unexpected.push(`help:request ${help.error.code}`);
      socket.close();
    }
  }

  /** Stops asking; resolves once every taxpayer's current request is done or timed out. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    for (const socket of this.#sockets.splice(0)) socket.close();
  }
}

/** Whether the promise settles before the deadline. */
function within(promise: Promise<void>, deadline: number): Promise<boolean> {
  return Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), Math.max(0, deadline - Date.now())))]);
}
