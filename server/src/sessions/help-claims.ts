import { ProtocolError, type HelpClaimRefusal, type HelpRequest, type TaxpayerClaims } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';

function refused(claim: HelpClaimRefusal['claim'], message: string): ProtocolError {
  return new ProtocolError('CLAIM_NOT_GRANTED', message, { claim } satisfies HelpClaimRefusal);
}

/**
 * The help request as the service takes it: what a page may not choose for itself comes from
 * who vouches for it. The green channel is the portal's `priority` claim (a taxpayer may ask for
 * less, never for another group); a page may choose one only where the deployment trusts its
 * pages to (HELP_CLIENT_PRIORITY_ALLOWED, off in production).
 */
export function resolveHelpClaims(request: HelpRequest, taxpayer: TaxpayerClaims, policy: Config['helpRequest']): HelpRequest {
  const granted = taxpayer.priority ?? 'normal';
  const asked = request.priority ?? granted;
  if (asked !== 'normal' && asked !== granted && !policy.clientPriorityAllowed) {
    throw refused('priority', `The priority group '${asked}' (green channel) is not granted by the portal's token (it grants '${granted}')`);
  }
  if (request.entry.kind === 'kiosk' && !policy.clientKioskAllowed) {
    throw refused('kiosk', 'A kiosk entry cannot be claimed from a portal page');
  }
  return { ...request, priority: asked };
}
