import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { MediaParticipant, type ParticipantProducer, type PeerInfo, type TransportDirection } from './participant.js';

export type RoomCloseReason = 'closed' | 'worker-died';

interface MediaRoomEvents {
  close: [reason: RoomCloseReason];
  /** A participant's producer closed (by the client, or with its transport or participant). */
  producerclose: [participant: MediaParticipant, producer: ParticipantProducer];
}

export interface TransportStats {
  transportId: string;
  /** The owner's peer id. */
  peer: string;
  direction: TransportDirection;
  iceState: string;
  dtlsState: string;
  recvBitrate: number;
  sendBitrate: number;
}

export interface ProducerStats {
  producerId: string;
  peer: string;
  kind: types.MediaKind;
  bitrate: number;
  packetCount: number;
  packetsLost: number;
}

/** What the room's worker reports right now about its transports, producers and consumers. */
export interface RoomStats {
  transports: TransportStats[];
  producers: ProducerStats[];
  /** Round-trip times (ms) reported by consumers' receivers. */
  rttMs: number[];
}

/** The media side of one assistance session: one mediasoup router on one worker. */
export class MediaRoom extends EventEmitter<MediaRoomEvents> {
  readonly sessionId: string;
  readonly router: types.Router;
  readonly workerIndex: number;
  /** The worker's shared WebRtcServer: participants' transports connect through its one port. */
  readonly webRtcServer: types.WebRtcServer;
  #closed = false;
  #consumers = 0;
  readonly #participants = new Map<string, MediaParticipant>();

  constructor(sessionId: string, router: types.Router, workerIndex: number, webRtcServer: types.WebRtcServer) {
    super();
    this.sessionId = sessionId;
    this.router = router;
    this.workerIndex = workerIndex;
    this.webRtcServer = webRtcServer;
    // A router closes with its worker ('workerclose', emitted before the observer's 'close').
    router.once('workerclose', () => this.#markClosed('worker-died'));
    router.observer.once('close', () => this.#markClosed('closed'));
    router.observer.on('newtransport', (transport) => {
      transport.observer.on('newconsumer', (consumer) => {
        this.#consumers++;
        consumer.observer.once('close', () => this.#consumers--);
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Adds the peer, replacing (and closing) what an earlier join of the same peer left. */
  join(peer: PeerInfo): MediaParticipant {
    this.#participants.get(peer.id)?.close();
    const participant = new MediaParticipant(peer, this);
    participant.on('producerclose', (producer) => this.emit('producerclose', participant, producer));
    this.#participants.set(peer.id, participant);
    return participant;
  }

  participant(peerId: string): MediaParticipant | undefined {
    return this.#participants.get(peerId);
  }

  get participants(): MediaParticipant[] {
    return [...this.#participants.values()];
  }

  /** Closes everything the peer owned; returns whether it was there. */
  leave(peerId: string, participant?: MediaParticipant): boolean {
    const current = this.#participants.get(peerId);
    if (!current || (participant && current !== participant)) return false;
    this.#participants.delete(peerId);
    current.close();
    return true;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  /** Consumers currently on this room's router: the live measure of its load. */
  get consumerCount(): number {
    return this.#consumers;
  }

  async getStats(): Promise<RoomStats> {
    const stats: RoomStats = { transports: [], producers: [], rttMs: [] };
    for (const { peer, transports, producers, consumers } of this.#participants.values()) {
      for (const transport of transports.values()) {
        const [transportStats] = await transport.getStats();
        stats.transports.push({
          transportId: transport.id,
          peer: peer.id,
          direction: transport.appData.direction,
          iceState: transport.iceState,
          dtlsState: transport.dtlsState,
          recvBitrate: transportStats?.recvBitrate ?? 0,
          sendBitrate: transportStats?.sendBitrate ?? 0,
        });
      }
      for (const producer of producers.values()) {
        const streams = await producer.getStats();
        stats.producers.push({
          producerId: producer.id,
          peer: peer.id,
          kind: producer.kind,
          bitrate: streams.reduce((sum, s) => sum + s.bitrate, 0),
          packetCount: streams.reduce((sum, s) => sum + s.packetCount, 0),
          packetsLost: streams.reduce((sum, s) => sum + s.packetsLost, 0),
        });
      }
      for (const consumer of consumers.values()) {
        for (const s of await consumer.getStats()) if (s.type === 'outbound-rtp' && s.roundTripTime) stats.rttMs.push(s.roundTripTime);
      }
    }
    return stats;
  }

  close(): void {
    if (this.#closed) return;
    for (const participant of this.#participants.values()) participant.close();
    this.#participants.clear();
    this.router.close();
    this.#markClosed('closed');
  }

  #markClosed(reason: RoomCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close', reason);
  }
}
