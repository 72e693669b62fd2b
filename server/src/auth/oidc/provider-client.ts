import * as oidc from 'openid-client';
import { ProtocolError, type SignInFailure } from '@etax-assist/protocol';
import type { OidcConfig } from '../../config/env.js';

/** What a grant at the provider gave: its tokens (kept server-side) and what it says about the person. */
export interface ProviderGrant {
  idToken: string;
  refreshToken: string;
  /** The ID token's claims with the userinfo endpoint's over them. */
  claims: Record<string, unknown>;
}

/** A grant held since an earlier answer: what a refresh starts from. */
export type HeldGrant = Omit<ProviderGrant, 'claims'> & { sub: string };

/** The checks that tie a callback to the sign-in this browser began. */
export interface SignInChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

const failed = (reason: SignInFailure, message: string): ProtocolError => new ProtocolError('SIGN_IN_FAILED', message, { reason });

/**
 * The service as a client of the authority's OpenID Provider (openid-client): authorization code
 * with PKCE, state and nonce; refresh; RP-initiated logout. The provider's metadata is discovered
 * at the first sign-in (a provider that is down does not stop the service) and then kept.
 */
export class OidcProviderClient {
  #configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly settings: OidcConfig) {}

  async authorizationUrl({ state, nonce, codeVerifier }: SignInChecks): Promise<URL> {
    const configuration = await this.#configured();
    return oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scopes,
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /** Redeems the callback's code; refuses a callback that is not the answer to `checks`. */
  async redeem(callbackUrl: URL, checks: SignInChecks): Promise<ProviderGrant> {
    const configuration = await this.#configured();
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      return await this.#grant(configuration, tokens, undefined);
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      if (error instanceof oidc.AuthorizationResponseError) throw failed('provider', `The identity provider refused the sign-in: ${error.error}`);
      if (error instanceof oidc.ResponseBodyError)
        throw failed('code', `The identity provider refused the code (${error.error}): a wrong PKCE verifier, or a used or expired code`);
      throw failed('id-token', `The identity provider's answer failed its checks: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** A fresh grant for the same person; refused once the provider no longer vouches for them. */
  async refresh(previous: HeldGrant): Promise<ProviderGrant> {
    const configuration = await this.#configured();
    try {
      const tokens = await oidc.refreshTokenGrant(configuration, previous.refreshToken);
      return await this.#grant(configuration, tokens, previous);
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      if (error instanceof oidc.ResponseBodyError || error instanceof oidc.WWWAuthenticateChallengeError) {
        throw failed('ended', 'The identity provider no longer vouches for this sign-in (signed out or disabled there); sign in again');
      }
      throw unavailable(error);
    }
  }

  /** The provider's sign-out page for this sign-in, when it has one (RP-initiated logout). */
  async endSessionUrl(idToken: string): Promise<URL | undefined> {
    const configuration = await this.#configured();
    if (configuration.serverMetadata().end_session_endpoint === undefined) return undefined;
    return oidc.buildEndSessionUrl(configuration, { id_token_hint: idToken, post_logout_redirect_uri: this.settings.postLogoutRedirectUrl });
  }

  async #grant(configuration: oidc.Configuration, tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, previous: HeldGrant | undefined): Promise<ProviderGrant> {
    const idClaims = tokens.claims();
    const sub = idClaims?.sub ?? previous?.sub;
    const idToken = tokens.id_token ?? previous?.idToken;
    // a refresh may rotate the refresh token or keep the old one
    const refreshToken = tokens.refresh_token ?? previous?.refreshToken;
    if (sub === undefined || idToken === undefined) throw failed('id-token', 'The identity provider gave no ID token');
    if (refreshToken === undefined)
      throw failed(
        'provider',
        'The identity provider gave no refresh token: the console could not stay signed in (check the client allows refresh_token, or add offline_access to OIDC_SCOPES)',
      );
    // groups and skills usually come from userinfo, not the ID token; both are read at every grant
    const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, sub);
    return { idToken, refreshToken, claims: { ...idClaims, ...userinfo } };
  }

  #configured(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    this.#configuration ??= oidc
      .discovery(new URL(issuer), clientId, undefined, clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(clientSecret), {
        // env.ts allows a plain-HTTP issuer outside production only
        execute: issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
      })
      .catch((error: unknown) => {
        // tried again at the next sign-in
        this.#configuration = undefined;
        throw unavailable(error);
      });
    return this.#configuration;
  }
}

function unavailable(error: unknown): ProtocolError {
  return new ProtocolError('UNAVAILABLE', `The identity provider cannot be reached: ${error instanceof Error ? error.message : String(error)}`);
}
