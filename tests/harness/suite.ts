import { afterAll, beforeAll } from 'vitest';
import type { Viewport } from 'puppeteer-core';
import type { TaxpayerClaims } from '@etax-assist/protocol';
import { launchBrowser, type TestBrowser } from './browser.js';
import { acceptAndWatch, openCobrowsePages, taxpayerBootstrap, type CobrowsePages } from './cobrowse-session.js';
import { startTestOidcProvider, type TestOidcAccount, type TestOidcProvider } from './oidc-provider.js';
import { freePort } from './ports.js';
import { startTestService, type TestService } from './service.js';

/**
 * A browser suite's fixtures: the service (own Redis, one worker) and one Chromium, started
 * before the suite's tests and stopped after them. `use` receives them for the suite's variables.
 */
export function withServiceAndBrowser(use: (service: TestService, browser: TestBrowser) => void, env: Record<string, string> = {}): void {
  let service: TestService | undefined;
  let browser: TestBrowser | undefined;
  beforeAll(async () => {
    service = await startTestService(env);
    browser = await launchBrowser();
    use(service, browser);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });
}

/**
 * A browser suite that signs staff in through the test OpenID Provider: the provider (with
 * `accounts`), the service with the provider's sign-in only (the dev login off, as in production)
 * and service tokens of `tokenTtlS`, and one Chromium without media.
 */
export function withProviderServiceAndBrowser(
  accounts: Record<string, TestOidcAccount>,
  tokenTtlS: number,
  use: (service: TestService, provider: TestOidcProvider, browser: TestBrowser) => void,
): void {
  let service: TestService | undefined;
  let provider: TestOidcProvider | undefined;
  let browser: TestBrowser | undefined;
  beforeAll(async () => {
    const port = await freePort();
    provider = await startTestOidcProvider(`http://localhost:${port}`, accounts);
    service = await startTestService({ PORT: String(port), ...provider.env, OIDC_TOKEN_TTL_S: String(tokenTtlS), DEV_LOGIN: 'false' });
    browser = await launchBrowser({ grantMedia: false });
    use(service, provider, browser);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await provider?.stop();
  });
}

export interface WatchedSession extends CobrowsePages {
  t: TestService;
  b: TestBrowser;
  sessionId: string;
}

/**
 * A co-browsing suite's fixtures: the service and Chromium, the taxpayer's page at `path` in a
 * session that agent1 accepted and watches (sharing not asked yet). `use` receives them; a suite's
 * own beforeAll, registered after this, runs after it.
 */
export function withWatchedSession(path: string, viewport: Viewport, taxpayer: Partial<TaxpayerClaims>, use: (session: WatchedSession) => void): void {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)));
  beforeAll(async () => {
    const pages = await openCobrowsePages(t, b, path, viewport);
    const sessionId = await taxpayerBootstrap(pages.taxpayer, t.taxpayerToken(taxpayer));
    await acceptAndWatch(pages.agent, sessionId);
    use({ t, b, ...pages, sessionId });
  });
}
