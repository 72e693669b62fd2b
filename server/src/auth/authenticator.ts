import { ProtocolError } from '@etax-assist/protocol';
import type { DisabledStaff } from '../staff/disabled-staff.js';
import type { TokenDenyList } from './deny-list.js';
import type { TokenService, VerifiedToken } from './tokens.js';

/**
 * The one check every credential passes, over HTTP and at socket connect: a valid signature and
 * claims (TokenService), an id that was not revoked by a sign-out (TokenDenyList), and for staff
 * a member not disabled in the staff directory (DisabledStaff).
 */
export class Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly denyList: TokenDenyList,
    private readonly disabledStaff: DisabledStaff,
  ) {}

  async authenticate(token: string | undefined): Promise<VerifiedToken> {
    const verified = await this.tokens.verify(token);
    if (verified.jti !== undefined && (await this.denyList.has(verified.jti))) {
      throw new ProtocolError('TOKEN_REVOKED', 'This token was revoked (signed out); sign in again');
    }
    if (verified.principal.role !== 'taxpayer' && (await this.disabledStaff.has(verified.principal.sub))) {
      throw new ProtocolError('ACCOUNT_DISABLED', 'This staff account is disabled; ask an administrator');
    }
    return verified;
  }
}
