import { ProtocolError, type HelpRequest } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';

/**
 * What a taxpayer's own `help:request` may claim. The green channel jumps the queue and a kiosk
 * entry puts the request under a hall; a plain portal token says neither, so a web page cannot
 * choose them for itself unless the deployment trusts its portal pages to (HELP_CLIENT_*_ALLOWED).
 */
export function checkHelpClaims(request: HelpRequest, policy: Config['helpRequest']): void {
  if ((request.priority ?? 'normal') !== 'normal' && !policy.clientPriorityAllowed) {
    throw new ProtocolError('FORBIDDEN', 'A priority group (green channel) cannot be chosen by the portal page itself');
  }
  if (request.entry.kind === 'kiosk' && !policy.clientKioskAllowed) {
    throw new ProtocolError('FORBIDDEN', 'A kiosk entry cannot be claimed from a portal page');
  }
}
