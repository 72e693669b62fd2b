import type { Logger } from 'pino';
import { rooms, sessionRooms } from '../realtime/rooms.js';
import type { AppServer } from '../realtime/socket-server.js';

/** What ending a participant's access needs of the media and co-browsing sides. */
export interface AccessHolders {
  media: { removePeer(sessionId: string, peerId: string): Promise<void> };
  cobrowse: { releaseParticipant(sessionId: string, sub: string): Promise<void> };
}

/** The room that holds every socket of one person, whichever instance each is connected to. */
function personalRoom(role: string, sub: string): string {
  if (role === 'supervisor') return rooms.supervisor(sub);
  if (role === 'taxpayer') return rooms.taxpayer(sub);
  return rooms.agent(sub);
}

/**
 * Ends what a person has of a session once the dispatcher has removed them from it (reassign,
 * hand-over, leave, unobserve, going offline, heartbeat loss): their sockets leave the session's
 * rooms on every instance, so nothing more of it reaches them; their media there closes on the
 * instance holding the room; control they held or asked for ends. Their later requests are
 * refused by the participant checks, which the dispatcher's change already answers.
 */
export class SessionAccess {
  constructor(
    private readonly io: AppServer,
    private readonly holders: AccessHolders,
    private readonly log: Logger,
  ) {}

  /** `peer` is `role:sub`, as among the session's participants. */
  async revoke(sessionId: string, peer: string): Promise<void> {
    const colon = peer.indexOf(':');
    const role = peer.slice(0, colon);
    const sub = peer.slice(colon + 1);
    this.io.in(personalRoom(role, sub)).socketsLeave(sessionRooms(sessionId));
    const results = await Promise.allSettled([this.holders.media.removePeer(sessionId, peer), this.holders.cobrowse.releaseParticipant(sessionId, sub)]);
    for (const result of results) {
      if (result.status === 'rejected') this.log.error({ err: result.reason, sessionId, peer }, "ending a participant's access failed");
    }
  }

  /** The session is over: no socket stays in its rooms. */
  close(sessionId: string): void {
    this.io.in(rooms.session(sessionId)).socketsLeave(sessionRooms(sessionId));
  }
}
