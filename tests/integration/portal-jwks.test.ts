import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwksServer, portalSigningKey, signPortalToken, type PortalSigningKey } from '../harness/jwks-server.js';
import { startTestService, type TestService } from '../harness/service.js';

const CACHE_MAX_AGE_MS = 1500;
const taxpayer = { sub: 'tp-jwks', role: 'taxpayer', name: '李娜', taxpayerId: '91310000MA1K000009', priority: 'elderly' };

describe('portal tokens checked against the portal JWKS (PORTAL_JWKS_URL)', () => {
  let jwks: JwksServer;
  let t: TestService;
  let first: PortalSigningKey;
  let second: PortalSigningKey;

  /** The answer of /api/auth/me to a bearer token: the principal, or the refusal. */
  const me = async (token: string) => {
    const response = await fetch(`${t.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    jwks = await JwksServer.start();
    first = await portalSigningKey('portal-2026-a', 'RS256');
    second = await portalSigningKey('portal-2026-b', 'ES256');
    jwks.publish(first);
    t = await startTestService({ PORTAL_JWKS_URL: jwks.url, PORTAL_JWKS_CACHE_MAX_AGE_MS: String(CACHE_MAX_AGE_MS), PORTAL_JWKS_COOLDOWN_MS: '0' });
  });
  afterAll(async () => {
    await t?.stop();
    await jwks?.stop();
  });

  it('accepts a token of a published key, with the identity and priority the portal put in it', async () => {
    expect(await me(await signPortalToken(first, taxpayer))).toEqual({ status: 200, body: { principal: taxpayer } });
  });

  it('accepts a new kid at once, without a restart, and refuses a withdrawn one once the cache expires', async () => {
    const before = jwks.fetches;
    jwks.publish(first, second);
    // an unknown kid makes the service fetch the set again
    expect((await me(await signPortalToken(second, taxpayer))).status).toBe(200);
    expect(jwks.fetches).toBe(before + 1);

    jwks.publish(second);
    const withdrawn = await signPortalToken(first, taxpayer);
    await sleep(CACHE_MAX_AGE_MS + 200);
    expect(await me(withdrawn)).toMatchObject({ status: 401, body: { error: { code: 'TOKEN_INVALID', message: expect.stringContaining('no key with its kid') } } });
    expect((await me(await signPortalToken(second, taxpayer))).status).toBe(200);
  });

  it('refuses what the key set cannot vouch for: a symmetric token, another issuer or audience, a staff role, an expired token', async () => {
    const hs256 = jwt.sign(taxpayer, 'p'.repeat(40), { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist', expiresIn: 60 });
    expect(await me(hs256)).toMatchObject({ status: 401, body: { error: { code: 'TOKEN_INVALID', message: expect.stringMatching(/alg/i) } } });
    expect(await me(await signPortalToken(second, taxpayer, { audience: 'elsewhere' }))).toMatchObject({
      status: 401,
      body: { error: { code: 'TOKEN_INVALID', message: expect.stringContaining('aud') } },
    });
    expect(await me(await signPortalToken(second, taxpayer, { issuer: 'someone' }))).toMatchObject({
      status: 401,
      body: { error: { code: 'TOKEN_INVALID', message: expect.stringContaining('unknown issuer') } },
    });
    expect(await me(await signPortalToken(second, { ...taxpayer, role: 'supervisor' }))).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await me(await signPortalToken(second, taxpayer, { ttlS: -60 }))).toMatchObject({ status: 401, body: { error: { code: 'TOKEN_EXPIRED' } } });
  });

  it('answers UNAVAILABLE (retry later) when the key set cannot be fetched, and recovers when it can', async () => {
    const token = await signPortalToken(second, taxpayer);
    const url = new URL(jwks.url);
    await jwks.stop();
    await sleep(CACHE_MAX_AGE_MS + 200);
    expect(await me(token)).toMatchObject({ status: 503, body: { error: { code: 'UNAVAILABLE', message: expect.stringContaining("portal's keys") } } });
    jwks = await JwksServer.start(Number(url.port));
    jwks.publish(second);
    expect((await me(token)).status).toBe(200);
  });
});
