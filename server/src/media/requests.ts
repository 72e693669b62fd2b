import type { Logger } from 'pino';
import type { types } from 'mediasoup';
import { MediaParticipant, NoWorkerError, type MediaRoom, type PeerRole, type WorkerPool } from '@etax-assist/sfu';
import { ProtocolError, ROLES, type Principal, type ProducerInfo } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import type { RequestContext, RequestRouter } from '../realtime/requests.js';
import { rooms } from '../realtime/rooms.js';
import type { AppServer, AppSocket, ConnectionHook } from '../realtime/socket-server.js';
import type { RedisClient } from '../redis/client.js';
import { participantId, sessionKeys } from '../sessions/keys.js';
import type { SessionStore } from '../sessions/session-store.js';
import { iceServersFor } from './ice-servers.js';

interface ProducerAppData {
  source: 'mic' | 'camera';
  [key: string]: unknown;
}

/** A socket's place in a media room. */
interface Membership {
  room: MediaRoom;
  participant: MediaParticipant;
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
 */
export class MediaSignalling implements ConnectionHook {
  /** Per socket: the rooms it joined. */
  readonly #memberships = new Map<string, Map<string, Membership>>();
  readonly #graceTimers = new Map<MediaParticipant, NodeJS.Timeout>();
  readonly #wiredRooms = new WeakSet<MediaRoom>();

  constructor(
    private readonly io: AppServer,
    private readonly pool: WorkerPool,
    private readonly sessions: SessionStore,
    private readonly redis: RedisClient,
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  register(requests: RequestRouter): void {
    requests.on('media:join', ROLES, (context, { sessionId }) => this.#join(context, sessionId));

    requests.on('media:create-transport', ROLES, async (context, { sessionId, direction }) => {
      const { room, participant } = this.#membership(context, sessionId);
      if (direction === 'send' && participant.peer.monitor) throw new ProtocolError('FORBIDDEN', 'A monitor only receives');
      const { mediasoup } = this.config;
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

    requests.on('media:connect-transport', ROLES, async (context, { sessionId, transportId, dtlsParameters }) => {
      const transport = this.#transport(context, sessionId, transportId);
      await this.#mediasoupCall(() => transport.connect({ dtlsParameters: dtlsParameters as never }));
      return {};
    });

    requests.on('media:produce', ROLES, async (context, { sessionId, transportId, kind, rtpParameters, source }) => {
      const { participant } = this.#membership(context, sessionId);
      if (participant.peer.monitor) throw new ProtocolError('FORBIDDEN', 'A monitor only receives');
      const transport = this.#transport(context, sessionId, transportId);
      if ((transport.appData as { direction: string }).direction !== 'send') throw new ProtocolError('BAD_REQUEST', 'Not a send transport');
      const producer = await this.#mediasoupCall(() =>
        transport.produce({ kind, rtpParameters: rtpParameters as never, appData: { source } satisfies ProducerAppData }),
      );
      participant.addProducer(producer);
      context.socket.to(rooms.session(sessionId)).emit('media:producer-added', { sessionId, producer: producerInfo(participant, producer) });
      return { producerId: producer.id };
    });

    requests.on('media:consume', ROLES, async (context, { sessionId, transportId, producerId, rtpCapabilities }) => {
      const { room, participant } = this.#membership(context, sessionId);
      const transport = this.#transport(context, sessionId, transportId);
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

    requests.on('media:resume-consumer', ROLES, async (context, { sessionId, consumerId }) => {
      const consumer = this.#membership(context, sessionId).participant.consumers.get(consumerId);
      if (!consumer) throw new ProtocolError('NOT_FOUND', 'No such consumer');
      await consumer.resume();
      return {};
    });

    requests.on('media:set-producer-paused', ROLES, async (context, { sessionId, producerId, paused }) => {
      const producer = this.#membership(context, sessionId).participant.producers.get(producerId);
      if (!producer) throw new ProtocolError('NOT_FOUND', 'No such producer');
      await (paused ? producer.pause() : producer.resume());
      context.socket.to(rooms.session(sessionId)).emit('media:producer-paused', { sessionId, producerId, paused });
      return {};
    });

    requests.on('media:close-producer', ROLES, async (context, { sessionId, producerId }) => {
      const producer = this.#membership(context, sessionId).participant.producers.get(producerId);
      if (!producer) throw new ProtocolError('NOT_FOUND', 'No such producer');
      producer.close();
      return {};
    });

    requests.on('media:restart-ice', ROLES, async (context, { sessionId, transportId }) => {
      const transport = this.#transport(context, sessionId, transportId);
      return { iceParameters: (await transport.restartIce()) as never };
    });

    requests.on('media:set-mode', ROLES, async (context, { sessionId, mode, reason }) => {
      const { participant } = this.#membership(context, sessionId);
      const { peer } = participant;
      context.socket.to(rooms.session(sessionId)).emit('media:mode', {
        sessionId,
        peer: { id: peer.id, role: peer.role, name: peer.name },
        mode,
        ...(reason ? { reason } : {}),
      });
      return {};
    });

    requests.on('media:stats', ['agent', 'expert', 'supervisor'], async (context, { sessionId }) => {
      const { room } = this.#membership(context, sessionId);
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

    requests.on('media:leave', ROLES, async ({ socket }, { sessionId }) => {
      const membership = this.#memberships.get(socket.id)?.get(sessionId);
      if (membership) this.#leave(socket.id, sessionId, membership);
      return {};
    });
  }

  async #join({ socket, principal, log }: RequestContext, sessionId: string) {
    const fields = await this.sessions.requireParticipant(sessionId, principal);
    const monitor =
      principal.role === 'supervisor' && (await this.redis.sIsMember(`${sessionKeys.session(sessionId)}:monitors`, principal.sub)) === 1;
    if (['ended', 'cancelled', 'abandoned'].includes(fields.state ?? '')) throw new ProtocolError('CONFLICT', 'The session is over');
    const room = await this.pool.getOrCreateRoom(sessionId).catch((error: unknown) => {
      if (error instanceof NoWorkerError) throw new ProtocolError('UNAVAILABLE', 'Media is restarting; try again in a moment');
      throw error;
    });
    this.#wire(room);
    const peerId = peerIdOf(principal);
    const previous = room.participant(peerId);
    if (previous) this.#cancelGrace(previous);
    const participant = room.join({ id: peerId, role: principal.role as PeerRole, name: principal.name, monitor });
    let joined = this.#memberships.get(socket.id);
    if (!joined) this.#memberships.set(socket.id, (joined = new Map()));
    joined.set(sessionId, { room, participant });
    await socket.join(rooms.session(sessionId));
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
      if (reason === 'worker-died') {
        this.log.warn({ sessionId: room.sessionId }, 'media room lost with its worker; clients rejoin');
        this.io.to(sessionRoom).emit('media:rejoin', { sessionId: room.sessionId, reason });
      }
    });
  }

  #membership({ socket }: RequestContext, sessionId: string): Membership {
    const membership = this.#memberships.get(socket.id)?.get(sessionId);
    if (!membership || membership.participant.closed || membership.room.closed) {
      throw new ProtocolError('CONFLICT', 'Join the session\'s media first (media:join)');
    }
    return membership;
  }

  #transport(context: RequestContext, sessionId: string, transportId: string): types.WebRtcTransport {
    const transport = this.#membership(context, sessionId).participant.transport(transportId);
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

  /** Closes the media of a session that is over (wrap-up or later). */
  closeSession(sessionId: string): void {
    const room = this.pool.getRoom(sessionId);
    if (!room) return;
    for (const joined of this.#memberships.values()) joined.delete(sessionId);
    room.close();
  }

  /** How many participants are waiting out their grace period (for tests and metrics). */
  get graceCount(): number {
    return this.#graceTimers.size;
  }

  async connected(): Promise<void> {}

  async disconnected(socket: AppSocket): Promise<void> {
    const joined = this.#memberships.get(socket.id);
    this.#memberships.delete(socket.id);
    if (!joined) return;
    const graceMs = this.config.mediasoup.disconnectGraceS * 1000;
    for (const [sessionId, { room, participant }] of joined) {
      if (participant.closed) continue;
      // The client may come back (socket reconnect, page reload) and rejoin: its transports stay
      // until then, or until the grace period ends.
      const timer = setTimeout(() => {
        this.#graceTimers.delete(participant);
        if (room.leave(participant.peer.id, participant)) {
          this.log.info({ sessionId, peer: participant.peer.id }, 'media participant gone past the grace period');
        }
        if (room.participants.length === 0) room.close();
      }, graceMs);
      timer.unref();
      this.#graceTimers.set(participant, timer);
    }
  }
}
