import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { withServiceAndBrowser } from '../harness/suite.js';
import type { TestService } from '../harness/service.js';
import { signInToConsole } from '../harness/console-page.js';
import { signInAtPortal } from '../harness/portal-page.js';

/** A deployment's own catalog: other topics' names, and an outcome the default list does not have. */
const CATALOG_FILE = join(mkdtempSync(join(tmpdir(), 'etax-catalog-')), 'catalog.json');
writeFileSync(
  CATALOG_FILE,
  JSON.stringify({
    topics: { invoice: { zh: '开具发票', en: 'Issuing invoices' }, refund: { zh: '退税申报', en: 'Refund claims' } },
    languages: { zh: { zh: '普通话', en: 'Mandarin' }, en: { zh: '英语', en: 'English' } },
    outcomes: { resolved: { zh: '已解决', en: 'Resolved' }, 'call-back': { zh: '约定回电', en: 'Call back' } },
  }),
);

/**
 * The help form offers what the service offers: its topics and languages with the names its
 * catalog gives them, and a priority group only where the deployment lets a portal page choose one
 * (HELP_CLIENT_PRIORITY_ALLOWED) — otherwise the visitor would pick a group the service then
 * refuses. The console's wrap-up offers the deployment's outcomes.
 */
describe("the help form and the wrap-up follow the service's catalog (real Chromium)", () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)), {
    HELP_CLIENT_PRIORITY_ALLOWED: 'false',
    TOPICS: 'invoice,refund',
    DISPATCH_OUTCOMES: 'resolved,call-back',
    CATALOG_FILE,
  });

  it("shows the service's topics and no green-channel choice a page may not make; the request goes through, and wraps up with the deployment's outcome", async () => {
    const agent = await (await b.browser.createBrowserContext()).newPage();
    await agent.setViewport({ width: 1280, height: 800 });
    await signInToConsole(agent, t.url, 'agent1', 'agent1-pass');
    await agent.select('.status-select', 'available');

    const page = await b.browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    await page.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
    await signInAtPortal(page);
    await page.evaluate(() => ((window as any).helpWidget.ui.querySelector('.launcher') as HTMLButtonElement).click());
    const form = await page.evaluate(() => {
      const ui = (window as any).helpWidget.ui as ShadowRoot;
      const options = (name: string) => [...ui.querySelectorAll(`select[name="${name}"] option`)].map((o) => `${(o as HTMLOptionElement).value}=${o.textContent}`);
      return { topics: options('topic'), languages: options('language'), priority: ui.querySelector('select[name="priority"]') !== null };
    });
    expect(form).toEqual({ topics: ['invoice=开具发票', 'refund=退税申报'], languages: ['zh=普通话', 'en=英语'], priority: false });
    await screenshot(page, 'widget-options-no-green-channel');
    await page.evaluate(() => ((window as any).helpWidget.ui.querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click());
    await page.waitForFunction(() => (window as any).helpWidget.view === 'waiting', { timeout: 10_000 });
    const id = await page.evaluate(() => sessionStorage.getItem('etax-assist:session'));
    expect(await t.service.redis.hGet(`sess:${id}`, 'priority')).toBe('normal');

    const accept = await agent.waitForSelector('.offer button.primary', { timeout: 10_000 });
    // the countdown ticks without redrawing the offer: a tap that straddles a tick still lands
    await agent.waitForFunction((before) => document.querySelector('.offer .countdown')?.textContent !== before, {}, await agent.$eval('.offer .countdown', (e) => e.textContent));
    expect(await accept!.evaluate((button) => button.isConnected)).toBe(true);
    await accept!.click();
    await agent.waitForSelector(`.session-panel[data-session-id="${id}"]`);
    expect(await agent.$eval('.taxpayer-card', (e) => e.textContent)).toContain('开具发票');
    await agent.evaluate(() => ([...document.querySelectorAll('.actions button')].find((b) => b.textContent === '结束会话') as HTMLButtonElement).click());
    await agent.waitForSelector('form.wrap-up');
    expect(await agent.$$eval('form.wrap-up select option', (os) => os.map((o) => `${o.value}=${o.textContent}`))).toEqual(['resolved=已解决', 'call-back=约定回电']);
    await agent.select('form.wrap-up select', 'call-back');
    await screenshot(agent, 'console-wrap-up-deployment-outcomes');
    await agent.click('form.wrap-up button[type="submit"]');
    await agent.waitForFunction((sessionId) => !document.querySelector(`.session-panel[data-session-id="${sessionId}"]`), {}, id);
    expect(await t.service.redis.hGet(`sess:${id}`, 'outcome')).toBe('call-back');
    await page.close();
    await agent.close();
  });
});
