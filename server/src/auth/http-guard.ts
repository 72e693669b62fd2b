import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProtocolError, type Principal, type Role } from '@etax-assist/protocol';
import type { Authenticator } from './authenticator.js';
import type { VerifiedToken } from './tokens.js';

/** Who may call a route: anyone, or holders of a token with one of the roles. */
export type RouteAuth = 'public' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
    /** The token the principal came with (its id and validity), for a sign-out. */
    credential: VerifiedToken | undefined;
  }
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new ProtocolError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token>"');
  return match[1];
}

/** The principal of a guarded route's request; the guard has already checked it. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ProtocolError('UNAUTHENTICATED', 'A bearer token is required');
  return request.principal;
}

/** The verified token of a guarded route's request. */
export function credentialOf(request: FastifyRequest): VerifiedToken {
  if (!request.credential) throw new ProtocolError('UNAUTHENTICATED', 'A bearer token is required');
  return request.credential;
}

/**
 * Every route must declare `config.auth`; a route without it fails the start-up (fail closed),
 * so a forgotten declaration can never expose a route.
 */
export function installAuthGuard(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('credential', undefined);
  app.addHook('onRoute', (route) => {
    const auth = route.config?.auth;
    if (auth === undefined) throw new Error(`route ${String(route.method)} ${route.url} declares no config.auth`);
  });
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const auth = request.routeOptions.config.auth;
    if (auth === 'public') return;
    const credential = await authenticator.authenticate(bearerToken(request));
    if (!auth || !auth.includes(credential.principal.role)) {
      throw new ProtocolError('FORBIDDEN', `This needs one of the roles: ${(auth ?? []).join(', ')}`);
    }
    request.principal = credential.principal;
    request.credential = credential;
  });
}
