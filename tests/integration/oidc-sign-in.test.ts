import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '@etax-assist/protocol';
import { CookieJar, signInAtProvider, startTestOidcProvider, type TestOidcProvider } from '../harness/oidc-provider.js';
import { freePort } from '../harness/ports.js';
import { startTestService, type TestService } from '../harness/service.js';

const ACCOUNTS = {
  'wang.min': { name: '王敏 Wang Min', groups: ['etax-agents'], languages: ['zh', 'en'], topics: ['invoice'] },
  'zhao.li': { name: '赵丽 Zhao Li', groups: ['etax-supervisors', 'etax-agents'] },
  'li.qiang': { name: '李强 Li Qiang', groups: ['etax-agents'] },
  'chen.hao': { name: '陈浩 Chen Hao', groups: ['etax-agents'] },
  'sun.yu': { name: '孙宇 Sun Yu', groups: ['etax-agents'] },
  visitor: { name: 'Visitor', groups: ['everyone'] },
};

describe('console sign-in through a real OpenID Provider', () => {
  let t: TestService;
  let op: TestOidcProvider;
  const TOKEN_TTL_S = 30;
  beforeAll(async () => {
    const port = await freePort();
    op = await startTestOidcProvider(`http://localhost:${port}`, ACCOUNTS);
    t = await startTestService({ PORT: String(port), ...op.env, OIDC_TOKEN_TTL_S: String(TOKEN_TTL_S) });
  });
  afterAll(async () => {
    await t?.stop();
    await op?.stop();
  });

  /** The service's login redirect (its state cookie in `jar`) and the provider's authorization URL. */
  async function begin(jar: CookieJar): Promise<URL> {
    const response = await fetch(`${t.url}/api/auth/oidc/login`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    jar.take(response);
    return new URL(response.headers.get('location')!);
  }
  /** Brings the provider's answer back to the service; resolves with the callback's response. */
  const callback = (url: URL, jar: CookieJar) => fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } }).then((r) => (jar.take(r), r));
  const token = (jar: CookieJar, headers: Record<string, string> = { 'x-etax-console': '1' }) =>
    fetch(`${t.url}/api/auth/oidc/token`, { method: 'POST', headers: { cookie: jar.header(), ...headers } });
  const me = (bearer: string) => fetch(`${t.url}/api/auth/me`, { headers: { authorization: `Bearer ${bearer}` } });
  /** A whole sign-in as `username`: the jar holds the console's session cookie after it. */
  async function signIn(username: string): Promise<{ jar: CookieJar; answer: Response }> {
    const jar = new CookieJar();
    const answer = await callback(await signInAtProvider((await begin(jar)).href, username), jar);
    return { jar, answer };
  }
  const failure = (answer: Response) => new URL(answer.headers.get('location')!, t.url).searchParams.get('signInError');
  const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; details?: { reason: string } } }).error;

  it('offers the provider sign-in to the console', async () => {
    expect(await (await fetch(`${t.url}/api/auth/methods`)).json()).toEqual({ devLogin: true, oidc: true });
  });

  it('signs an agent in: a session cookie, no token in any URL, short-lived service tokens with the mapped claims', async () => {
    const jar = new CookieJar();
    const authorization = await begin(jar);
    expect(authorization.origin).toBe(op.issuer);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    for (const name of ['state', 'nonce', 'code_challenge']) expect(authorization.searchParams.get(name)).toBeTruthy();
    const answer = await callback(await signInAtProvider(authorization.href, 'wang.min'), jar);
    expect(answer.status).toBe(303);
    // back to the console with nothing in the query or fragment
    expect(answer.headers.get('location')).toBe('/console/');
    const session = answer.headers.getSetCookie().find((c) => c.startsWith('etax_console_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Path=\/api\/auth\/oidc/);
    // plain HTTP here: Secure follows PUBLIC_URL's https
    expect(session).not.toMatch(/Secure/);

    const issued = await token(jar);
    expect(issued.status).toBe(200);
    const login = (await issued.json()) as LoginResponse;
    expect(login.principal).toEqual({ sub: 'wang.min', role: 'agent', name: '王敏 Wang Min', languages: ['zh', 'en'], topics: ['invoice'] });
    expect(Date.parse(login.expiresAt) - Date.now()).toBeLessThanOrEqual(TOKEN_TTL_S * 1000);
    expect(await me(login.token).then((r) => r.json())).toEqual({ principal: login.principal });
    // each renewal is a fresh token
    const renewed = (await (await token(jar)).json()) as LoginResponse;
    expect(renewed.token).not.toBe(login.token);
  });

  it('maps the groups to roles: the first listed group the user is in decides', async () => {
    const { jar } = await signIn('zhao.li');
    expect(((await (await token(jar)).json()) as LoginResponse).principal.role).toBe('supervisor');
  });

  it('refuses someone in no staff group, with no session', async () => {
    const { answer } = await signIn('visitor');
    expect(failure(answer)).toBe('access');
    expect(answer.headers.getSetCookie().some((c) => c.startsWith('etax_console_session='))).toBe(false);
  });

  it('refuses a callback that does not belong to this browser, and a replayed one (state)', async () => {
    const jar = new CookieJar();
    const answer = await signInAtProvider((await begin(jar)).href, 'wang.min');
    const otherBrowser = new CookieJar();
    await begin(otherBrowser);
    expect(failure(await callback(answer, otherBrowser))).toBe('state');
    // the right browser's own callback works once, and only once (even with its state cookie kept)
    const stateCookie = jar.header();
    expect((await callback(answer, jar)).headers.get('location')).toBe('/console/');
    const replay = await fetch(answer, { redirect: 'manual', headers: { cookie: stateCookie } });
    expect(failure(replay)).toBe('state');
  });

  it('refuses an ID token issued for another nonce, and a code redeemed with the wrong PKCE verifier', async () => {
    for (const [parameter, reason] of [
      ['nonce', 'id-token'],
      ['code_challenge', 'code'],
    ] as const) {
      const jar = new CookieJar();
      const authorization = await begin(jar);
      // as an attacker who swapped the authorization request would have it
      authorization.searchParams.set(parameter, parameter === 'nonce' ? 'another-nonce' : 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
      expect(failure(await callback(await signInAtProvider(authorization.href, 'wang.min'), jar))).toBe(reason);
    }
  });

  it('gives service tokens only to the console: the custom header and the session cookie', async () => {
    const { jar } = await signIn('li.qiang');
    const forged = await token(jar, {});
    expect(forged.status).toBe(403);
    expect((await errorOf(forged)).code).toBe('FORBIDDEN');
    const anonymous = await token(new CookieJar());
    expect(anonymous.status).toBe(401);
    expect((await errorOf(anonymous)).code).toBe('UNAUTHENTICATED');
  });

  it('a user removed from the agents group loses access at the next renewal: refused, the last token revoked, the session gone', async () => {
    const { jar } = await signIn('chen.hao');
    const login = (await (await token(jar)).json()) as LoginResponse;
    await op.updateAccount('chen.hao', { groups: [] });
    const refused = await token(jar);
    expect(refused.status).toBe(401);
    expect(await errorOf(refused)).toMatchObject({ code: 'SIGN_IN_FAILED', details: { reason: 'access' } });
    expect((await errorOf(await me(login.token))).code).toBe('TOKEN_REVOKED');
    jar.take(refused);
    expect((await errorOf(await token(jar))).code).toBe('UNAUTHENTICATED');
  });

  it('a user disabled at the provider loses access at the next renewal', async () => {
    const { jar } = await signIn('sun.yu');
    expect((await token(jar)).status).toBe(200);
    await op.updateAccount('sun.yu', { disabled: true });
    expect(await errorOf(await token(jar))).toMatchObject({ code: 'SIGN_IN_FAILED', details: { reason: 'ended' } });
  });

  it('a first sign-in adds the member to the staff directory; an administrator who disables it cuts it off at the next renewal', async () => {
    const { jar } = await signIn('wang.min');
    expect((await token(jar)).status).toBe(200);
    const admin = { authorization: `Bearer ${await t.staffToken('admin1', 'admin1-pass')}`, 'content-type': 'application/json' };
    const member = (await (await fetch(`${t.url}/api/staff/wang.min`, { headers: admin })).json()) as { role: string; active: boolean; topics: unknown[] };
    // the provider's role and claims, for an administrator to complete
    expect(member).toMatchObject({ role: 'agent', active: true, topics: [{ topic: 'invoice', level: 3 }] });
    const history = (await (await fetch(`${t.url}/api/staff/wang.min/events`, { headers: admin })).json()) as { events: { by: string }[] };
    expect(history.events.map((e) => e.by)).toContain('oidc');
    expect((await fetch(`${t.url}/api/staff/wang.min/disable`, { method: 'POST', headers: admin, body: '{}' })).status).toBe(200);
    expect((await errorOf(await token(jar))).code).toBe('ACCOUNT_DISABLED');
    jar.take(await token(jar));
    expect((await errorOf(await token(jar))).code).toBe('UNAUTHENTICATED');
    // enabled again, for the tests after
    expect((await fetch(`${t.url}/api/staff/wang.min/enable`, { method: 'POST', headers: admin, body: '{}' })).status).toBe(200);
  });

  it('signing out revokes the service token, ends the session and sends the browser to the provider to end its session', async () => {
    const { jar } = await signIn('wang.min');
    const login = (await (await token(jar)).json()) as LoginResponse;
    const out = await fetch(`${t.url}/api/auth/oidc/sign-out`, { method: 'POST', headers: { cookie: jar.header(), 'x-etax-console': '1' } });
    expect(out.status).toBe(200);
    const { endSessionUrl } = (await out.json()) as { endSessionUrl: string };
    const end = new URL(endSessionUrl);
    expect(end.origin).toBe(op.issuer);
    expect(end.searchParams.get('id_token_hint')).toBeTruthy();
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${t.url}/console/`);
    expect((await errorOf(await me(login.token))).code).toBe('TOKEN_REVOKED');
    expect((await token(jar)).status).toBe(401);
  });
});
