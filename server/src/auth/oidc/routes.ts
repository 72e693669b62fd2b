import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_REQUEST_HEADER, HttpErrorResponse, LoginResponse, OidcSignOutResponse, ProtocolError } from '@etax-assist/protocol';
import type { OidcSignIn } from './sign-in.js';

export interface OidcRoutesOptions {
  signIn: OidcSignIn;
  /** The callback's URL as registered at the provider (OIDC_REDIRECT_URL). */
  redirectUrl: string;
  /** Secure cookies: the service is reached over https (PUBLIC_URL). */
  secure: boolean;
  sessionTtlS: number;
}

/** The console's session (httpOnly: page scripts never read it) and the state of a sign-in under way. */
export const SESSION_COOKIE = 'etax_console_session';
export const STATE_COOKIE = 'etax_oidc_state';
const CALLBACK_PATH = '/api/auth/oidc/callback';
const STATE_TTL_S = 600;

/** Cookie-authenticated calls must come from the console's own scripts (CSRF, with SameSite=Lax). */
function requireConsole(request: FastifyRequest): void {
  if (request.headers[CONSOLE_REQUEST_HEADER] !== '1')
    throw new ProtocolError('FORBIDDEN', `This call needs the ${CONSOLE_REQUEST_HEADER}: 1 header (the console's own requests send it)`);
}

/** Sign-in through the authority's identity provider (docs/auth.md): redirect, callback, service tokens, sign-out. */
export async function oidcRoutes(app: FastifyInstance, { signIn, redirectUrl, secure, sessionTtlS }: OidcRoutesOptions): Promise<void> {
  await app.register(fastifyCookie);
  const cookie = { httpOnly: true, secure, sameSite: 'lax' } as const;
  const clearSession = (reply: FastifyReply) => reply.clearCookie(SESSION_COOKIE, { ...cookie, path: '/api/auth/oidc' });

  app.get('/api/auth/oidc/login', { config: { auth: 'public' } }, async (_request, reply) => {
    const { state, url } = await signIn.begin();
    // binds the callback to this browser: a callback sent to someone else's browser finds no state
    reply.setCookie(STATE_COOKIE, state, { ...cookie, path: CALLBACK_PATH, maxAge: STATE_TTL_S });
    return reply.redirect(url.href, 303);
  });

  app.get('/api/auth/oidc/callback', { config: { auth: 'public' } }, async (request, reply) => {
    reply.clearCookie(STATE_COOKIE, { ...cookie, path: CALLBACK_PATH });
    try {
      // the registered URL with this request's query: behind a proxy the request's own host may differ
      const callbackUrl = new URL(redirectUrl);
      callbackUrl.search = new URL(request.url, callbackUrl).search;
      const sessionId = await signIn.complete(callbackUrl, request.cookies[STATE_COOKIE]);
      reply.setCookie(SESSION_COOKIE, sessionId, { ...cookie, path: '/api/auth/oidc', maxAge: sessionTtlS });
      request.log.info('console signed in through the identity provider');
      // nothing in the query or the fragment: the code and state end here
      return await reply.redirect('/console/', 303);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      const reason = error.code === 'SIGN_IN_FAILED' ? String((error.details as { reason: string }).reason) : 'provider';
      request.log.warn({ code: error.code, reason, message: error.message }, 'sign-in through the identity provider refused');
      return reply.redirect(`/console/?${new URLSearchParams({ signInError: reason }).toString()}`, 303);
    }
  });

  app.post('/api/auth/oidc/token', { config: { auth: 'public' }, schema: { response: { 200: LoginResponse, '4xx': HttpErrorResponse } } }, async (request, reply) => {
    requireConsole(request);
    try {
      return await signIn.token(request.cookies[SESSION_COOKIE]);
    } catch (error) {
      // the session is over: the browser forgets it too
      if (error instanceof ProtocolError && (error.code === 'SIGN_IN_FAILED' || error.code === 'UNAUTHENTICATED')) clearSession(reply);
      throw error;
    }
  });

  app.post('/api/auth/oidc/sign-out', { config: { auth: 'public' }, schema: { response: { 200: OidcSignOutResponse, '4xx': HttpErrorResponse } } }, async (request, reply) => {
    requireConsole(request);
    const endSessionUrl = await signIn.signOut(request.cookies[SESSION_COOKIE]);
    clearSession(reply);
    request.log.info('console signed out: its session and service token ended');
    return endSessionUrl === undefined ? {} : { endSessionUrl: endSessionUrl.href };
  });
}
