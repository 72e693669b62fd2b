import type { types } from 'mediasoup';
import { NoWorkerError, type MediaParticipant, type ParticipantProducer, type TransportDirection, type WorkerPool } from '@etax-assist/sfu';
import { ProtocolError, ROLES, sessionIs, type MediaRequestName, type ProducerInfo, type RequestOf, type ResultOf, type Role } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import { rooms } from '../realtime/rooms.js';
import type { AppServer } from '../realtime/socket-server.js';
import type { RedisClient } from '../redis/client.js';
import { participantId, sessionKeys } from '../sessions/keys.js';
import type { SessionStore } from '../sessions/session-store.js';
import { iceServersFor } from './ice-servers.js';
import type { MediaMemberships } from './media-memberships.js';
import type { MediaPeer } from './media-peer.js';
import type { MediaRoomEvents } from './room-events.js';

/** A media request as the instance holding the session's room answers it. */
export interface MediaRequestHandler<N extends MediaRequestName> {
  roles: readonly Role[];
  handle: (peer: MediaPeer, payload: RequestOf<N>) => Promise<ResultOf<N>>;
}

/** One handler per media request in CLIENT_REQUESTS: a new one does not compile until it is answered here. */
export type MediaRequestHandlers = { [N in MediaRequestName]: MediaRequestHandler<N> };

export interface MediaRoomServices {
  io: AppServer;
  pool: WorkerPool;
  sessions: SessionStore;
  redis: RedisClient;
  config: Config;
  memberships: MediaMemberships;
  roomEvents: MediaRoomEvents;
}

function producerInfo({ peer }: MediaParticipant, producer: ParticipantProducer): ProducerInfo {
  return {
    producerId: producer.id,
    kind: producer.kind,
    source: producer.appData.source,
    paused: producer.paused,
    peer: { id: peer.id, role: peer.role, name: peer.name },
  };
}

/** mediasoup refuses bad parameters with TypeError/Error: that is the client's mistake. */
async function mediasoupCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('BAD_REQUEST', error instanceof Error ? error.message : String(error));
  }
}

/**
 * The media requests of a session's participants, answered by the instance holding its room:
 * only participants reach the router, a silent monitor can only consume, producers are announced
 * to the others, and the per-participant limits hold.
 */
export function mediaRequestHandlers({ io, pool, sessions, redis, config, memberships, roomEvents }: MediaRoomServices): MediaRequestHandlers {
  const { mediasoup } = config;

  /** The room's events for everyone in the session but the sender, wherever they are connected. */
  const others = (peer: MediaPeer, sessionId: string) => io.to(rooms.session(sessionId)).except(peer.socketId);

  /** The peer's transport; of the given direction, when the request needs one. */
  const transportOf = (peer: MediaPeer, sessionId: string, transportId: string, direction?: TransportDirection) => {
    const transport = memberships.of(peer.socketId, sessionId).participant.transport(transportId);
    if (!transport) throw new ProtocolError('NOT_FOUND', 'No such transport');
    if (direction && transport.appData.direction !== direction) throw new ProtocolError('BAD_REQUEST', direction === 'send' ? 'Not a send transport' : 'Not a receive transport');
    return transport;
  };

  const producerOf = (peer: MediaPeer, sessionId: string, producerId: string) => {
    const producer = memberships.of(peer.socketId, sessionId).participant.producers.get(producerId);
    if (!producer) throw new ProtocolError('NOT_FOUND', 'No such producer');
    return producer;
  };

  const join = async ({ socketId, principal, home, log }: MediaPeer, sessionId: string): Promise<ResultOf<'media:join'>> => {
    const fields = await sessions.requireParticipant(sessionId, principal);
    const monitor = principal.role === 'supervisor' && (await redis.sIsMember(sessionKeys.monitors(sessionId), principal.sub)) === 1;
    if (sessionIs(fields.state, 'final')) throw new ProtocolError('CONFLICT', 'The session is over');
    const room = await pool.getOrCreateRoom(sessionId).catch((error: unknown) => {
      if (error instanceof NoWorkerError) throw new ProtocolError('UNAVAILABLE', 'Media is restarting; try again in a moment');
      throw error;
    });
    roomEvents.follow(room);
    const peerId = participantId(principal.role, principal.sub);
    const { participant, rejoin } = memberships.join(socketId, room, { id: peerId, role: principal.role, name: principal.name, monitor }, home);
    // removed from the session while this join was under way: nothing of it may stay open
    if (!(await sessions.isParticipant(sessionId, principal))) {
      memberships.removePeer(room, peerId);
      throw new ProtocolError('NOT_FOUND', 'No such session');
    }
    // the socket may live on another instance: the adapter joins it there
    io.in(socketId).socketsJoin(rooms.session(sessionId));
    log.info({ sessionId, workerIndex: room.workerIndex, monitor, rejoin }, 'joined media room');
    const producers = room.participants.filter((p) => p !== participant).flatMap((p) => [...p.producers.values()].map((producer) => producerInfo(p, producer)));
    return {
      sessionId,
      routerRtpCapabilities: room.rtpCapabilities as never,
      iceServers: iceServersFor(principal.sub, config.ice),
      monitor,
      producers,
    };
  };

  return {
    'media:join': { roles: ROLES, handle: (peer, { sessionId }) => join(peer, sessionId) },

    'media:create-transport': {
      roles: ROLES,
      handle: async (peer, { sessionId, direction }) => {
        const { participant } = memberships.of(peer.socketId, sessionId);
        if (direction === 'send' && participant.peer.monitor) throw new ProtocolError('FORBIDDEN', 'A monitor only receives');
        if (participant.transports.size >= mediasoup.maxTransportsPerParticipant) {
          throw new ProtocolError('LIMIT_REACHED', `At most ${mediasoup.maxTransportsPerParticipant} transports per participant: close one first`);
        }
        const transport = await participant.createTransport(direction, { initialOutgoing: mediasoup.initialOutgoingBitrate, maxIncoming: mediasoup.maxIncomingBitrate });
        return {
          transportId: transport.id,
          iceParameters: transport.iceParameters,
          iceCandidates: transport.iceCandidates,
          dtlsParameters: transport.dtlsParameters,
        };
      },
    },

    'media:connect-transport': {
      roles: ROLES,
      handle: async (peer, { sessionId, transportId, dtlsParameters }) => {
        const transport = transportOf(peer, sessionId, transportId);
        await mediasoupCall(() => transport.connect({ dtlsParameters: dtlsParameters as never }));
        return {};
      },
    },

    'media:produce': {
      roles: ROLES,
      handle: async (peer, { sessionId, transportId, kind, rtpParameters, source }) => {
        const { participant } = memberships.of(peer.socketId, sessionId);
        if (participant.peer.monitor) throw new ProtocolError('FORBIDDEN', 'A monitor only receives');
        const transport = transportOf(peer, sessionId, transportId, 'send');
        if (participant.producers.size >= mediasoup.maxProducersPerParticipant) {
          throw new ProtocolError('LIMIT_REACHED', `At most ${mediasoup.maxProducersPerParticipant} producers per participant: close one first`);
        }
        const producer = await mediasoupCall(() => participant.produce(transport, { kind, rtpParameters: rtpParameters as never, source }));
        others(peer, sessionId).emit('media:producer-added', { sessionId, producer: producerInfo(participant, producer) });
        return { producerId: producer.id };
      },
    },

    'media:consume': {
      roles: ROLES,
      handle: async (peer, { sessionId, transportId, producerId, rtpCapabilities }) => {
        const { room, participant } = memberships.of(peer.socketId, sessionId);
        const transport = transportOf(peer, sessionId, transportId, 'recv');
        const owner = room.participants.find((p) => p.producers.has(producerId));
        if (!owner || owner === participant) throw new ProtocolError('NOT_FOUND', 'No such producer');
        const capabilities = rtpCapabilities as types.RtpCapabilities;
        if (!room.router.canConsume({ producerId, rtpCapabilities: capabilities })) {
          throw new ProtocolError('BAD_REQUEST', 'Your device cannot receive this stream');
        }
        const consumer = await mediasoupCall(() => participant.consume(transport, producerId, capabilities));
        return { consumerId: consumer.id, producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters, paused: true };
      },
    },

    // resumed once the client can render it; paused again while its link is too thin for it
    'media:set-consumer-paused': {
      roles: ROLES,
      handle: async (peer, { sessionId, consumerId, paused }) => {
        const consumer = memberships.of(peer.socketId, sessionId).participant.consumers.get(consumerId);
        if (!consumer) throw new ProtocolError('NOT_FOUND', 'No such consumer');
        await (paused ? consumer.pause() : consumer.resume());
        return {};
      },
    },

    'media:set-producer-paused': {
      roles: ROLES,
      handle: async (peer, { sessionId, producerId, paused }) => {
        const producer = producerOf(peer, sessionId, producerId);
        await (paused ? producer.pause() : producer.resume());
        others(peer, sessionId).emit('media:producer-paused', { sessionId, producerId, paused });
        return {};
      },
    },

    'media:close-producer': {
      roles: ROLES,
      handle: async (peer, { sessionId, producerId }) => {
        producerOf(peer, sessionId, producerId).close();
        return {};
      },
    },

    'media:restart-ice': {
      roles: ROLES,
      handle: async (peer, { sessionId, transportId }) => ({ iceParameters: await transportOf(peer, sessionId, transportId).restartIce() }),
    },

    'media:set-mode': {
      roles: ROLES,
      handle: async (peer, { sessionId, mode, reason }) => {
        const who = memberships.of(peer.socketId, sessionId).participant.peer;
        others(peer, sessionId).emit('media:mode', { sessionId, peer: { id: who.id, role: who.role, name: who.name }, mode, ...(reason ? { reason } : {}) });
        return {};
      },
    },

    'media:stats': {
      roles: ['agent', 'expert', 'supervisor'],
      handle: async (peer, { sessionId }) => {
        const { room } = memberships.of(peer.socketId, sessionId);
        return { sessionId, workerIndex: room.workerIndex, consumers: room.consumerCount, ...(await room.getStats()) };
      },
    },

    'media:leave': {
      roles: ROLES,
      handle: async ({ socketId }, { sessionId }) => {
        memberships.leave(socketId, sessionId);
        return {};
      },
    },
  };
}
