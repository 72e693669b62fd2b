import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { signInAtPortal } from '../harness/portal-page.js';
import { DEV_PASSWORDS, type TestService } from '../harness/service.js';
import { withServiceAndBrowser } from '../harness/suite.js';

/** The catalog view is ready once the published version is in its editor. */
const READY = '.catalog-admin .catalog-table tbody tr';

/** Issue 18, item 5: an administrator edits the catalog in the console and publishes it; the widget and the wrap-up follow at once. */
describe('catalog administration in the console (real Chromium)', () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)));

  async function adminPage(width: number, height: number, lang: 'zh' | 'en'): Promise<Page> {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width, height });
    // the administrators' tabs: the catalog's beside the staff's and the devices'
    await signInToConsole(page, t.url, 'admin1', 'admin1-pass', lang, '.admin-tabs .pane-tab[data-pane="catalog"]');
    await page.click('.admin-tabs .pane-tab[data-pane="catalog"]');
    await page.waitForSelector(READY);
    return page;
  }

  /** Adds an entry to a list of the editor: its id and names in the row the Add button makes. */
  async function addEntry(page: Page, part: string, add: string, id: string, zh: string, en: string): Promise<void> {
    await clickButton(page, add, `.catalog-part[data-part="${part}"]`);
    const row = `.catalog-part[data-part="${part}"] tbody tr:last-child`;
    await page.type(`${row} input[name="${part}-id"]`, id);
    await page.type(`${row} input[name="${part}-zh"]`, zh);
    await page.type(`${row} input[name="${part}-en"]`, en);
  }

  it('an administrator adds a topic and an outcome with zh and en names and publishes; the open widget offers the topic, the wrap-up the outcome', async () => {
    // a taxpayer's page loaded before the publish: its widget asks again when its form opens
    const portal = await b.browser.newPage();
    await portal.setViewport({ width: 1280, height: 800 });
    await portal.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
    await signInAtPortal(portal);

    const admin = await adminPage(1280, 900, 'zh');
    expect(await admin.$eval('.catalog-version', (e) => e.textContent)).toContain('第 1 版');
    await addEntry(admin, 'topics', '添加主题', 'customs', '海关', 'Customs');
    await addEntry(admin, 'outcomes', '添加处理结果', 'call-back', '回电', 'Call back');
    // Publish waits for a preview of the draft as it is
    expect(await admin.$eval('.catalog-actions button.primary', (e) => e.disabled)).toBe(true);
    await clickButton(admin, '预览变更', '.catalog-actions');
    await admin.waitForSelector('.catalog-changes li');
    expect(await admin.$$eval('.catalog-changes li', (items) => items.map((li) => li.textContent))).toEqual([
      '咨询主题：新增 customs（海关 / Customs）',
      '处理结果：新增 call-back（回电 / Call back）',
    ]);
    await screenshot(admin, 'catalog-admin-preview-desktop');
    await clickButton(admin, '发布', '.catalog-actions');
    await admin.waitForFunction(() => document.querySelector('.catalog-message')?.textContent === '已发布第 2 版');
    expect(await admin.$eval('.catalog-history li[data-version="2"] summary', (e) => e.textContent)).toMatch(/^第 2 版 · admin1 · .+ · 2 项变更$/);
    await screenshot(admin, 'catalog-admin-published-desktop');

    await portal.evaluate(() => ((window as any).helpWidget.ui.querySelector('.launcher') as HTMLButtonElement).click());
    await portal.waitForFunction(() =>
      [...((window as any).helpWidget.ui as ShadowRoot).querySelectorAll('select[name="topic"] option')].some((o) => (o as HTMLOptionElement).value === 'customs'),
    );
    expect(await portal.evaluate(() => ((window as any).helpWidget.ui as ShadowRoot).querySelector('select[name="topic"] option[value="customs"]')?.textContent)).toBe('海关');
    await screenshot(portal, 'catalog-admin-widget-new-topic');

    // an agent signed in after the publish: the new outcome in the wrap-up
    const agent = await (await b.browser.createBrowserContext()).newPage();
    await agent.setViewport({ width: 1280, height: 800 });
    await signInToConsole(agent, t.url, 'agent1', DEV_PASSWORDS.agent1);
    await agent.select('.status-select', 'available');
    await portal.evaluate(() => ((window as any).helpWidget.ui.querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click());
    await (await agent.waitForSelector('.offer button.primary', { timeout: 10_000 }))!.click();
    await agent.waitForSelector('.session-panel');
    await agent.evaluate(() => ([...document.querySelectorAll('.actions button')].find((b) => b.textContent === '结束会话') as HTMLButtonElement).click());
    await agent.waitForSelector('form.wrap-up');
    expect(await agent.$$eval('form.wrap-up select option', (os) => os.map((o) => `${o.value}=${o.textContent}`))).toContain('call-back=回电');
    await agent.select('form.wrap-up select', 'call-back');
    await agent.click('form.wrap-up button[type="submit"]');
    await agent.waitForFunction(() => !document.querySelector('.session-panel'));
    for (const page of [portal, admin, agent]) await page.close();
  });

  it('an administrator asks a higher level first and relaxes it sooner: the proficiency steps, previewed and published', async () => {
    const page = await adminPage(1280, 900, 'en');
    const part = '.catalog-part[data-part="proficiencySteps"]';
    // the seed: level 3 or above from the start, anyone serving the topic after 30 s
    expect(await page.$$eval(`${part} li select[name="proficiency-level"]`, (selects) => selects.map((s) => s.value))).toEqual(['3', '1']);
    // nothing below level 1 to relax to
    expect(await page.$eval(`${part} > button`, (e) => e.disabled)).toBe(true);
    await page.select(`${part} li:first-child select[name="proficiency-level"]`, '4');
    const after = `${part} li:last-child input[name="proficiency-after"]`;
    await page.click(after, { clickCount: 3 });
    await page.type(after, '20');
    await clickButton(page, 'Preview changes', '.catalog-actions');
    await page.waitForSelector('.catalog-changes li');
    expect(await page.$$eval('.catalog-changes li', (items) => items.map((li) => li.textContent))).toEqual([
      'Proficiency:  from 0 s: level 3 or above; from 30 s: level 1 or above → from 0 s: level 4 or above; from 20 s: level 1 or above',
    ]);
    await screenshot(page, 'catalog-admin-proficiency-desktop');
    await clickButton(page, 'Publish', '.catalog-actions');
    await page.waitForFunction(() => document.querySelector('.catalog-message')?.textContent === 'Version 3 published');
    const published = await (await fetch(`${t.url}/api/help/options`)).json();
    expect(published).toMatchObject({ version: 3 });
    await page.close();
  });

  it('shows a refusal in words, and is usable at phone and kiosk widths in both languages', async () => {
    const refused = await adminPage(1280, 900, 'en');
    await clickButton(refused, 'Add a topic', '.catalog-part[data-part="topics"]');
    // the browser checks the fields first: an empty id and names are named before anything is sent
    await clickButton(refused, 'Preview changes', '.catalog-actions');
    expect(await refused.$eval('.catalog-message', (e) => e.textContent)).toBe('Correct the fields marked first');
    await refused.type('.catalog-part[data-part="topics"] tbody tr:last-child input[name="topics-id"]', 'invoice');
    await refused.type('.catalog-part[data-part="topics"] tbody tr:last-child input[name="topics-zh"]', '发票二');
    await refused.type('.catalog-part[data-part="topics"] tbody tr:last-child input[name="topics-en"]', 'Invoices again');
    await clickButton(refused, 'Preview changes', '.catalog-actions');
    await refused.waitForFunction(() => document.querySelector('.catalog-message')?.textContent?.includes('"invoice" is listed twice'));
    await refused.close();

    for (const [width, height, lang, name] of [
      [375, 812, 'zh', 'phone'],
      [375, 812, 'en', 'phone-en'],
      [1080, 1920, 'en', 'kiosk'],
    ] as const) {
      const page = await adminPage(width, height, lang);
      // nothing wider than the screen: every field reachable without scrolling sideways
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await screenshot(page, `catalog-admin-${name}`);
      await page.close();
    }
  });
});
