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

interface ParticipantEvents {
  producerclose: [producer: types.Producer];
}

/**
 * One peer's media in a room: the transports, producers and consumers it owns. Closing a
 * transport closes what runs on it; closing the participant closes everything it owned.
 */
export class MediaParticipant extends EventEmitter<ParticipantEvents> {
  readonly transports = new Map<string, types.WebRtcTransport>();
  readonly producers = new Map<string, types.Producer>();
  readonly consumers = new Map<string, types.Consumer>();
  #closed = false;

  constructor(readonly peer: PeerInfo) {
    super();
  }

  get closed(): boolean {
    return this.#closed;
  }

  addTransport(transport: types.WebRtcTransport): void {
    this.transports.set(transport.id, transport);
    transport.observer.once('close', () => this.transports.delete(transport.id));
  }

  addProducer(producer: types.Producer): void {
    this.producers.set(producer.id, producer);
    producer.observer.once('close', () => {
      this.producers.delete(producer.id);
      this.emit('producerclose', producer);
    });
  }

  addConsumer(consumer: types.Consumer): void {
    this.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => this.consumers.delete(consumer.id));
  }

  transport(id: string): types.WebRtcTransport | undefined {
    return this.transports.get(id);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of [...this.transports.values()]) transport.close();
  }
}
