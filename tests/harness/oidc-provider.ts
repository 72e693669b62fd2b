import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type { Page } from 'puppeteer-core';
import { freePort } from './ports.js';

/** An account of the test provider: what its ID token and userinfo say about the person. */
export interface TestOidcAccount {
  name: string;
  groups: string[];
  languages?: string[];
  topics?: string[];
  /** A disabled account: the provider refuses its refreshes and its sign-ins. */
  disabled?: boolean;
}

export interface TestOidcProvider {
  issuer: string;
  /** The service's variables for signing in through this provider. */
  env: Record<string, string>;
  /** Changes an account while the provider runs (groups, disabled). */
  updateAccount(sub: string, patch: Partial<TestOidcAccount>): Promise<void>;
  /** How many refresh grants the provider has answered so far. */
  refreshes(): Promise<number>;
  stop(): Promise<void>;
}

export const OIDC_GROUP_ROLES = 'etax-supervisors=supervisor,etax-experts=expert,etax-agents=agent,etax-admins=admin';
const PROGRAM = join(import.meta.dirname, 'oidc-provider-server.mjs');

/**
 * A real OpenID Provider (oidc-provider) in its own process on a free port, with a client for the
 * service at `serviceUrl` (its callback and the console as the address after sign-out).
 */
export async function startTestOidcProvider(serviceUrl: string, accounts: Record<string, TestOidcAccount>): Promise<TestOidcProvider> {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const client = {
    client_id: 'etax-console',
    client_secret: 'etax-console-test-secret',
    redirect_uris: [`${serviceUrl}/api/auth/oidc/callback`],
    post_logout_redirect_uris: [`${serviceUrl}/console/`],
  };
  const child = spawn(process.execPath, [PROGRAM], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), CLIENT: JSON.stringify(client), ACCOUNTS: JSON.stringify(accounts) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the test OpenID Provider did not start:\n${output}`)), 15_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!output.includes('listening')) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the test OpenID Provider exited (${code}):\n${output}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    issuer,
    env: {
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: client.client_id,
      OIDC_CLIENT_SECRET: client.client_secret,
      OIDC_SCOPES: 'openid profile groups skills',
      OIDC_GROUP_ROLES,
    },
    async updateAccount(sub, patch) {
      const response = await fetch(`${issuer}/test-admin/accounts/${encodeURIComponent(sub)}`, { method: 'PATCH', body: JSON.stringify(patch) });
      if (response.status !== 204) throw new Error(`updating ${sub} at the test provider: HTTP ${response.status}`);
    },
    async refreshes() {
      const response = await fetch(`${issuer}/test-admin/refreshes`);
      return ((await response.json()) as { refreshes: number }).refreshes;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Cookies by name, as a browser would keep them for one site (paths ignored: the tests' flows need none). */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      // an expired or emptied cookie is gone
      if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }
}

/**
 * Goes through the provider's login page as `username` (no browser), from its authorization URL to
 * the redirect back to the service; resolves with that callback URL, not followed.
 */
export async function signInAtProvider(authorizationUrl: string, username: string, jar = new CookieJar()): Promise<URL> {
  let url = new URL(authorizationUrl);
  const origin = url.origin;
  let init: RequestInit = {};
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header() } });
    jar.take(response);
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url);
      if (url.origin !== origin) return url;
      init = {};
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action || !html.includes('name="login"')) throw new Error(`the provider showed no login form (HTTP ${response.status}):\n${html.slice(0, 500)}`);
    url = new URL(action, url);
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ prompt: 'login', login: username, password: 'any' }).toString(),
    };
  }
  throw new Error('too many redirects at the provider');
}

/** From the console's sign-in screen (in English) through the provider's login page, back to the signed-in console (`ready`). */
export async function signInThroughProvider(page: Page, serviceUrl: string, provider: TestOidcProvider, username: string, ready = '.link.up'): Promise<void> {
  await page.goto(`${serviceUrl}/console/`, { waitUntil: 'networkidle0' });
  if ((await page.evaluate(() => document.documentElement.lang)) !== 'en') await page.click('button[data-action="language"]');
  await page.click('button[data-action="oidc-sign-in"]');
  await page.waitForSelector('input[name="login"]');
  if (new URL(page.url()).origin !== provider.issuer) throw new Error(`the sign-in went to ${page.url()}, not to the provider`);
  await page.type('input[name="login"]', username);
  await page.type('input[name="password"]', 'any password');
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  await page.waitForSelector(ready);
}
