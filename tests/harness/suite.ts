import { afterAll, beforeAll } from 'vitest';
import { launchBrowser, type TestBrowser } from './browser.js';
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
