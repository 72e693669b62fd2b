export { WorkerPool, NoWorkerError, type WorkerPoolOptions, type WorkerHealth } from './worker-pool.js';
export { MediaRoom, type RoomCloseReason, type RoomStats, type TransportStats, type ProducerStats } from './media-room.js';
export { ROUTER_MEDIA_CODECS } from './codecs.js';
export type { SfuLogger } from './logger.js';
export {
  MediaParticipant,
  type PeerInfo,
  type PeerRole,
  type ParticipantProducer,
  type ParticipantTransport,
  type ProducerSource,
  type TransportBitrates,
  type TransportDirection,
} from './participant.js';
