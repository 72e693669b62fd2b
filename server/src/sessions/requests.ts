import type { TaxpayerClaims } from '@etax-assist/protocol';
import type { RequestRouter } from '../realtime/requests.js';
import type { SessionStore } from './session-store.js';

/** Socket.io room of a session: every participant's sockets, on every instance. */
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;

export function registerSessionRequests(requests: RequestRouter, sessions: SessionStore): void {
  requests.on('help:request', ['taxpayer'], async ({ socket, principal, log }, request) => {
    const summary = await sessions.open(principal as TaxpayerClaims, request);
    await socket.join(sessionRoom(summary.sessionId));
    log.info({ sessionId: summary.sessionId, topic: summary.topic, language: summary.language }, 'help requested');
    return summary;
  });
}
