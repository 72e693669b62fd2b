import { afterAll, beforeAll } from 'vitest';
import { launchBrowser, type TestBrowser } from './browser.js';
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
