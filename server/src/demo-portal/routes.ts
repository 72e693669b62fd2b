import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { HttpErrorResponse } from '@etax-assist/protocol';
import type { TokenService } from '../auth/tokens.js';
import type { DemoKiosk } from './demo-kiosk.js';

/** What the demo portal's login form sends: the identity a real portal knows from its own login. */
const DemoTokenRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    taxpayerId: Type.Optional(Type.String({ pattern: '^[0-9A-Z]{15,20}$' })),
    company: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
type DemoTokenRequest = Static<typeof DemoTokenRequest>;

const DemoTokenResponse = Type.Object({ token: Type.String(), expiresAt: Type.String() });
const DemoKioskResponse = Type.Object({ kioskId: Type.String(), credential: Type.String() });

export interface DemoPortalOptions {
  tokens: TokenService;
  tokenTtlS: number;
  kiosk: DemoKiosk;
}

/**
 * The demo e-tax portal's back end: it signs taxpayer tokens with the portal key exactly as a
 * real portal would, so the SDK is exercised end to end. Enabled by DEMO_PORTAL (off in production).
 */
export async function demoPortalRoutes(app: FastifyInstance, { tokens, tokenTtlS, kiosk }: DemoPortalOptions): Promise<void> {
  // The demo kiosk page's local configuration: a real kiosk has its credential installed on it;
  // here the page asks for it, and then exchanges it at POST /api/devices/token like any kiosk.
  app.get('/demo/api/kiosk', { config: { auth: 'public' }, schema: { response: { 200: DemoKioskResponse } } }, async () => kiosk);

  app.post<{ Body: DemoTokenRequest }>(
    '/demo/api/token',
    {
      config: { auth: 'public' },
      schema: { body: DemoTokenRequest, response: { 200: DemoTokenResponse, '4xx': HttpErrorResponse } },
    },
    async (request) => {
      const { name, taxpayerId, company } = request.body;
      // A stable id per demo identity, so the same demo taxpayer has one history across logins.
      const sub = `demo-${createHash('sha256')
        .update(`${name}\u0000${taxpayerId ?? ''}`)
        .digest('hex')
        .slice(0, 16)}`;
      return tokens.issuePortal({ sub, role: 'taxpayer', name, taxpayerId, company }, tokenTtlS);
    },
  );
}
