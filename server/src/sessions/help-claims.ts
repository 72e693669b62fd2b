import { ProtocolError, type AdmittedHelpRequest, type EntryPoint, type HelpClaimRefusal, type HelpRequest, type TaxpayerClaims } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import type { KioskDevices } from '../devices/kiosk-devices.js';

function refused(claim: HelpClaimRefusal['claim'], message: string): ProtocolError {
  return new ProtocolError('CLAIM_NOT_GRANTED', message, { claim } satisfies HelpClaimRefusal);
}

/**
 * The help request as the service takes it: what a page may not choose for itself comes from
 * who vouches for it. The green channel is the portal's `priority` claim (a taxpayer may ask for
 * less, never for another group; a page may choose one only where the deployment trusts its
 * pages to: HELP_CLIENT_PRIORITY_ALLOWED, off in production). A kiosk entry is the registry's:
 * the kiosk and hall its device token names.
 */
export async function admitHelpRequest(request: HelpRequest, taxpayer: TaxpayerClaims, policy: Config['helpRequest'], kiosks: KioskDevices): Promise<AdmittedHelpRequest> {
  const question = request.question?.trim();
  if (question !== undefined && question.length > policy.questionMaxChars) {
    throw new ProtocolError('VALIDATION_FAILED', `The question has at most ${policy.questionMaxChars} characters`, { maxChars: policy.questionMaxChars });
  }
  const granted = taxpayer.priority ?? 'normal';
  const priority = request.priority ?? granted;
  if (priority !== 'normal' && priority !== granted && !policy.clientPriorityAllowed) {
    throw refused('priority', `The priority group '${priority}' (green channel) is not granted by the portal's token (it grants '${granted}')`);
  }
  return { ...request, ...(question ? { question } : {}), priority, entry: await entryOf(request.entry, kiosks) };
}

async function entryOf(entry: HelpRequest['entry'], kiosks: KioskDevices): Promise<EntryPoint> {
  if (entry.kind === 'portal') return entry;
  try {
    const { kiosk, hall } = await kiosks.vouchedBy(entry.device);
    return { kind: 'kiosk', kioskId: kiosk.id, hallId: hall.id };
  } catch (error) {
    // a bad device token is a refused claim, not a bad sign-in: the taxpayer's own token is fine
    if (error instanceof ProtocolError && error.code.startsWith('TOKEN_')) throw refused('kiosk', `A kiosk entry needs a registered kiosk's device token: ${error.message}`);
    throw error;
  }
}
