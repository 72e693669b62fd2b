import type { Logger } from 'pino';
import type { types } from 'mediasoup';
import { MediaParticipant, NoWorkerError, type MediaRoom, type PeerRole, type WorkerPool } from '@etax-assist/sfu';
import {
  CLIENT_REQUESTS,
  sessionIs,
  parse,
  ProtocolError,
  ROLES,
  type ForwardedMediaRequest,
  type InstanceCallName,
  type MediaRequestName,
  type Principal,
  type ProducerInfo,
  type RequestOf,
  type ResultOf,
  type Role,
} from '@etax-assist/protocol';
import type { Forwarder, InstanceCallHandlers } from '../cluster/forwarder.js';
import type { InstanceRegistry } from '../cluster/instance-registry.js';
import type { Config } from '../config/env.js';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import type { RequestContext, RequestRouter } from '../realtime/requests.js';
import { rooms } from '../realtime/rooms.js';
import type { AppServer, AppSocket, ConnectionHook } from '../realtime/socket-server.js';
import type { RedisClient } from '../redis/client.js';
import { participantId, sessionKeys } from '../sessions/keys.js';
import type { SessionStore } from '../sessions/session-store.js';
import { iceServersFor } from './ice-servers.js';
import type { RoomPlacement } from './room-placement.js';

interface ProducerAppData {
  source: 'mic' | 'camera';
  [key: string]: unknown;
}

/** A socket's place in a media room. */
interface Membership {
  room: MediaRoom;
  participant: MediaParticipant;
  /** The instance the socket is connected to (this one, or another that forwards for it). */
  home: string;
}

/** Who sent a media request: a socket, connected to this instance or to `home`. */
export interface PeerContext {
  socketId: string;
  principal: Principal;
  home: string;
  log: Logger;
}

type MediaHandler<N extends MediaRequestName> = (peer: PeerContext, payload: RequestOf<N>) => Promise<ResultOf<N>>;

/** What MediaSignalling needs of the cluster: where rooms live, and a way to reach the others. */
export interface MediaCluster {
  placement: RoomPlacement;
  forwarder: Forwarder;
  registry: InstanceRegistry;
}

const peerIdOf = (principal: Principal): string => participantId(principal.role, principal.sub);

function producerInfo(participant: MediaParticipant, producer: types.Producer): ProducerInfo {
  const { peer } = participant;
  return {
    producerId: producer.id,
    kind: producer.kind,
    source: (producer.appData as ProducerAppData).source,
    paused: producer.paused,
    peer: { id: peer.id, role: peer.role, name: peer.name },
  };
}

/**
 * Media signalling over the session socket: only a session's participants reach its router,
 * a silent monitor can only consume, producers are announced to the others, and everything a
 * participant owned is closed when it leaves, or when its socket has been gone longer than
 * MEDIA_DISCONNECT_GRACE_S (mediasoup 3.12's worker never times out a vanished client itself).
 *
 * With several instances, a session's room lives on one of them (RoomPlacement): a request
 * arriving elsewhere is forwarded there, and the room's events reach the clients through the
 * socket.io adapter. When that instance dies, the room is placed again and the clients rejoin.
 */
export class MediaSignalling implements ConnectionHook {
  /** Per socket (here or elsewhere): the rooms on this instance it joined. */
  readonly #memberships = new Map<string, Map<string, Membership>>();
  /** Per socket connected here: the sessions whose media it joined, and the instance holding each. */
  readonly #joinedVia = new Map<string, Map<string, string>>();
  readonly #graceTimers = new Map<MediaParticipant, NodeJS.Timeout>();
  readonly #wiredRooms = new WeakSet<MediaRoom>();
  readonly #handlers = new Map<MediaRequestName, { roles: readonly Role[]; handle: (peer: PeerContext, payload: never) => Promise<unknown> }>();
  readonly #homeCheck: PeriodicTask;

  constructor(
    private readonly io: AppServer,
    private readonly pool: WorkerPool,
    private readonly sessions: SessionStore,
    private readonly redis: RedisClient,
    private readonly config: Config,
    private readonly log: Logger,
    private readonly cluster: MediaCluster,
  ) {
    this.#define();
    const { registry } = cluster;
    registry.on('lost', (id) => void this.#rehome(id).catch((error: unknown) => log.error({ err: error, lost: id }, 're-homing failed')));
    registry.on('declared-dead', () => {
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
    for (const [name, { roles }] of this.#handlers) {
      requests.on(name, roles, (context, payload) => this.#route(name, context, payload as { sessionId: string }) as never);
    }
  }

  #on<N extends MediaRequestName>(name: N, roles: readonly Role[], handle: MediaHandler<N>): void {
    this.#handlers.set(name, { roles, handle: handle as (peer: PeerContext, payload: never) => Promise<unknown> });
  }

  #handle(name: MediaRequestName, peer: PeerContext, payload: { sessionId: string }): Promise<unknown> {
    const entry = this.#handlers.get(name);
    if (!entry) throw new ProtocolError('INTERNAL', `No handler for ${name}`);
    return entry.handle(peer, payload as never);
  }

  async #route(name: MediaRequestName, { socket, principal, log }: RequestContext, payload: { sessionId: string }): Promise<unknown> {
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
    if (!owner) {
      if (name === 'media:leave') return {};
      throw new ProtocolError('CONFLICT', 'Join the session\'s media first (media:join)');
    }
    const peer: PeerContext = { socketId: socket.id, principal, home: this.#self, log };
    const result = owner === this.#self
      ? await this.#handle(name, peer, payload)
      : parse(CLIENT_REQUESTS[name].result, await forwarder.call(owner, 'media:request', { name, peer: { socketId: socket.id, principal, home: this.#self }, payload }), `${name} result`);
    if (name === 'media:join') {
      let via = this.#joinedVia.get(socket.id);
      if (!via) this.#joinedVia.set(socket.id, (via = new Map()));
      via.set(sessionId, owner);
    } else if (name === 'media:leave') {
      this.#joinedVia.get(socket.id)?.delete(sessionId);
    }
    return result;
  }

  /** This instance's side of the media calls other instances make (INSTANCE_CALLS). */
  get instanceCalls(): Pick<InstanceCallHandlers, Extract<InstanceCallName, `media:${string}`>> {
    return {
      'media:request': ({ name, peer, payload }: ForwardedMediaRequest) =>
        this.#handle(name, { ...peer, log: this.log.child({ socketId: peer.socketId, home: peer.home }) }, parse(CLIENT_REQUESTS[name].request, payload, `${name} payload`)),
      'media:socket-gone': async ({ socketId, sessionId, signedOut }) => (this.#socketGone(socketId, sessionId, signedOut), {}),
      'media:close-session': async ({ sessionId }) => (this.#closeLocal(sessionId), {}),
      'media:remove-peer': async ({ sessionId, peerId }) => (this.#removeLocal(sessionId, peerId), {}),
    };
  }

  /** The room's events for everyone in the session but the sender, wherever they are connected. */
  #others(peer: PeerContext, sessionId: string) {
    return this.io.to(rooms.session(sessionId)).except(peer.socketId);
  }

  #define(): void {
    this.#on('media:join', ROLES, (peer, { sessionId }) => this.#join(peer, sessionId));

    this.#on('media:create-transport', ROLES, async (peer, { sessionId, direction }) => {
      const { room, participant } = this.#membership(peer, sessionId);
      if (direction === 'send' && participant.peer.monitor) throw new ProtocolError('FORBIDDEN', 'A monitor only receives');
      const { mediasoup } = this.config;
      if (participant.transports.size >= mediasoup.maxTransportsPerParticipant) {
        throw new ProtocolError('LIMIT_REACHED', `At most ${mediasoup.maxTransportsPerParticipant} transports per participant: close one first`);
      }
      const transport = await room.router.createWebRtcTransport({
        webRtcServer: room.webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        initialAvailableOutgoingBitrate: mediasoup.initialOutgoingBitrate,
        appData: { direction },
      });
      participant.addTransport(transport);
      if (direction === 'send') await transport.setMaxIncomingBitrate(mediasoup.maxIncomingBitrate);
      return {
        transportId: transport.id,
        iceParameters: transport.iceParameters as never,
        iceCandidates: transport.iceCandidates as never,
        dtlsParameters: transport.dtlsParameters as never,
      };
    });

    this.#on('media:connect-transport', ROLES, async (peer, { sessionId, transportId, dtlsParameters }) => {
      const transport = this.#transport(peer, sessionId, transportId);
      await this.#mediasoupCall(() => transport.connect({ dtlsParameters: dtlsParameters as never }));
      return {};
    });

    this.#on('media:produce', ROLES, async (peer, { sessionId, transportId, kind, rtpParameters, source }) => {
      const { participant } = this.#membership(peer, sessionId);
      if (participant.peer.monitor) throw new ProtocolError('FORBIDDEN', 'A monitor only receives');
      const transport = this.#transport(peer, sessionId, transportId);
      if ((transport.appData as { direction: string }).direction !== 'send') throw new ProtocolError('BAD_REQUEST', 'Not a send transport');
      const { maxProducersPerParticipant } = this.config.mediasoup;
      if (participant.producers.size >= maxProducersPerParticipant) {
        throw new ProtocolError('LIMIT_REACHED', `At most ${maxProducersPerParticipant} producers per participant: close one first`);
      }
      const producer = await this.#mediasoupCall(() =>
        transport.produce({ kind, rtpParameters: rtpParameters as never, appData: { source } satisfies ProducerAppData }),
      );
      participant.addProducer(producer);
      this.#others(peer, sessionId).emit('media:producer-added', { sessionId, producer: producerInfo(participant, producer) });
      return { producerId: producer.id };
    });

    this.#on('media:consume', ROLES, async (peer, { sessionId, transportId, producerId, rtpCapabilities }) => {
      const { room, participant } = this.#membership(peer, sessionId);
      const transport = this.#transport(peer, sessionId, transportId);
      if ((transport.appData as { direction: string }).direction !== 'recv') throw new ProtocolError('BAD_REQUEST', 'Not a receive transport');
      const owner = room.participants.find((p) => p.producers.has(producerId));
      if (!owner || owner === participant) throw new ProtocolError('NOT_FOUND', 'No such producer');
      if (!room.router.canConsume({ producerId, rtpCapabilities: rtpCapabilities as never })) {
        throw new ProtocolError('BAD_REQUEST', 'Your device cannot receive this stream');
      }
      const consumer = await this.#mediasoupCall(() =>
        transport.consume({ producerId, rtpCapabilities: rtpCapabilities as never, paused: true }),
      );
      participant.addConsumer(consumer);
      return { consumerId: consumer.id, producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters as never, paused: true };
    });

    this.#on('media:resume-consumer', ROLES, async (peer, { sessionId, consumerId }) => {
      const consumer = this.#membership(peer, sessionId).participant.consumers.get(consumerId);
      if (!consumer) throw new ProtocolError('NOT_FOUND', 'No such consumer');
      await consumer.resume();
      return {};
    });

    this.#on('media:set-producer-paused', ROLES, async (peer, { sessionId, producerId, paused }) => {
      const producer = this.#membership(peer, sessionId).participant.producers.get(producerId);
      if (!producer) throw new ProtocolError('NOT_FOUND', 'No such producer');
      await (paused ? producer.pause() : producer.resume());
      this.#others(peer, sessionId).emit('media:producer-paused', { sessionId, producerId, paused });
      return {};
    });

    this.#on('media:close-producer', ROLES, async (peer, { sessionId, producerId }) => {
      const producer = this.#membership(peer, sessionId).participant.producers.get(producerId);
      if (!producer) throw new ProtocolError('NOT_FOUND', 'No such producer');
      producer.close();
      return {};
    });

    this.#on('media:restart-ice', ROLES, async (peer, { sessionId, transportId }) => {
      const transport = this.#transport(peer, sessionId, transportId);
      return { iceParameters: (await transport.restartIce()) as never };
    });

    this.#on('media:set-mode', ROLES, async (peer, { sessionId, mode, reason }) => {
      const { participant } = this.#membership(peer, sessionId);
      const who = participant.peer;
      this.#others(peer, sessionId).emit('media:mode', {
        sessionId,
        peer: { id: who.id, role: who.role, name: who.name },
        mode,
        ...(reason ? { reason } : {}),
      });
      return {};
    });

    this.#on('media:stats', ['agent', 'expert', 'supervisor'], async (peer, { sessionId }) => {
      const { room } = this.#membership(peer, sessionId);
      const transports = [];
      const producers = [];
      const rttMs: number[] = [];
      for (const p of room.participants) {
        for (const transport of p.transports.values()) {
          const [stats] = await transport.getStats();
          transports.push({
            transportId: transport.id,
            peer: p.peer.id,
            direction: String((transport.appData as { direction: string }).direction),
            iceState: transport.iceState,
            dtlsState: transport.dtlsState,
            recvBitrate: stats?.recvBitrate ?? 0,
            sendBitrate: stats?.sendBitrate ?? 0,
          });
        }
        for (const producer of p.producers.values()) {
          const streams = await producer.getStats();
          producers.push({
            producerId: producer.id,
            peer: p.peer.id,
            kind: producer.kind,
            bitrate: streams.reduce((sum, s) => sum + s.bitrate, 0),
            packetCount: streams.reduce((sum, s) => sum + s.packetCount, 0),
            packetsLost: streams.reduce((sum, s) => sum + s.packetsLost, 0),
          });
        }
        for (const consumer of p.consumers.values()) {
          for (const s of await consumer.getStats()) if (s.type === 'outbound-rtp' && s.roundTripTime) rttMs.push(s.roundTripTime);
        }
      }
      return { sessionId, workerIndex: room.workerIndex, consumers: room.consumerCount, transports, producers, rttMs };
    });

    this.#on('media:leave', ROLES, async ({ socketId }, { sessionId }) => {
      const membership = this.#memberships.get(socketId)?.get(sessionId);
      if (membership) this.#leave(socketId, sessionId, membership);
      return {};
    });
  }

  async #join({ socketId, principal, home, log }: PeerContext, sessionId: string) {
    const fields = await this.sessions.requireParticipant(sessionId, principal);
    const monitor =
      principal.role === 'supervisor' && (await this.redis.sIsMember(`${sessionKeys.session(sessionId)}:monitors`, principal.sub)) === 1;
    if (sessionIs(fields.state, 'final')) throw new ProtocolError('CONFLICT', 'The session is over');
    const room = await this.pool.getOrCreateRoom(sessionId).catch((error: unknown) => {
      if (error instanceof NoWorkerError) throw new ProtocolError('UNAVAILABLE', 'Media is restarting; try again in a moment');
      throw error;
    });
    this.#wire(room);
    const peerId = peerIdOf(principal);
    const previous = room.participant(peerId);
    if (previous) this.#cancelGrace(previous);
    const participant = room.join({ id: peerId, role: principal.role as PeerRole, name: principal.name, monitor });
    let joined = this.#memberships.get(socketId);
    if (!joined) this.#memberships.set(socketId, (joined = new Map()));
    joined.set(sessionId, { room, participant, home });
    // removed from the session while this join was under way: nothing of it may stay open
    if (!(await this.sessions.isParticipant(sessionId, principal))) {
      this.#removeLocal(sessionId, peerId);
      throw new ProtocolError('NOT_FOUND', 'No such session');
    }
    // the socket may live on another instance: the adapter joins it there
    await this.io.in(socketId).socketsJoin(rooms.session(sessionId));
    log.info({ sessionId, workerIndex: room.workerIndex, monitor, rejoin: previous !== undefined }, 'joined media room');
    const producers = room.participants
      .filter((p) => p !== participant)
      .flatMap((p) => [...p.producers.values()].map((producer) => producerInfo(p, producer)));
    return {
      sessionId,
      routerRtpCapabilities: room.rtpCapabilities as never,
      iceServers: iceServersFor(principal.sub, this.config.ice),
      monitor,
      producers,
    };
  }

  /** Room events the clients must hear about, wired once per room. */
  #wire(room: MediaRoom): void {
    if (this.#wiredRooms.has(room)) return;
    this.#wiredRooms.add(room);
    const sessionRoom = rooms.session(room.sessionId);
    room.on('producerclose', (_participant, producer) => {
      this.io.to(sessionRoom).emit('media:producer-removed', { sessionId: room.sessionId, producerId: producer.id });
    });
    room.once('close', (reason) => {
      for (const participant of room.participants) this.#cancelGrace(participant);
      void this.cluster.placement.release(room.sessionId).catch((error: unknown) => this.log.warn({ err: error }, 'releasing a room placement failed'));
      if (reason === 'worker-died') {
        this.log.warn({ sessionId: room.sessionId }, 'media room lost with its worker; clients rejoin');
        this.io.to(sessionRoom).emit('media:rejoin', { sessionId: room.sessionId, reason });
      }
    });
  }

  #membership({ socketId }: PeerContext, sessionId: string): Membership {
    const membership = this.#memberships.get(socketId)?.get(sessionId);
    if (!membership || membership.participant.closed || membership.room.closed) {
      throw new ProtocolError('CONFLICT', 'Join the session\'s media first (media:join)');
    }
    return membership;
  }

  #transport(peer: PeerContext, sessionId: string, transportId: string): types.WebRtcTransport {
    const transport = this.#membership(peer, sessionId).participant.transport(transportId);
    if (!transport) throw new ProtocolError('NOT_FOUND', 'No such transport');
    return transport;
  }

  /** mediasoup refuses bad parameters with TypeError/Error: that is the client's mistake. */
  async #mediasoupCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      throw new ProtocolError('BAD_REQUEST', error instanceof Error ? error.message : String(error));
    }
  }

  #leave(socketId: string, sessionId: string, { room, participant }: Membership): void {
    this.#memberships.get(socketId)?.delete(sessionId);
    this.#cancelGrace(participant);
    room.leave(participant.peer.id, participant);
    if (room.participants.length === 0) room.close();
  }

  #cancelGrace(participant: MediaParticipant): void {
    const timer = this.#graceTimers.get(participant);
    if (timer) clearTimeout(timer);
    this.#graceTimers.delete(participant);
  }

  /** Closes the media of a session that is over (wrap-up or later), on whichever instance holds it. */
  async closeSession(sessionId: string): Promise<void> {
    const owner = await this.cluster.placement.ownerOf(sessionId);
    if (!owner || owner === this.#self) return this.#closeLocal(sessionId);
    await this.cluster.forwarder.call(owner, 'media:close-session', { sessionId });
  }

  #closeLocal(sessionId: string): void {
    const room = this.pool.getRoom(sessionId);
    if (!room) return;
    for (const joined of this.#memberships.values()) joined.delete(sessionId);
    room.close();
  }

  /**
   * A peer (`role:sub`) is no longer a participant of the session: its transports, producers and
   * consumers there close at once, on whichever instance holds the room.
   */
  async removePeer(sessionId: string, peerId: string): Promise<void> {
    const owner = await this.cluster.placement.ownerOf(sessionId);
    if (!owner) return;
    if (owner === this.#self) return this.#removeLocal(sessionId, peerId);
    await this.cluster.forwarder.call(owner, 'media:remove-peer', { sessionId, peerId });
  }

  #removeLocal(sessionId: string, peerId: string): void {
    const room = this.pool.getRoom(sessionId);
    const participant = room?.participant(peerId);
    if (!room || !participant) return;
    for (const joined of this.#memberships.values()) {
      if (joined.get(sessionId)?.participant === participant) joined.delete(sessionId);
    }
    this.#cancelGrace(participant);
    room.leave(peerId, participant);
    this.log.info({ sessionId, peer: peerId }, 'media participant removed from the session');
    if (room.participants.length === 0) room.close();
  }

  /** Another instance died: the rooms it held are placed again, and their clients told to rejoin. */
  async #rehome(lost: string): Promise<void> {
    for (const sessionId of await this.cluster.placement.takeOver(lost)) {
      this.io.to(rooms.session(sessionId)).emit('media:rejoin', { sessionId, reason: 'instance-lost' });
    }
  }

  /** Participants connected through an instance that died are gone (their grace period starts). */
  async #checkHomes(): Promise<void> {
    const homes = new Map<string, string[]>();
    for (const [socketId, joined] of this.#memberships) {
      for (const { home } of joined.values()) {
        if (home === this.#self) continue;
        homes.set(home, [...(homes.get(home) ?? []), socketId]);
      }
    }
    for (const [home, sockets] of homes) {
      if (await this.cluster.registry.isLive(home)) continue;
      for (const socketId of new Set(sockets)) this.#socketGone(socketId);
    }
  }

  stop(): Promise<void> {
    return this.#homeCheck.stop();
  }

  /** How many participants are waiting out their grace period (for tests and metrics). */
  get graceCount(): number {
    return this.#graceTimers.size;
  }

  async connected(): Promise<void> {}

  async disconnected(socket: AppSocket): Promise<void> {
    const via = this.#joinedVia.get(socket.id);
    this.#joinedVia.delete(socket.id);
    const signedOut = socket.data.signedOut === true;
    for (const [sessionId, owner] of via ?? []) {
      if (owner === this.#self) this.#socketGone(socket.id, sessionId, signedOut);
      else {
        this.cluster.forwarder.call(owner, 'media:socket-gone', { socketId: socket.id, sessionId, signedOut })
          .catch((error: unknown) => this.log.warn({ err: error, sessionId }, 'could not tell the media holder a socket is gone'));
      }
    }
  }

  /**
   * A socket is gone (here or on its own instance): its participants wait out the grace period,
   * except a signed-out one's (token revoked, or a staff sign-in expired), which go at once.
   */
  #socketGone(socketId: string, onlySession?: string, signedOut = false): void {
    const joined = this.#memberships.get(socketId);
    if (!joined) return;
    const graceMs = this.config.mediasoup.disconnectGraceS * 1000;
    for (const [sessionId, { room, participant }] of joined) {
      if (onlySession !== undefined && sessionId !== onlySession) continue;
      joined.delete(sessionId);
      if (participant.closed) continue;
      const drop = (): void => {
        this.#graceTimers.delete(participant);
        if (room.leave(participant.peer.id, participant)) {
          this.log.info({ sessionId, peer: participant.peer.id, signedOut }, signedOut ? 'media participant signed out' : 'media participant gone past the grace period');
        }
        if (room.participants.length === 0) room.close();
      };
      if (signedOut) {
        drop();
        continue;
      }
      // The client may come back (socket reconnect, page reload) and rejoin: its transports stay
      // until then, or until the grace period ends.
      const timer = setTimeout(drop, graceMs);
      timer.unref();
      this.#graceTimers.set(participant, timer);
    }
    if (joined.size === 0) this.#memberships.delete(socketId);
  }
}
