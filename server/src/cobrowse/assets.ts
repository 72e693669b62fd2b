import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ProtocolError } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import type { SessionStore } from '../sessions/session-store.js';

const IN_PROGRESS = new Set(['active', 'escalating', 'transferring']);
const Params = Type.Object({ sessionId: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }), token: Type.String({ maxLength: 200 }) });
const Query = Type.Object({ url: Type.String({ minLength: 8, maxLength: 4096 }) });

/**
 * Signs and checks asset-proxy URLs: the agent's browser cannot add a bearer header to an <img>,
 * so the URL itself carries a capability for one session, valid for `ttlS`.
 */
export class AssetTokens {
  constructor(
    private readonly secret: string,
    private readonly ttlS: number,
  ) {}

  issue(sessionId: string, nowMs = Date.now()): string {
    const expires = Math.floor(nowMs / 1000) + this.ttlS;
    return `${expires}.${this.#mac(sessionId, expires)}`;
  }

  valid(sessionId: string, token: string, nowMs = Date.now()): boolean {
    const [expiresText, mac] = token.split('.');
    const expires = Number(expiresText);
    if (!mac || !Number.isInteger(expires) || expires * 1000 < nowMs) return false;
    const expected = Buffer.from(this.#mac(sessionId, expires));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #mac(sessionId: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`asset:${sessionId}:${expires}`).digest('base64url');
  }
}

export interface AssetRoutesOptions {
  config: Config;
  tokens: AssetTokens;
  sessions: SessionStore;
}

/**
 * The asset proxy: fetches images and fonts of the configured portal origins for the agent's
 * mirror, only for a session in progress and only with that session's signed token.
 */
export async function assetRoutes(app: FastifyInstance, { config, tokens, sessions }: AssetRoutesOptions): Promise<void> {
  const { assetOrigins, assetMaxBytes, assetTimeoutMs } = config.cobrowse;
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/cobrowse/asset/:sessionId/:token',
    { config: { auth: 'public' }, schema: { params: Params, querystring: Query } },
    async (request, reply) => {
      const { sessionId, token } = request.params;
      if (!tokens.valid(sessionId, token)) throw new ProtocolError('FORBIDDEN', 'This asset link is not valid (or has expired)');
      const session = await sessions.fields(sessionId);
      if (!session || !IN_PROGRESS.has(session.state ?? '')) throw new ProtocolError('FORBIDDEN', 'The session is not in progress');
      let target: URL;
      try {
        target = new URL(request.query.url);
      } catch {
        throw new ProtocolError('VALIDATION_FAILED', 'Not an absolute URL');
      }
      if (!assetOrigins.includes(target.origin)) throw new ProtocolError('FORBIDDEN', `Assets of ${target.origin} are not proxied`);
      let upstream: Response;
      try {
        upstream = await fetch(target, { signal: AbortSignal.timeout(assetTimeoutMs), redirect: 'error' });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        return reply.status(timedOut ? 504 : 502).send({ error: { code: 'UNAVAILABLE', message: timedOut ? 'The portal did not answer in time' : 'The portal could not be reached' } });
      }
      if (!upstream.ok) {
        return reply.status(upstream.status === 404 ? 404 : 502).send({ error: { code: upstream.status === 404 ? 'NOT_FOUND' : 'UNAVAILABLE', message: `The portal answered ${upstream.status}` } });
      }
      const declared = Number(upstream.headers.get('content-length') ?? 0);
      if (declared > assetMaxBytes) throw new ProtocolError('PAYLOAD_TOO_LARGE', `Assets over ${assetMaxBytes} bytes are not proxied`);
      const body = Buffer.from(await upstream.arrayBuffer());
      if (body.length > assetMaxBytes) throw new ProtocolError('PAYLOAD_TOO_LARGE', `Assets over ${assetMaxBytes} bytes are not proxied`);
      return reply
        .header('content-type', upstream.headers.get('content-type') ?? 'application/octet-stream')
        .header('cache-control', 'private, max-age=300')
        .header('x-content-type-options', 'nosniff')
        .send(body);
    },
  );
}
