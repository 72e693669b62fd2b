import type { FastifyInstance } from 'fastify';
import fastifyCors from '@fastify/cors';
import fp from 'fastify-plugin';
import { ProtocolError } from '@etax-assist/protocol';

/**
 * Which web pages may use the service from a browser: the portals of PORTAL_ORIGINS, which embed
 * the SDK, and the service's own pages (console, demo portal). A browser says where a page comes
 * from in the Origin header, which the page cannot change; a client that sends none (a server, a
 * test, a same-origin GET) is not a page of another site and is judged by its token alone.
 */
export class OriginPolicy {
  readonly #portals: Set<string>;

  constructor(portalOrigins: readonly string[], publicUrl: string) {
    this.#portals = new Set([...portalOrigins, new URL(publicUrl).origin]);
  }

  /** Adds an origin the service serves itself (the demo portal's second port, known once it listens). */
  add(origin: string): void {
    this.#portals.add(new URL(origin).origin);
  }

  /** An origin CORS answers for (listed, or the service's own). */
  lists(origin: string): boolean {
    return this.#portals.has(origin);
  }

  /**
   * Whether a request with this Origin that reached the service under this Host may be served:
   * no Origin, a listed one, or the Host it was sent to (the service's own pages under another
   * name, such as 127.0.0.1 for localhost).
   */
  admits(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined || this.#portals.has(origin)) return true;
    try {
      return host !== undefined && new URL(origin).host === host;
    } catch {
      // "null" (a sandboxed frame, a file) and anything unparseable
      return false;
    }
  }

  refusal(origin: string): ProtocolError {
    return new ProtocolError('ORIGIN_NOT_ALLOWED', `Pages of ${origin} may not use this service (PORTAL_ORIGINS)`);
  }
}

export interface PortalCorsOptions {
  policy: OriginPolicy;
  preflightMaxAgeS: number;
}

/**
 * CORS for the SDK's HTTP calls from a portal (help options, attachments, a kiosk's device token),
 * answered for the listed origins only, without credentials (the SDK sends its token in
 * Authorization, never a cookie); a request from a page of any other site is refused outright,
 * so nothing it sends is acted on even where a browser would not ask first (a "simple" POST).
 */
export const portalCors = fp(
  async function portalCors(app: FastifyInstance, { policy, preflightMaxAgeS }: PortalCorsOptions): Promise<void> {
    app.addHook('onRequest', async (request) => {
      const { origin, host } = request.headers;
      if (!policy.admits(origin, host)) throw policy.refusal(origin ?? '');
    });
    await app.register(fastifyCors, {
      origin: (origin, callback) => callback(null, origin !== undefined && policy.lists(origin)),
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type'],
      exposedHeaders: ['content-disposition', 'etag'],
      maxAge: preflightMaxAgeS,
    });
  },
  { name: 'portal-cors' },
);
