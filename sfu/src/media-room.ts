import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';

export type RoomCloseReason = 'closed' | 'worker-died';

interface MediaRoomEvents {
  close: [reason: RoomCloseReason];
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

  get rtpCapabilities(): types.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  /** Consumers currently on this room's router: the live measure of its load. */
  get consumerCount(): number {
    return this.#consumers;
  }

  close(): void {
    if (this.#closed) return;
    this.router.close();
    this.#markClosed('closed');
  }

  #markClosed(reason: RoomCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close', reason);
  }
}
