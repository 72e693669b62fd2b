import type { WorkerPool } from '@etax-assist/sfu';
import { ROLES } from '@etax-assist/protocol';
import type { RequestRouter } from '../realtime/requests.js';
import type { SessionStore } from '../sessions/session-store.js';

/** Media signalling over the session socket; only a session's participants reach its router. */
export function registerMediaRequests(requests: RequestRouter, sessions: SessionStore, pool: WorkerPool): void {
  requests.on('media:join', ROLES, async ({ principal, log }, { sessionId }) => {
    await sessions.requireParticipant(sessionId, principal);
    const room = await pool.getOrCreateRoom(sessionId);
    log.info({ sessionId, workerIndex: room.workerIndex }, 'joined media room');
    return { sessionId, routerRtpCapabilities: room.rtpCapabilities as never };
  });
}
