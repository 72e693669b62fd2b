import jwt from 'jsonwebtoken';
import type { HTTPRequest, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '@etax-assist/protocol';
import { launchBrowser, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { CLUSTER_SECRETS, DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';

const principal = { sub: 'agent1', role: 'agent', name: '王敏 Wang Min', languages: ['zh', 'en'], topics: ['invoice', 'refund'] } as const;

describe('the console follows its sign-in', () => {
  let t: TestService;
  let b: TestBrowser;
  let page: Page;
  beforeAll(async () => {
    t = await startTestService({ ...CLUSTER_SECRETS, JWT_CLOCK_TOLERANCE_S: '0' });
    b = await launchBrowser({ grantMedia: false });
  });
  beforeAll(async () => {
    page = await (await b.browser.createBrowserContext()).newPage();
  });
  afterAll(async () => {
    await b?.close();
    await t?.stop();
  });

  /** Signs in through the form and returns the token the console was given. */
  async function signIn(): Promise<string> {
    const login = page.waitForResponse((r) => r.url().endsWith('/api/auth/dev-login'));
    await signInToConsole(page, t.url, 'agent1', DEV_PASSWORDS.agent1, 'en');
    return ((await (await login).json()) as LoginResponse).token;
  }
  const alert = () => page.waitForSelector('form.login ~ [role="alert"]').then((el) => el?.evaluate((e) => e.textContent));
  const me = async (token: string) => (await fetch(`${t.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('signing out revokes the token on the service', async () => {
    const token = await signIn();
    expect(await me(token)).toBe(200);
    await clickButton(page, 'Sign out');
    await page.waitForSelector('form.login');
    expect(await me(token)).toBe(401);
    // its own sign-out is no news to the console
    expect(await page.$('form.login ~ [role="alert"]')).toBeNull();
  });

  it('a token revoked elsewhere brings the console back to the sign-in form, saying so', async () => {
    const token = await signIn();
    const revoked = await fetch(`${t.url}/api/auth/sign-out`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(revoked.status).toBe(204);
    expect(await alert()).toBe('You were signed out; sign in again');
  });

  it('a sign-in that expires mid-shift brings the console back to the sign-in form, saying so', async () => {
    // the login answers with a token that expires in 3 s (the dev login's own last hours)
    const short = jwt.sign(principal, CLUSTER_SECRETS.STAFF_JWT_SECRET, { issuer: 'etax-assist', audience: 'etax-assist', expiresIn: 3, jwtid: 'short-lived' });
    const answerShort = (request: HTTPRequest): void => {
      if (!request.url().endsWith('/api/auth/dev-login')) return void request.continue();
      void request.respond({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ token: short, expiresAt: new Date(Date.now() + 3000).toISOString(), principal }),
      });
    };
    await page.setRequestInterception(true);
    page.on('request', answerShort);
    try {
      await signIn();
      expect(await alert()).toBe('Your sign-in has expired; sign in again');
    } finally {
      page.off('request', answerShort);
      await page.setRequestInterception(false);
    }
  });
});
