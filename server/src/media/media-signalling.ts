import type { Logger } from 'pino';
import type { WorkerPool } from '@etax-assist/sfu';
import {
  CLIENT_REQUESTS,
  MEDIA_REQUEST_NAMES,
  parse,
  ProtocolError,
  type ForwardedPeer,
  type InstanceCallName,
  type MediaRequestName,
  type RequestOf,
  type ResultOf,
} from '@etax-assist/protocol';
import type { Forwarder, InstanceCallHandlers } from '../cluster/forwarder.js';
import type { InstanceRegistry } from '../cluster/instance-registry.js';
import type { Config } from '../config/env.js';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import type { RequestContext, RequestRouter } from '../realtime/requests.js';
import { rooms } from '../realtime/rooms.js';
import type { AppServer, AppSocket, ConnectionHook } from '../realtime/socket-server.js';
import type { RedisClient } from '../redis/client.js';
import type { SessionStore } from '../sessions/session-store.js';
import { MediaMemberships } from './media-memberships.js';
import { mediaRequestHandlers, type MediaRequestHandlers } from './media-request-handlers.js';
import { MediaRoomEvents } from './room-events.js';
import type { RoomPlacement } from './room-placement.js';

/** What MediaSignalling needs of the cluster: where rooms live, and a way to reach the others. */
export interface MediaCluster {
  placement: RoomPlacement;
  forwarder: Forwarder;
  registry: InstanceRegistry;
}

type MediaCallName = Extract<InstanceCallName, `media:${string}`>;

/**
 * Media signalling over the session socket. A session's room lives on one instance
 * (RoomPlacement): each media request is answered there (MediaRequestHandlers), forwarded when
 * it arrives elsewhere, and the room's events reach the clients through the socket.io adapter.
 * Everything a participant owned closes when it leaves, when it is no longer a participant, or
 * when its socket has been gone past the grace period (MediaMemberships). When an instance dies,
 * its rooms are placed again and their clients told to rejoin.
 */
export class MediaSignalling implements ConnectionHook {
  /** Per socket connected here: the sessions whose media it joined, and the instance holding each. */
  readonly #joinedVia = new Map<string, Map<string, string>>();
  readonly #memberships: MediaMemberships;
  readonly #handlers: MediaRequestHandlers;
  readonly #homeCheck: PeriodicTask;

  constructor(
    private readonly io: AppServer,
    private readonly pool: WorkerPool,
    private readonly sessions: SessionStore,
    redis: RedisClient,
    config: Config,
    private readonly log: Logger,
    private readonly cluster: MediaCluster,
  ) {
    const memberships = new MediaMemberships(config.mediasoup.disconnectGraceS * 1000, log);
    const roomEvents = new MediaRoomEvents(io, cluster.placement, memberships, log);
    this.#memberships = memberships;
    this.#handlers = mediaRequestHandlers({ io, pool, sessions, redis, config, memberships, roomEvents });
    cluster.registry.on('lost', (id) => void this.#rehome(id).catch((error: unknown) => log.error({ err: error, lost: id }, 're-homing failed')));
    cluster.registry.on('declared-dead', () => {
      for (const room of this.pool.rooms) {
        room.close();
        // the survivor's rejoin may have been trimmed from the adapter stream while this instance was paused
        this.io.local.to(rooms.session(room.sessionId)).emit('media:rejoin', { sessionId: room.sessionId, reason: 'instance-lost' });
      }
    });
    this.#homeCheck = new PeriodicTask('media homes', config.cluster.heartbeatIntervalMs, () => this.#checkHomes(), log);
  }

  get #self(): string {
    return this.cluster.registry.id;
  }

  /** Every media request: answered here when this instance holds the session's room, else forwarded. */
  register(requests: RequestRouter): void {
    for (const name of MEDIA_REQUEST_NAMES) this.#register(requests, name);
  }

  #register<N extends MediaRequestName>(requests: RequestRouter, name: N): void {
    requests.on(name, this.#handlers[name].roles, (context, payload) => this.#route(name, context, payload));
  }

  /** This instance's side of the media calls other instances make. */
  get instanceCalls(): Pick<InstanceCallHandlers, MediaCallName> {
    return {
      'media:request': ({ name, peer, payload }) => this.#answerForwarded(name, peer, payload),
      'media:socket-gone': async ({ socketId, sessionId, signedOut }) => {
        this.#memberships.socketGone(socketId, sessionId, signedOut);
        return {};
      },
      'media:close-session': async ({ sessionId }) => {
        this.#closeHere(sessionId);
        return {};
      },
      'media:remove-peer': async ({ sessionId, peerId }) => {
        this.#removeHere(sessionId, peerId);
        return {};
      },
    };
  }

  async #route<N extends MediaRequestName>(name: N, { socket, principal, log }: RequestContext, payload: RequestOf<N>): Promise<ResultOf<N>> {
    const { sessionId } = payload;
    const { placement, forwarder } = this.cluster;
    let owner: string | undefined;
    if (name === 'media:join') {
      // only participants place a room (a stranger's join must leave nothing behind)
      await this.sessions.requireParticipant(sessionId, principal);
      owner = await placement.place(sessionId);
    } else {
      owner = await placement.ownerOf(sessionId);
    }
    // a leave with no room anywhere only lets go of what this instance may still hold
    if (!owner && name !== 'media:leave') throw new ProtocolError('CONFLICT', "Join the session's media first (media:join)");
    const peer: ForwardedPeer = { socketId: socket.id, principal, home: this.#self };
    const result =
      !owner || owner === this.#self
        ? await this.#handlers[name].handle({ ...peer, log }, payload)
        : parse(CLIENT_REQUESTS[name].result, await forwarder.call(owner, 'media:request', { name, peer, payload }), `${name} result from ${owner}`);
    if (name === 'media:join' && owner) {
      let via = this.#joinedVia.get(socket.id);
      if (!via) this.#joinedVia.set(socket.id, (via = new Map<string, string>()));
      via.set(sessionId, owner);
    } else if (name === 'media:leave') {
      this.#joinedVia.get(socket.id)?.delete(sessionId);
    }
    return result;
  }

  /** A request forwarded by the instance its socket is connected to: checked against its declaration like one of our own. */
  #answerForwarded<N extends MediaRequestName>(name: N, peer: ForwardedPeer, payload: unknown): Promise<ResultOf<N>> {
    const request = parse(CLIENT_REQUESTS[name].request, payload, `${name} payload`);
    return this.#handlers[name].handle({ ...peer, log: this.log.child({ socketId: peer.socketId, home: peer.home }) }, request);
  }

  /** Closes the media of a session that is over (wrap-up or later), on whichever instance holds it. */
  async closeSession(sessionId: string): Promise<void> {
    const owner = await this.cluster.placement.ownerOf(sessionId);
    if (!owner || owner === this.#self) return this.#closeHere(sessionId);
    await this.cluster.forwarder.call(owner, 'media:close-session', { sessionId });
  }

  #closeHere(sessionId: string): void {
    const room = this.pool.getRoom(sessionId);
    if (room) this.#memberships.closeRoom(room);
  }

  /**
   * A peer (`role:sub`) is no longer a participant of the session: its transports, producers and
   * consumers there close at once, on whichever instance holds the room.
   */
  async removePeer(sessionId: string, peerId: string): Promise<void> {
    const owner = await this.cluster.placement.ownerOf(sessionId);
    if (!owner) return;
    if (owner === this.#self) return this.#removeHere(sessionId, peerId);
    await this.cluster.forwarder.call(owner, 'media:remove-peer', { sessionId, peerId });
  }

  #removeHere(sessionId: string, peerId: string): void {
    const room = this.pool.getRoom(sessionId);
    if (room) this.#memberships.removePeer(room, peerId);
  }

  /** Another instance died: the rooms it held are placed again, and their clients told to rejoin. */
  async #rehome(lost: string): Promise<void> {
    for (const sessionId of await this.cluster.placement.takeOver(lost)) {
      this.io.to(rooms.session(sessionId)).emit('media:rejoin', { sessionId, reason: 'instance-lost' });
    }
  }

  /** Participants connected through an instance that died are gone (their grace period starts). */
  async #checkHomes(): Promise<void> {
    for (const [home, sockets] of this.#memberships.remoteSockets(this.#self)) {
      if (await this.cluster.registry.isLive(home)) continue;
      for (const socketId of sockets) this.#memberships.socketGone(socketId, undefined, false);
    }
  }

  stop(): Promise<void> {
    return this.#homeCheck.stop();
  }

  /** How many participants are waiting out their grace period (for tests and metrics). */
  get graceCount(): number {
    return this.#memberships.graceCount;
  }

  async connected(): Promise<void> {}

  async disconnected(socket: AppSocket): Promise<void> {
    const via = this.#joinedVia.get(socket.id);
    this.#joinedVia.delete(socket.id);
    const signedOut = socket.data.signedOut === true;
    for (const [sessionId, owner] of via ?? []) {
      if (owner === this.#self) this.#memberships.socketGone(socket.id, sessionId, signedOut);
      else {
        this.cluster.forwarder
          .call(owner, 'media:socket-gone', { socketId: socket.id, sessionId, signedOut })
          .catch((error: unknown) => this.log.warn({ err: error, sessionId }, 'could not tell the media holder a socket is gone'));
      }
    }
  }
}
