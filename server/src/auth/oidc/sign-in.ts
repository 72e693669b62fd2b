import * as oidc from 'openid-client';
import { ProtocolError, type LoginResponse } from '@etax-assist/protocol';
import type { TokenService } from '../tokens.js';
import type { ClaimMapping } from './claim-mapping.js';
import type { OidcProviderClient } from './provider-client.js';
import type { ConsoleSession, OidcSessionStore } from './session-store.js';

/**
 * The console's sign-in through the identity provider, as a backend for the browser: the
 * provider's tokens stay in Redis, the browser holds a session cookie and asks for short-lived
 * service tokens. Each one is a fresh grant at the provider with the claims mapped again, so a
 * person the provider disables, or moves out of the staff groups, loses access at the next renewal.
 */
export class OidcSignIn {
  constructor(
    private readonly provider: OidcProviderClient,
    private readonly store: OidcSessionStore,
    private readonly mapping: ClaimMapping,
    private readonly tokens: TokenService,
    /** Revokes a service token on every instance, closing its sockets (LiveTokens.revoke). */
    private readonly revoke: (jti: string, validUntilMs: number) => Promise<void>,
    private readonly tokenTtlS: number,
    /** The claims the mapped provider claims give (the staff directory's skills; a disabled member refused). */
    private readonly resolve: (mapped: LoginResponse['principal']) => Promise<LoginResponse['principal']>,
  ) {}

  /** Starts a sign-in: the provider's login page to send the browser to, and the state it must bring back. */
  async begin(): Promise<{ state: string; url: URL }> {
    const state = oidc.randomState();
    const checks = { state, nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    const url = await this.provider.authorizationUrl(checks);
    await this.store.begin(state, { nonce: checks.nonce, codeVerifier: checks.codeVerifier });
    return { state, url };
  }

  /**
   * The provider's callback, in the browser that began the sign-in (`browserState`, from its
   * cookie): a new console session's id. Nothing is stored for someone the mapping refuses.
   */
  async complete(callbackUrl: URL, browserState: string | undefined): Promise<string> {
    const state = callbackUrl.searchParams.get('state');
    if (state === null || state !== browserState) {
      throw new ProtocolError('SIGN_IN_FAILED', 'This callback does not answer a sign-in begun in this browser', { reason: 'state' });
    }
    const pending = await this.store.takePending(state);
    if (!pending) throw new ProtocolError('SIGN_IN_FAILED', 'No sign-in is under way with this state (expired, or completed already)', { reason: 'state' });
    const grant = await this.provider.redeem(callbackUrl, { state, ...pending });
    const { sub } = this.mapping.map(grant.claims);
    return this.store.create({ sub, idToken: grant.idToken, refreshToken: grant.refreshToken });
  }

  /** A fresh service token for the session; the session ends (its last token revoked) once the provider or the mapping refuses. */
  async token(sessionId: string | undefined): Promise<LoginResponse> {
    const { id, session } = await this.#session(sessionId);
    let renewed: ConsoleSession;
    let principal: LoginResponse['principal'];
    try {
      const grant = await this.provider.refresh(session);
      principal = await this.resolve(this.mapping.map(grant.claims));
      renewed = { ...session, idToken: grant.idToken, refreshToken: grant.refreshToken };
    } catch (error) {
      if (error instanceof ProtocolError && (error.code === 'SIGN_IN_FAILED' || error.code === 'ACCOUNT_DISABLED')) await this.#end(id, session);
      throw error;
    }
    const { token, expiresAt, jti, validUntilMs } = this.tokens.issueStaff(principal, this.tokenTtlS);
    await this.store.update(id, { ...renewed, serviceToken: { jti, validUntilMs } });
    return { token, expiresAt, principal };
  }

  /** Ends the session here; the provider's sign-out page to send the browser to, when it has one. */
  async signOut(sessionId: string | undefined): Promise<URL | undefined> {
    const { id, session } = await this.#session(sessionId);
    await this.#end(id, session);
    return this.provider.endSessionUrl(session.idToken);
  }

  async #session(sessionId: string | undefined): Promise<{ id: string; session: ConsoleSession }> {
    const session = sessionId === undefined ? undefined : await this.store.get(sessionId);
    if (sessionId === undefined || !session) throw new ProtocolError('UNAUTHENTICATED', 'Not signed in, or the sign-in has ended; sign in again');
    return { id: sessionId, session };
  }

  async #end(sessionId: string, session: ConsoleSession): Promise<void> {
    await this.store.delete(sessionId);
    if (session.serviceToken) await this.revoke(session.serviceToken.jti, session.serviceToken.validUntilMs);
  }
}
