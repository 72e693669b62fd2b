import { Type, type Static } from '@sinclair/typebox';

/** Which sign-ins this deployment offers the console (GET /api/auth/methods). */
export const SignInMethods = Type.Object({
  /** The development login's form (off in production). */
  devLogin: Type.Boolean(),
  /** The button that signs in through the authority's identity provider (OpenID Connect). */
  oidc: Type.Boolean(),
});
export type SignInMethods = Static<typeof SignInMethods>;

/**
 * The header every cookie-authenticated console request carries: a page of another site cannot
 * send it without a CORS preflight, which the service never grants (CSRF).
 */
export const CONSOLE_REQUEST_HEADER = 'x-etax-console';

/** POST /api/auth/oidc/sign-out: where the browser goes next to end the provider's session too. */
export const OidcSignOutResponse = Type.Object({ endSessionUrl: Type.Optional(Type.String()) });
export type OidcSignOutResponse = Static<typeof OidcSignOutResponse>;

/**
 * Why a sign-in through the provider did not complete. The callback sends the browser to
 * `/console/?signInError=<failure>` (a code, never a token), and the console words it.
 */
export const SIGN_IN_FAILURES = [
  /** No sign-in under way in this browser with that state (a forged, replayed or expired callback). */
  'state',
  /** The ID token was not issued for this sign-in (nonce), or is otherwise invalid. */
  'id-token',
  /** The provider refused the code: a wrong PKCE verifier, a used or expired code. */
  'code',
  /** The provider answered the sign-in with an error (the user cancelled, the provider is down). */
  'provider',
  /** Signed in, but in no group that gives a role here. */
  'access',
  /** At a renewal: the provider no longer vouches for the sign-in (signed out or disabled there). */
  'ended',
] as const;
export type SignInFailure = (typeof SIGN_IN_FAILURES)[number];
