import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';

export type PeerRole = 'taxpayer' | 'agent' | 'expert' | 'supervisor';

export interface PeerInfo {
  /** `role:sub`, unique in a session. */
  id: string;
  role: PeerRole;
  name: string;
  /** A silent monitor only receives, and is not announced to the taxpayer. */
  monitor: boolean;
}

export type TransportDirection = 'send' | 'recv';
export type ProducerSource = 'mic' | 'camera';

export interface TransportAppData extends types.AppData {
  direction: TransportDirection;
}
export interface ProducerAppData extends types.AppData {
  source: ProducerSource;
}

export type ParticipantTransport = types.WebRtcTransport<TransportAppData>;
export type ParticipantProducer = types.Producer<ProducerAppData>;

/** The bitrates a new transport starts with (and, sending, may not exceed), bits per second. */
export interface TransportBitrates {
  initialOutgoing: number;
  maxIncoming: number;
}

/** Where a participant's transports are made: its room's router, through the worker's shared port. */
export interface ParticipantRouter {
  router: types.Router;
  webRtcServer: types.WebRtcServer;
}

interface ParticipantEvents {
  producerclose: [producer: ParticipantProducer];
}

/**
 * One peer's media in a room: the transports, producers and consumers it owns. Closing a
 * transport closes what runs on it; closing the participant closes everything it owned.
 */
export class MediaParticipant extends EventEmitter<ParticipantEvents> {
  readonly transports = new Map<string, ParticipantTransport>();
  readonly producers = new Map<string, ParticipantProducer>();
  readonly consumers = new Map<string, types.Consumer>();
  #closed = false;

  constructor(
    readonly peer: PeerInfo,
    private readonly room: ParticipantRouter,
  ) {
    super();
  }

  get closed(): boolean {
    return this.#closed;
  }

  async createTransport(direction: TransportDirection, bitrates: TransportBitrates): Promise<ParticipantTransport> {
    const transport = await this.room.router.createWebRtcTransport<TransportAppData>({
      webRtcServer: this.room.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: bitrates.initialOutgoing,
      appData: { direction },
    });
    this.transports.set(transport.id, transport);
    transport.observer.once('close', () => this.transports.delete(transport.id));
    if (direction === 'send') await transport.setMaxIncomingBitrate(bitrates.maxIncoming);
    return transport;
  }

  async produce(transport: ParticipantTransport, options: { kind: types.MediaKind; rtpParameters: types.RtpParameters; source: ProducerSource }): Promise<ParticipantProducer> {
    const { kind, rtpParameters, source } = options;
    const producer = await transport.produce<ProducerAppData>({ kind, rtpParameters, appData: { source } });
    this.producers.set(producer.id, producer);
    producer.observer.once('close', () => {
      this.producers.delete(producer.id);
      this.emit('producerclose', producer);
    });
    return producer;
  }

  /** A consumer starts paused: the client resumes it once its side is ready for the stream. */
  async consume(transport: ParticipantTransport, producerId: string, rtpCapabilities: types.RtpCapabilities): Promise<types.Consumer> {
    const consumer = await transport.consume({ producerId, rtpCapabilities, paused: true });
    this.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => this.consumers.delete(consumer.id));
    return consumer;
  }

  transport(id: string): ParticipantTransport | undefined {
    return this.transports.get(id);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of [...this.transports.values()]) transport.close();
  }
}
