import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import type { LoginResponse } from '@etax-assist/protocol';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton } from '../harness/console-page.js';
import { signInThroughProvider, type TestOidcProvider } from '../harness/oidc-provider.js';
import type { TestService } from '../harness/service.js';
import { withProviderServiceAndBrowser } from '../harness/suite.js';

const ACCOUNTS = {
  'wang.min': { name: '王敏 Wang Min', groups: ['etax-agents'], languages: ['zh', 'en'], topics: ['invoice', 'refund'] },
  'zhao.li': { name: '赵丽 Zhao Li', groups: ['etax-supervisors'] },
  'li.na': { name: '李娜 Li Na', groups: ['etax-agents'], languages: ['zh'], topics: ['invoice'] },
};
/** Short-lived service tokens: several renewals within a test. */
const TOKEN_TTL_S = 10;

describe('the console signs in through the identity provider', () => {
  let t: TestService;
  let op: TestOidcProvider;
  let b: TestBrowser;
  // the provider's button only: the dev login is off, as in production
  withProviderServiceAndBrowser(ACCOUNTS, TOKEN_TTL_S, (service, provider, browser) => ((t = service), (op = provider), (b = browser)));

  /** A console page in a browser context of its own, recording every address it goes to and every service token it is given. */
  async function consolePage(width = 1280): Promise<{ page: Page; addresses: string[]; tokens: string[] }> {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width, height: 900 });
    const addresses: string[] = [];
    const tokens: string[] = [];
    page.on('framenavigated', (frame) => addresses.push(frame.url()));
    page.on('request', (request) => addresses.push(request.url()));
    page.on('response', (response) => {
      if (response.url().endsWith('/api/auth/oidc/token') && response.ok()) void response.json().then((login: LoginResponse) => tokens.push(login.token));
    });
    return { page, addresses, tokens };
  }

  const signIn = (page: Page, username: string) => signInThroughProvider(page, t.url, op, username);
  const who = (page: Page) => page.$eval('.who', (e) => e.textContent);
  /** The sign-in screen's message, once the console is back on it. */
  const alert = (page: Page) => page.waitForSelector('.login-main [role="alert"]', { timeout: 30_000 }).then((e) => e?.evaluate((n) => n.textContent));

  it('shows the provider button only (dev login off), bilingual, at desktop, phone and kiosk widths', async () => {
    const { page } = await consolePage();
    await page.goto(`${t.url}/console/`, { waitUntil: 'networkidle0' });
    expect(await page.$('form.login')).toBeNull();
    expect(await page.$eval('button[data-action="oidc-sign-in"]', (e) => e.textContent)).toBe('使用统一身份认证登录');
    for (const [width, name] of [
      [1280, 'desktop'],
      [375, 'phone'],
      [1920, 'kiosk'],
    ] as const) {
      await page.setViewport({ width, height: width === 1920 ? 1080 : 800 });
      const box = await page.$eval('button[data-action="oidc-sign-in"]', (e) => e.getBoundingClientRect().toJSON() as DOMRect);
      expect(box.right).toBeLessThanOrEqual(width);
      await screenshot(page, `oidc-sign-in-${name}-zh`);
    }
    await page.click('button[data-action="language"]');
    expect(await page.$eval('button[data-action="oidc-sign-in"]', (e) => e.textContent)).toBe("Sign in with the tax authority's account");
    await screenshot(page, 'oidc-sign-in-phone-en');
  });

  it('signs an agent in by redirect, renews its token silently, and a removal from the agents group cuts it off', async () => {
    const { page, addresses, tokens } = await consolePage();
    await signIn(page, 'wang.min');
    expect(page.url()).toBe(`${t.url}/console/`);
    expect(await who(page)).toContain('王敏 Wang Min');
    expect(await who(page)).toContain('(agent)');
    // the page is never reloaded while its tokens are renewed
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    await new Promise((resolve) => setTimeout(resolve, (TOKEN_TTL_S + 4) * 1000));
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    expect(await page.$('.link.up')).not.toBeNull();
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

    await op.updateAccount('wang.min', { groups: [] });
    expect(await alert(page)).toBe('Your account is not allowed to use this service (in no agents, experts, supervisors or administrators group)');
    expect(await page.$('button[data-action="oidc-sign-in"]')).not.toBeNull();
    // no token in any address the page went to, before or after the callback
    for (const token of tokens) expect(addresses.some((address) => address.includes(token))).toBe(false);
    expect(addresses.filter((address) => /[?&#](access_token|id_token|refresh_token|token)=/.test(address))).toEqual([]);
  });

  it('maps a supervisor to the dashboard', async () => {
    const { page } = await consolePage();
    await signIn(page, 'zhao.li');
    expect(await who(page)).toContain('(supervisor)');
    expect(await page.title()).toBe('Supervisor dashboard');
  });

  it('signing out ends the provider session: signing in again needs the login page', async () => {
    const { page, addresses, tokens } = await consolePage(375);
    await signIn(page, 'li.na');
    const token = tokens.at(-1)!;
    await clickButton(page, 'Sign out');
    // the provider asks to confirm its sign-out, then sends the browser back to the console
    await page.waitForSelector('button[name="logout"]');
    await Promise.all([page.waitForNavigation(), page.click('button[name="logout"]')]);
    await page.waitForSelector('button[data-action="oidc-sign-in"]');
    expect(page.url()).toBe(`${t.url}/console/`);
    expect((await fetch(`${t.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    await page.click('button[data-action="oidc-sign-in"]');
    await page.waitForSelector('input[name="login"]');
    // the console's own addresses never carried anything after the callback
    expect(addresses.filter((address) => address.startsWith(`${t.url}/console/?`) || address.includes('#'))).toEqual([]);
  });
});
