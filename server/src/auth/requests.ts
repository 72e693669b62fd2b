import { ProtocolError, ROLES } from '@etax-assist/protocol';
import type { RequestRouter } from '../realtime/requests.js';
import type { Authenticator } from './authenticator.js';
import type { LiveTokens } from './live-tokens.js';

/** What a connected client asks of its sign-in over the socket. */
export function registerAuthRequests(requests: RequestRouter, authenticator: Authenticator, liveTokens: LiveTokens): void {
  requests.on('auth:renew', ROLES, async ({ socket, principal }, { token }) => {
    const fresh = await authenticator.authenticate(token);
    // the same person in the same role: a renewal never turns a socket into someone else's
    if (fresh.principal.sub !== principal.sub || fresh.principal.role !== principal.role) {
      throw new ProtocolError('FORBIDDEN', 'A renewal must carry a token of the same user and role');
    }
    liveTokens.renew(socket, { jti: fresh.jti, validUntilMs: fresh.validUntilMs });
    return { validUntilMs: fresh.validUntilMs };
  });
}
