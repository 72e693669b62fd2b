import { describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { withServiceAndBrowser } from '../harness/suite.js';
import type { TestService } from '../harness/service.js';
import { signInAtPortal } from '../harness/portal-page.js';

/**
 * The help form offers what the service offers: its topics, and a priority group only where the
 * deployment lets a portal page choose one (HELP_CLIENT_PRIORITY_ALLOWED) — otherwise the visitor
 * would pick a group the service then refuses.
 */
describe('the help form follows the service\'s options (real Chromium)', () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)), { HELP_CLIENT_PRIORITY_ALLOWED: 'false', TOPICS: 'invoice,refund' });

  it('shows the service\'s topics and no green-channel choice a page may not make; the request goes through', async () => {
    const page = await b.browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    await page.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
    await signInAtPortal(page);
    await page.evaluate(() => ((window as any).helpWidget.ui.querySelector('.launcher') as HTMLButtonElement).click());
    await page.waitForFunction(() => (window as any).helpWidget.ui.querySelectorAll('select[name="topic"] option').length === 2, { timeout: 10_000 });
    const form = await page.evaluate(() => {
      const ui = (window as any).helpWidget.ui as ShadowRoot;
      return {
        topics: [...ui.querySelectorAll('select[name="topic"] option')].map((o) => (o as HTMLOptionElement).value),
        priority: ui.querySelector('select[name="priority"]') !== null,
      };
    });
    expect(form).toEqual({ topics: ['invoice', 'refund'], priority: false });
    await screenshot(page, 'widget-options-no-green-channel');
    await page.evaluate(() => ((window as any).helpWidget.ui.querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click());
    await page.waitForFunction(() => (window as any).helpWidget.view === 'waiting', { timeout: 10_000 });
    const id = await page.evaluate(() => sessionStorage.getItem('etax-assist:session'));
    expect(await t.service.redis.hGet(`sess:${id}`, 'priority')).toBe('normal');
    await page.close();
  });
});
