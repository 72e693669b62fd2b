import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { DevLoginRequest, HttpErrorResponse, LoginResponse, ProtocolError, ROLES, SignInMethods, WhoAmIResponse, type SignedInClaims } from '@etax-assist/protocol';
import type { AccountDirectory, StaffAccount } from './accounts.js';
import { credentialOf, principalOf } from './http-guard.js';
import type { SigninThrottle } from './signin-throttle.js';
import type { TokenService } from './tokens.js';

export interface AuthRoutesOptions {
  tokens: TokenService;
  /** Present only when DEV_LOGIN is on. */
  accounts: AccountDirectory | undefined;
  /** What an account signs in as: its member of the staff directory (server/src/staff/sign-in-claims.ts). */
  signInClaims: (account: StaffAccount) => Promise<SignedInClaims>;
  throttle: SigninThrottle;
  /** Whether the console can sign in through the identity provider (auth/oidc/routes.ts). */
  oidc: boolean;
  /** Revokes a token on every instance (LiveTokens.revoke). */
  revoke: (jti: string, validUntilMs: number) => Promise<void>;
}

export async function authRoutes(app: FastifyInstance, { tokens, accounts, signInClaims, throttle, oidc, revoke }: AuthRoutesOptions): Promise<void> {
  // what the console's sign-in screen offers
  app.get('/api/auth/methods', { config: { auth: 'public' }, schema: { response: { 200: SignInMethods } } }, async () => ({ devLogin: accounts !== undefined, oidc }));

  app.get('/api/auth/me', { config: { auth: ROLES }, schema: { response: { 200: WhoAmIResponse, '4xx': HttpErrorResponse } } }, async (request) => ({
    principal: principalOf(request),
  }));

  // Revokes the caller's own token: staff tokens always carry a jti; a portal that puts one in its
  // taxpayer tokens can end a taxpayer's help session with its own sign-out the same way.
  app.post('/api/auth/sign-out', { config: { auth: ROLES }, schema: { response: { 204: Type.Null(), '4xx': HttpErrorResponse } } }, async (request, reply) => {
    const { principal, jti, validUntilMs } = credentialOf(request);
    if (jti === undefined) throw new ProtocolError('BAD_REQUEST', 'This token has no id (jti), so it cannot be revoked; it ends at its expiry');
    await revoke(jti, validUntilMs);
    request.log.info({ sub: principal.sub, role: principal.role }, 'signed out: token revoked');
    return reply.code(204).send();
  });

  if (!accounts) return;
  // Development login against the accounts file; production staff sign in through the
  // authority's identity provider (auth/oidc/), which yields staff tokens with the same claims.
  app.post<{ Body: DevLoginRequest }>(
    '/api/auth/dev-login',
    {
      config: { auth: 'public' },
      schema: { body: DevLoginRequest, response: { 200: LoginResponse, '4xx': HttpErrorResponse } },
    },
    async (request) => {
      const { username, password } = request.body;
      const refusal = await throttle.begin(username, request.ip);
      if (refusal) {
        request.log.warn({ username, address: request.ip, limit: refusal.limit }, 'sign-in throttled');
        const { limit, retryAfterS } = refusal;
        throw new ProtocolError('RATE_LIMITED', `Too many failed sign-ins for this ${limit}; try again in ${retryAfterS} s`, { retryAfterS });
      }
      const account = await accounts.authenticate(username, password);
      if (!account) {
        request.log.info({ username, address: request.ip }, 'sign-in with a wrong username or password');
        throw new ProtocolError('UNAUTHENTICATED', 'Wrong username or password');
      }
      await throttle.succeeded(username, request.ip);
      const principal = await signInClaims(account);
      const issued = tokens.issueStaff(principal);
      request.log.info({ sub: principal.sub, role: principal.role }, 'staff signed in (dev login)');
      return { ...issued, principal };
    },
  );
}
