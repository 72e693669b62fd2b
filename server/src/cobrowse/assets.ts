import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { sessionIs, ProtocolError, ROLES, type Role } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import type { SessionStore } from '../sessions/session-store.js';

const Params = Type.Object({ sessionId: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }), token: Type.String({ maxLength: 400 }) });
const Query = Type.Object({ url: Type.String({ minLength: 8, maxLength: 4096 }) });

/** Who a link was issued to: the staff member who called cobrowse:watch. */
export interface AssetViewer {
  role: Role;
  sub: string;
}

/**
 * Signs and checks asset-proxy URLs: the agent's browser cannot add a bearer header to an <img>,
 * so the URL itself carries a capability for one session and one viewer, valid for `ttlS`.
 * Token: `<expiry s>.<role:sub base64url>.<HMAC of session, viewer and expiry>`.
 */
export class AssetTokens {
  constructor(
    private readonly secret: string,
    private readonly ttlS: number,
  ) {}

  issue(sessionId: string, viewer: AssetViewer, nowMs = Date.now()): string {
    const expires = Math.floor(nowMs / 1000) + this.ttlS;
    const who = Buffer.from(`${viewer.role}:${viewer.sub}`).toString('base64url');
    return `${expires}.${who}.${this.#mac(sessionId, who, expires)}`;
  }

  /** The viewer the token was issued to, if it is genuine, for this session and not expired. */
  verify(sessionId: string, token: string, nowMs = Date.now()): AssetViewer | undefined {
    const [expiresText, who, mac, ...rest] = token.split('.');
    const expires = Number(expiresText);
    if (!who || !mac || rest.length > 0 || !Number.isInteger(expires) || expires * 1000 < nowMs) return undefined;
    const expected = Buffer.from(this.#mac(sessionId, who, expires));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const [role, ...sub] = Buffer.from(who, 'base64url').toString().split(':');
    return (ROLES as readonly string[]).includes(role ?? '') && sub.length > 0 ? { role: role as Role, sub: sub.join(':') } : undefined;
  }

  #mac(sessionId: string, who: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`asset:${sessionId}:${who}:${expires}`).digest('base64url');
  }
}

const ASSET_PATH = /^(\/cobrowse\/asset\/[^/?]*\/)[^/?]*/;

/** A request URL fit for logs: an asset link's token is a capability, so it is cut out. */
export function redactAssetToken(url: string): string {
  return url.replace(ASSET_PATH, '$1[redacted]');
}

/** Font types older servers still send, besides font/*. */
const LEGACY_FONT_TYPES = new Set([
  'application/font-woff',
  'application/font-woff2',
  'application/x-font-woff',
  'application/font-sfnt',
  'application/x-font-ttf',
  'application/x-font-otf',
  'application/x-font-opentype',
  'application/vnd.ms-fontobject',
]);

/** Only what a page's look needs: images, fonts and stylesheets — never a document or a script. */
export function isProxiedAssetType(mediaType: string): boolean {
  return mediaType.startsWith('image/') || mediaType.startsWith('font/') || mediaType === 'text/css' || LEGACY_FONT_TYPES.has(mediaType);
}

/**
 * Even an allowed type (an SVG is a document) opened by itself must not run anything or reach
 * anywhere: no scripts, no loads but inline styles, a sandboxed origin.
 */
export const ASSET_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

export interface AssetRoutesOptions {
  config: Config;
  tokens: AssetTokens;
  sessions: SessionStore;
}

/**
 * The asset proxy: fetches images, fonts and stylesheets of the configured portal origins for the
 * agent's mirror, only with a link signed for that session and agent, while the agent is still in
 * the session and it is in progress.
 */
export async function assetRoutes(app: FastifyInstance, { config, tokens, sessions }: AssetRoutesOptions): Promise<void> {
  const { assetOrigins, assetMaxBytes, assetTimeoutMs } = config.cobrowse;
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/cobrowse/asset/:sessionId/:token',
    { config: { auth: 'public' }, schema: { params: Params, querystring: Query } },
    async (request, reply) => {
      const { sessionId, token } = request.params;
      const viewer = tokens.verify(sessionId, token);
      if (!viewer) throw new ProtocolError('FORBIDDEN', 'This asset link is not valid (or has expired)');
      const [session, stillIn] = await Promise.all([sessions.fields(sessionId), sessions.isParticipant(sessionId, viewer)]);
      if (!stillIn) throw new ProtocolError('FORBIDDEN', 'Whom this asset link was given to is no longer in the session');
      if (!session || !sessionIs(session.state ?? '', 'served')) throw new ProtocolError('FORBIDDEN', 'The session is not in progress');
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
        return reply
          .status(timedOut ? 504 : 502)
          .send({ error: { code: 'UNAVAILABLE', message: timedOut ? 'The portal did not answer in time' : 'The portal could not be reached' } });
      }
      if (!upstream.ok) {
        return reply
          .status(upstream.status === 404 ? 404 : 502)
          .send({ error: { code: upstream.status === 404 ? 'NOT_FOUND' : 'UNAVAILABLE', message: `The portal answered ${upstream.status}` } });
      }
      const contentType = upstream.headers.get('content-type') ?? '';
      const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
      if (!isProxiedAssetType(mediaType)) {
        await upstream.body?.cancel();
        throw new ProtocolError('FORBIDDEN', `Only images, fonts and stylesheets are proxied, not ${mediaType || 'an asset without a type'}`, { contentType: mediaType });
      }
      const declared = Number(upstream.headers.get('content-length') ?? 0);
      if (declared > assetMaxBytes) throw new ProtocolError('PAYLOAD_TOO_LARGE', `Assets over ${assetMaxBytes} bytes are not proxied`);
      const body = Buffer.from(await upstream.arrayBuffer());
      if (body.length > assetMaxBytes) throw new ProtocolError('PAYLOAD_TOO_LARGE', `Assets over ${assetMaxBytes} bytes are not proxied`);
      return (
        reply
          .header('content-type', contentType)
          .header('cache-control', 'private, max-age=300')
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', ASSET_CSP)
          // only the console's own mirror (this origin) may embed it
          .header('cross-origin-resource-policy', 'same-origin')
          .send(body)
      );
    },
  );
}
