import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { sessionIs, type AgentState, type ChatMessage, type CobrowseState, type OfferEvent, type RecordedEvent, type SupervisorMetrics } from '@etax-assist/protocol';
import { dispatchKeys } from '../dispatcher/keys.js';
import type { RedisClient } from '../redis/client.js';
import { rooms, sessionRooms } from '../realtime/rooms.js';
import type { AppServer, AppSocket } from '../realtime/socket-server.js';
import type { SessionStore } from '../sessions/session-store.js';
import type { AdapterStreamWatch } from './stream-gap.js';

/** What the resynchronisation reads from the rest of the service. */
export interface ResyncSources {
  sessions: SessionStore;
  agentState(agentId: string): Promise<AgentState>;
  chatHistory(sessionId: string): Promise<ChatMessage[]>;
  mirror(sessionId: string): Promise<{ state: CobrowseState; events: RecordedEvent[]; liveId?: string }>;
  supervisorMetrics(): Promise<SupervisorMetrics>;
}

/** After this, nobody is in the session's rooms any more (as the notifier's access.close). */
const SESSION_ROOM = /^(?:session|mirror):(.+)$/;

/**
 * Gives every socket connected to this instance its state again, read from Redis, after this
 * instance lost socket.io adapter packets (cluster/stream-gap.ts). What a lost packet would have
 * told or done is redone from the state it came from:
 * - each session a socket is in, or should be in (the taxpayer's open session, the agent's open
 *   sessions): its `session:state`, its chat (clients drop messages they have by id), its
 *   co-browsing state, and a fresh mirror to a watcher; the socket joins the session's room if it
 *   takes part in it and leaves its rooms if it no longer does or the session is over (a missed
 *   leave must not keep access: an agent removed meanwhile is told `agent-left` as it would have been);
 * - agents: `agent:state` and every open offer again, with the time it has left;
 * - supervisors on the dashboard: a fresh metrics push.
 * Offers closed meanwhile are not repeated: the console drops them at their deadline, and
 * accepting one is refused with `OFFER_EXPIRED`.
 */
export class ClientResync {
  readonly #gaps: Counter;
  readonly #resynced: Counter;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(
    private readonly io: AppServer,
    private readonly redis: RedisClient,
    private readonly sources: ResyncSources,
    registry: Registry,
    private readonly log: Logger,
  ) {
    this.#gaps = new Counter({
      name: 'etax_adapter_stream_gaps_total',
      help: 'Times this instance found socket.io adapter packets trimmed from the stream before it read them',
      registers: [registry],
    });
    this.#resynced = new Counter({
      name: 'etax_adapter_resynced_sockets_total',
      help: 'Sockets given their state again after this instance lost socket.io adapter packets',
      registers: [registry],
    });
  }

  /** Counts the watch's gaps and resynchronises once it has caught up (again after a run if it caught up during one). */
  follow(watch: AdapterStreamWatch): void {
    watch.on('gap', () => this.#gaps.inc());
    watch.on('caught-up', () => {
      if (this.#running) {
        this.#again = true;
        return;
      }
      this.#running = this.#repeat().finally(() => (this.#running = undefined));
    });
  }

  async #repeat(): Promise<void> {
    do {
      this.#again = false;
      await this.#all();
    } while (this.#again);
  }

  /** Resolves once a resynchronisation under way is done (a stop waits for it before closing Redis). */
  async settled(): Promise<void> {
    await this.#running;
  }

  /** Every socket connected here; one failing socket does not stop the others. */
  async #all(): Promise<void> {
    const sockets = [...this.io.of('/').sockets.values()];
    const started = performance.now();
    let failed = 0;
    for (const socket of sockets) {
      try {
        await this.#socket(socket);
        this.#resynced.inc();
      } catch (error) {
        failed++;
        this.log.error({ err: error, socketId: socket.id }, 'resynchronising a socket failed');
      }
    }
    this.log.warn({ sockets: sockets.length, failed, ms: Math.round(performance.now() - started) }, 'clients resynchronised after lost adapter packets');
  }

  async #socket(socket: AppSocket): Promise<void> {
    const { principal } = socket.data;
    const sessionIds = new Set<string>();
    for (const room of socket.rooms) {
      const id = SESSION_ROOM.exec(room)?.[1];
      if (id) sessionIds.add(id);
    }
    if (principal.role === 'taxpayer') {
      const open = await this.sources.sessions.openSessionOf(principal.sub);
      if (open) sessionIds.add(open);
    } else if (principal.role === 'agent' || principal.role === 'expert') {
      for (const id of await this.sources.sessions.openSessionsOfAgent(principal.sub)) sessionIds.add(id);
      socket.emit('agent:state', { state: await this.sources.agentState(principal.sub) });
      for (const offer of await this.#openOffers(principal.sub)) socket.emit('offer:new', offer);
    } else if (socket.rooms.has(rooms.supervisors)) {
      socket.emit('supervisor:metrics', await this.sources.supervisorMetrics());
    }
    for (const sessionId of sessionIds) await this.#session(socket, sessionId);
  }

  async #session(socket: AppSocket, sessionId: string): Promise<void> {
    const { principal } = socket.data;
    const { sessions } = this.sources;
    const [fields, member] = await Promise.all([sessions.fields(sessionId), sessions.isParticipant(sessionId, principal)]);
    const summary = fields && (await sessions.summary(sessionId, fields));
    if (!summary || !member) {
      if (summary && principal.role !== 'taxpayer' && principal.role !== 'supervisor') {
        socket.emit('session:notice', { sessionId, notice: 'agent-left', agent: { id: principal.sub, name: await sessions.agentName(principal.sub) } });
      }
      for (const room of sessionRooms(sessionId)) void socket.leave(room);
      return;
    }
    socket.emit('session:state', summary);
    if (sessionIs(summary.state, 'final')) {
      for (const room of sessionRooms(sessionId)) void socket.leave(room);
      return;
    }
    await socket.join(rooms.session(sessionId));
    for (const message of await this.sources.chatHistory(sessionId)) socket.emit('chat:message', message);
    if (!sessionIs(summary.state, 'served')) return;
    const { state, events, liveId } = await this.sources.mirror(sessionId);
    socket.emit('cobrowse:state', state);
    if (socket.rooms.has(rooms.mirror(sessionId))) {
      socket.data.mirrorBehind?.delete(sessionId);
      socket.emit('cobrowse:events', { sessionId, events, liveId });
    }
  }

  /** The agent's offers still open, each with the time it has left by Redis's clock. */
  async #openOffers(agentId: string): Promise<OfferEvent[]> {
    const [offers, [seconds, micros]] = await Promise.all([this.redis.sMembers(dispatchKeys.agentOffers(agentId)), this.redis.time()]);
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const open: OfferEvent[] = [];
    for (const offerId of offers) {
      const sessionId = offerId.slice(0, offerId.lastIndexOf(':'));
      const fields = await this.sources.sessions.fields(sessionId);
      if (fields?.offer !== offerId || fields.offerAgent !== agentId) continue;
      const expiresInMs = Math.max(0, Math.round(Number(fields.offerExpires) - now));
      open.push({ offerId, kind: (fields.offerKind ?? 'primary') as OfferEvent['kind'], expiresInMs, session: await this.sources.sessions.card(sessionId, fields) });
    }
    return open;
  }
}
