import type { Logger } from 'pino';
import type { MediaRoom } from '@etax-assist/sfu';
import { rooms } from '../realtime/rooms.js';
import type { AppServer } from '../realtime/socket-server.js';
import type { MediaMemberships } from './media-memberships.js';
import type { RoomPlacement } from './room-placement.js';

/** What happens in a media room that its clients (wherever connected) and the placement must hear about. */
export class MediaRoomEvents {
  readonly #wired = new WeakSet<MediaRoom>();

  constructor(
    private readonly io: AppServer,
    private readonly placement: RoomPlacement,
    private readonly memberships: MediaMemberships,
    private readonly log: Logger,
  ) {}

  /** Wires the room's events, once per room. */
  follow(room: MediaRoom): void {
    if (this.#wired.has(room)) return;
    this.#wired.add(room);
    const sessionRoom = rooms.session(room.sessionId);
    room.on('producerclose', (_participant, producer) => {
      this.io.to(sessionRoom).emit('media:producer-removed', { sessionId: room.sessionId, producerId: producer.id });
    });
    room.once('close', (reason) => {
      this.memberships.roomClosed(room);
      void this.placement.release(room.sessionId).catch((error: unknown) => this.log.warn({ err: error }, 'releasing a room placement failed'));
      if (reason === 'worker-died') {
        this.log.warn({ sessionId: room.sessionId }, 'media room lost with its worker; clients rejoin');
        this.io.to(sessionRoom).emit('media:rejoin', { sessionId: room.sessionId, reason });
      }
    });
  }
}
