import { ProtocolError } from '@etax-assist/protocol';
import type { TokenDenyList } from './deny-list.js';
import type { TokenService, VerifiedToken } from './tokens.js';

/**
 * The one check every credential passes, over HTTP and at socket connect: a valid signature and
 * claims (TokenService), and an id that was not revoked by a sign-out (TokenDenyList).
 */
export class Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly denyList: TokenDenyList,
  ) {}

  async authenticate(token: string | undefined): Promise<VerifiedToken> {
    const verified = await this.tokens.verify(token);
    if (verified.jti !== undefined && (await this.denyList.has(verified.jti))) {
      throw new ProtocolError('TOKEN_REVOKED', 'This token was revoked (signed out); sign in again');
    }
    return verified;
  }
}
