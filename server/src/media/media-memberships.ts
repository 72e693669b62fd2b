import type { Logger } from 'pino';
import type { MediaParticipant, MediaRoom, PeerInfo } from '@etax-assist/sfu';
import { ProtocolError } from '@etax-assist/protocol';

/** A socket's place in a media room on this instance. */
export interface Membership {
  room: MediaRoom;
  participant: MediaParticipant;
  /** The instance the socket is connected to (this one, or another that forwards for it). */
  home: string;
}

/**
 * The sockets (connected here or to another instance) in this instance's media rooms, and the
 * participants whose socket is gone, waiting out MEDIA_DISCONNECT_GRACE_S: mediasoup 3.12's worker
 * never times out a vanished client itself. A room left empty closes.
 */
export class MediaMemberships {
  /** Per socket: the sessions whose room on this instance it joined. */
  readonly #bySocket = new Map<string, Map<string, Membership>>();
  readonly #graceTimers = new Map<MediaParticipant, NodeJS.Timeout>();

  constructor(
    private readonly graceMs: number,
    private readonly log: Logger,
  ) {}

  /** Joins the socket's peer to the room; a rejoin replaces what the earlier join left, grace period included. */
  join(socketId: string, room: MediaRoom, peer: PeerInfo, home: string): { participant: MediaParticipant; rejoin: boolean } {
    const previous = room.participant(peer.id);
    if (previous) this.#cancelGrace(previous);
    const participant = room.join(peer);
    let joined = this.#bySocket.get(socketId);
    if (!joined) this.#bySocket.set(socketId, (joined = new Map<string, Membership>()));
    joined.set(room.sessionId, { room, participant, home });
    return { participant, rejoin: previous !== undefined };
  }

  /** The socket's live membership of the session's room, or CONFLICT. */
  of(socketId: string, sessionId: string): Membership {
    const membership = this.#bySocket.get(socketId)?.get(sessionId);
    if (!membership || membership.participant.closed || membership.room.closed) {
      throw new ProtocolError('CONFLICT', "Join the session's media first (media:join)");
    }
    return membership;
  }

  leave(socketId: string, sessionId: string): void {
    const membership = this.#bySocket.get(socketId)?.get(sessionId);
    if (!membership) return;
    this.#bySocket.get(socketId)?.delete(sessionId);
    this.#drop(membership.room, membership.participant);
  }

  /** Closes what the peer owned in the room at once, whichever socket it joined through. */
  removePeer(room: MediaRoom, peerId: string): void {
    const participant = room.participant(peerId);
    if (!participant) return;
    for (const joined of this.#bySocket.values()) {
      if (joined.get(room.sessionId)?.participant === participant) joined.delete(room.sessionId);
    }
    this.#drop(room, participant);
    this.log.info({ sessionId: room.sessionId, peer: peerId }, 'media participant removed from the session');
  }

  closeRoom(room: MediaRoom): void {
    for (const joined of this.#bySocket.values()) joined.delete(room.sessionId);
    room.close();
  }

  /** A room closed: its participants wait for nothing any more. */
  roomClosed(room: MediaRoom): void {
    for (const participant of room.participants) this.#cancelGrace(participant);
  }

  /**
   * A socket is gone (here or on its own instance): its participants wait out the grace period,
   * except a signed-out one's (token revoked, or a staff sign-in expired), which go at once.
   */
  socketGone(socketId: string, onlySession: string | undefined, signedOut: boolean): void {
    const joined = this.#bySocket.get(socketId);
    if (!joined) return;
    for (const [sessionId, { room, participant }] of joined) {
      if (onlySession !== undefined && sessionId !== onlySession) continue;
      joined.delete(sessionId);
      if (participant.closed) continue;
      const drop = (): void => {
        if (this.#drop(room, participant)) {
          this.log.info({ sessionId, peer: participant.peer.id, signedOut }, signedOut ? 'media participant signed out' : 'media participant gone past the grace period');
        }
      };
      if (signedOut) {
        drop();
        continue;
      }
      // The client may come back (socket reconnect, page reload) and rejoin: its transports stay
      // until then, or until the grace period ends.
      const timer = setTimeout(drop, this.graceMs);
      timer.unref();
      this.#graceTimers.set(participant, timer);
    }
    if (joined.size === 0) this.#bySocket.delete(socketId);
  }

  /** The sockets connected to other instances, by instance. */
  remoteSockets(self: string): Map<string, Set<string>> {
    const homes = new Map<string, Set<string>>();
    for (const [socketId, joined] of this.#bySocket) {
      for (const { home } of joined.values()) {
        if (home === self) continue;
        let sockets = homes.get(home);
        if (!sockets) homes.set(home, (sockets = new Set()));
        sockets.add(socketId);
      }
    }
    return homes;
  }

  /** How many participants are waiting out their grace period (for tests and metrics). */
  get graceCount(): number {
    return this.#graceTimers.size;
  }

  /** Closes what the participant owned; returns whether it was still in the room. */
  #drop(room: MediaRoom, participant: MediaParticipant): boolean {
    this.#cancelGrace(participant);
    const left = room.leave(participant.peer.id, participant);
    if (room.participants.length === 0) room.close();
    return left;
  }

  #cancelGrace(participant: MediaParticipant): void {
    const timer = this.#graceTimers.get(participant);
    if (timer) clearTimeout(timer);
    this.#graceTimers.delete(participant);
  }
}
