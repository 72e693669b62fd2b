import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { withServiceAndBrowser } from '../harness/suite.js';
import { DEV_PASSWORDS, type TestService } from '../harness/service.js';

const HAN = /\p{Script=Han}/u;

/**
 * Every screen in both languages, at desktop and kiosk sizes, switched mid-session: labels the
 * product draws must all follow the switch (names, companies and halls are data and stay as
 * they are). Screenshots of each go to test-artifacts/.
 */
describe('every screen in both languages, switched while in use', () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)));

  async function page(width: number, height: number): Promise<Page> {
    const p = await (await b.browser.createBrowserContext()).newPage();
    await p.setViewport({ width, height });
    return p;
  }
  /**
   * The product's own labels under `scope` (buttons, headings, legends, labels, table heads,
   * states), with the given data (people's names) taken out.
   */
  const labels = async (p: Page, scope: string, data: string[] = []) =>
    (
      await p.$$eval(`${scope} :is(button, h1, h2, h3, legend, label > span:first-child, th, dt, .mirror-state, .call-state, option)`, (nodes) =>
        nodes.filter((n) => (n as HTMLElement).offsetParent !== null || n.tagName === 'OPTION').map((n) => n.textContent?.trim() ?? ''),
      )
    )
      .map((label) => data.reduce((rest, name) => rest.replaceAll(name, ''), label).trim())
      .filter(Boolean);
  const widgetLabels = (p: Page) =>
    p.evaluate(() => [...((window as any).helpWidget.ui as ShadowRoot).querySelectorAll('button, h2, label, option')].map((n) => n.textContent?.trim() ?? '').filter(Boolean));

  it('the agent console relabels an open session, offers and the status bar; the taxpayer widget follows the portal', async () => {
    // a taxpayer on the refund page, in Chinese, asks for help by text
    const taxpayer = await page(1280, 900);
    await taxpayer.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
    await taxpayer.$eval('#login-form input[name="name"]', (input) => (input.value = '周敏'));
    await taxpayer.click('#login-form button[type="submit"]');
    await taxpayer.waitForSelector('#home-view:not([hidden])');
    await Promise.all([taxpayer.waitForNavigation(), taxpayer.click('a[href="refund.html"]')]);
    await taxpayer.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher'));
    await taxpayer.evaluate(() => {
      const ui = (window as any).helpWidget.ui as ShadowRoot;
      (ui.querySelector('.launcher') as HTMLButtonElement).click();
      (ui.querySelector('button[data-channel="text"]') as HTMLButtonElement).click();
      (ui.querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click();
    });
    await taxpayer.waitForFunction(() => (window as any).helpWidget.view === 'waiting');

    const agent = await page(1440, 1000);
    await signInToConsole(agent, t.url, 'agent1', DEV_PASSWORDS.agent1);
    await agent.select('.status-select', 'available');
    await agent.waitForSelector('.offer .countdown');
    await clickButton(agent, '接受', '.offer');
    await agent.waitForSelector('.session-panel');
    await taxpayer.waitForFunction(() => (window as any).helpWidget.view === 'session', { timeout: 10_000 });
    await taxpayer.waitForFunction(() => (window as any).helpWidget.share?.ui.querySelector('.dialog'), { timeout: 10_000 });
    await taxpayer.evaluate(() =>
      ([...(window as any).helpWidget.share.ui.querySelectorAll('button')].find((b: HTMLButtonElement) => b.textContent === '允许共享') as HTMLButtonElement).click(),
    );
    await agent.waitForSelector('.mirror-state[data-sharing="sharing"]', { timeout: 10_000 });
    // values in translated strings are shown as they are (not HTML-escaped twice)
    expect(await agent.$eval('.taxpayer-card', (e) => e.textContent)).toContain('网厅页面 /demo/refund.html');
    await screenshot(agent, 'screens-console-session-zh');
    expect((await labels(agent, 'main')).some((l) => HAN.test(l))).toBe(true);

    // mid-session, the agent switches to English: every label follows, the mirror keeps running
    await agent.click('button[data-action="language"]');
    await agent.waitForFunction(() => document.documentElement.lang === 'en');
    const english = await labels(agent, 'main', ['周敏']);
    expect(english.filter((l) => HAN.test(l))).toEqual([]);
    expect(english).toEqual(expect.arrayContaining(['Highlight', 'Request control', 'Hand over', 'End session', 'Chat']));
    expect(await agent.$eval('.mirror-state', (e) => e.textContent)).toBe('Sharing');
    expect(await agent.$eval('.status-select', (e) => e.getAttribute('aria-label'))).toBe('My status');
    await agent.type('.chat-form input', 'Hello, I can see your page.');
    await agent.click('.chat-form button[type="submit"]');
    await taxpayer.waitForFunction(() => (window as any).helpWidget.ui.querySelector('.messages')?.textContent?.includes('I can see your page'), { timeout: 10_000 });
    await screenshot(agent, 'screens-console-session-en');

    // the agent asks for control: the question is open, in Chinese, when the taxpayer switches
    await clickButton(agent, 'Request control');
    await taxpayer.waitForFunction(() => (window as any).helpWidget.share.ui.querySelector('.dialog h2')?.textContent === '坐席请求操作您的页面', { timeout: 10_000 });

    // the taxpayer switches the portal to English: the page, the widget, the open question and the sharing banner follow
    expect((await widgetLabels(taxpayer)).some((l) => HAN.test(l))).toBe(true);
    await taxpayer.click('#lang');
    await taxpayer.waitForFunction(() => document.documentElement.lang === 'en');
    const question = await taxpayer.evaluate(() => (window as any).helpWidget.share.ui.querySelector('.dialog')?.textContent as string);
    expect(question).toContain('asks to operate your page');
    expect(HAN.test(question.replace('王敏', ''))).toBe(false);
    await taxpayer.evaluate(() =>
      ([...(window as any).helpWidget.share.ui.querySelectorAll('.dialog button')].find((b: HTMLButtonElement) => b.textContent === 'Refuse') as HTMLButtonElement).click(),
    );
    expect((await widgetLabels(taxpayer)).filter((l) => HAN.test(l))).toEqual([]);
    expect(await taxpayer.evaluate(() => (window as any).helpWidget.share.ui.querySelector('.banner')?.textContent)).toContain('Sharing your screen');
    expect(await taxpayer.$eval('#next-1', (e) => e.textContent)).toBe('Next');
    await screenshot(taxpayer, 'screens-portal-refund-session-en');
    // and the mirror shows the English page
    await agent.waitForFunction(() => (document.querySelector('.mirror iframe') as HTMLIFrameElement).contentDocument?.querySelector('#next-1')?.textContent === 'Next', {
      timeout: 10_000,
      polling: 100,
    });

    // back to Chinese on both sides
    await agent.click('button[data-action="language"]');
    await agent.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    expect(await labels(agent, 'main')).toEqual(expect.arrayContaining(['高亮元素', '转交', '结束会话']));

    // the tools without a mouse: the mirror is a tab stop, the arrows walk the page's fields and
    // buttons, Enter highlights the one under the ring on the taxpayer's screen
    await clickButton(agent, '高亮元素', '.toolbar');
    expect(await agent.$eval('.session-panel .etax-mirror-capture', (e) => e.getAttribute('aria-label'))).toBe('纳税人页面');
    // keys go to the window in front (the screenshots above brought the taxpayer's forward);
    // from the chosen tool, Tab reaches the mirror
    await agent.bringToFront();
    await agent.focus('.toolbar button[data-tool="highlight"]');
    for (let i = 0; i < 12 && !(await agent.evaluate(() => document.activeElement?.classList.contains('etax-mirror-capture'))); i++) await agent.keyboard.press('Tab');
    expect(await agent.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('纳税人页面');
    // the first press puts the ring on the first thing on the taxpayer's screen (pressed again if
    // the mirror was being rebuilt from a fresh snapshot at that moment), two more walk on
    const ringShown = () => agent.evaluate(() => document.querySelector<HTMLElement>('.etax-keyboard-ring')?.style.display === 'block');
    for (let i = 0; i < 20 && !(await ringShown()); i++) {
      await agent.keyboard.press('ArrowDown');
      await sleep(100);
    }
    for (let i = 0; i < 2; i++) await agent.keyboard.press('ArrowDown');
    await agent.waitForSelector('.etax-keyboard-ring', { visible: true });
    await screenshot(agent, 'screens-console-keyboard-pick');
    await agent.bringToFront();
    await agent.keyboard.press('Enter');
    await taxpayer.waitForFunction(() => (window as any).helpWidget.share.overlay.highlightBox !== undefined, { timeout: 10_000, polling: 100 });
    // the third thing a keyboard reaches on the taxpayer's screen: the portal's header buttons, then the name field
    const expected = await taxpayer.evaluate(() => {
      const picks = [...document.querySelectorAll('input:not([type="hidden"]), select, textarea, button, a[href], [tabindex]:not([tabindex="-1"]), [role="button"]')].filter(
        (e) => {
          const r = e.getBoundingClientRect();
          return r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight;
        },
      );
      const r = picks[2]!.getBoundingClientRect();
      return { left: Math.round(r.left), top: Math.round(r.top) };
    });
    const box = await taxpayer.evaluate(() => {
      const r = (window as any).helpWidget.share.overlay.highlightBox as DOMRect;
      return { left: Math.round(r.left), top: Math.round(r.top) };
    });
    expect(Math.abs(box.left - expected.left)).toBeLessThanOrEqual(2);
    expect(Math.abs(box.top - expected.top)).toBeLessThanOrEqual(2);
    await clickButton(agent, '查看', '.toolbar');
    await clickButton(agent, '结束会话', '.actions');
    await agent.waitForSelector('form.wrap-up');
    await agent.click('button[data-action="language"]');
    await agent.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await agent.$eval('form.wrap-up', (e) => e.textContent)).toContain('Outcome');
    await agent.select('form.wrap-up select', 'resolved');
    await agent.click('form.wrap-up button[type="submit"]');
    await agent.waitForFunction(() => !document.querySelector('.session-panel'), { timeout: 10_000 });
    await taxpayer.close();
    await agent.close();
  });

  it('the supervisor dashboard and the replay in both languages', async () => {
    const supervisor = await page(1280, 900);
    await signInToConsole(supervisor, t.url, 'super1', DEV_PASSWORDS.super1, 'en');
    await supervisor.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Replay'), { timeout: 10_000 });
    const english = await labels(supervisor, 'main');
    expect(english.filter((l) => HAN.test(l))).toEqual([]);
    await screenshot(supervisor, 'screens-supervisor-en');
    await clickButton(supervisor, 'Replay');
    await supervisor.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.replay-stage iframe')?.contentDocument?.querySelector('#applicant-name'), {
      timeout: 15_000,
      polling: 100,
    });
    expect(await supervisor.$eval('.timeline', (e) => e.textContent)).toContain('Sharing · sharing');
    await supervisor.click('button[data-action="language"]');
    await supervisor.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    expect(await supervisor.$eval('.timeline', (e) => e.textContent)).toContain('共享状态 · 共享中');
    expect(await labels(supervisor, '.replay')).toEqual(expect.arrayContaining(['会话回放', '播放', '关闭回放']));
    await screenshot(supervisor, 'screens-supervisor-replay-zh');
    await supervisor.close();
  });

  it('the invoice request validates in the portal language, at desktop and kiosk sizes', async () => {
    for (const [size, kiosk] of [
      [{ width: 1280, height: 900 }, false],
      [{ width: 1080, height: 1920 }, true],
    ] as const) {
      const portal = await page(size.width, size.height);
      await portal.goto(`${t.url}/demo/${kiosk ? '?kiosk=1' : ''}`, { waitUntil: 'networkidle0' });
      await portal.click('#login-form button[type="submit"]');
      await portal.waitForSelector('#home-view:not([hidden])');
      await Promise.all([portal.waitForNavigation(), portal.click('a[href="invoice.html"]')]);
      expect(await portal.evaluate(() => document.body.classList.contains('kiosk'))).toBe(kiosk);
      // empty submit: every required field says so, the summary takes focus
      await portal.click('#request-invoice');
      expect(await portal.$eval('#error-summary', (e) => e.textContent)).toBe('请更正 5 处错误后再提交');
      expect(await portal.evaluate(() => document.activeElement?.id)).toBe('error-summary');
      expect(await portal.$$eval('[aria-invalid="true"]', (e) => e.map((x) => x.id))).toEqual(['buyer-name', 'buyer-id', 'item', 'amount', 'email']);
      // wrong formats get their own messages, in English after the switch
      await portal.click('#lang');
      await portal.type('#buyer-name', 'Shanghai Demo Trading Co.');
      await portal.type('#buyer-id', '12345');
      await portal.type('#item', 'Consulting');
      await portal.type('#amount', '12.345');
      await portal.type('#email', 'not-an-address');
      await portal.click('#request-invoice');
      expect(await portal.$eval('#buyer-id-error', (e) => e.textContent)).toBe('A taxpayer ID is 15–20 digits or capital letters');
      expect(await portal.$eval('#amount-error', (e) => e.textContent)).toBe('Enter an amount above 0 with at most two decimals');
      expect(await portal.$eval('#email-error', (e) => e.textContent)).toBe('This e-mail address is not valid');
      await screenshot(portal, `screens-invoice-errors-en${kiosk ? '-kiosk' : ''}`);
      // corrected: the totals follow the rate, the request is accepted with a reference
      await portal.$eval('#buyer-id', (e) => ((e as HTMLInputElement).value = ''));
      await portal.type('#buyer-id', '91310000MA1K000001');
      await portal.$eval('#amount', (e) => ((e as HTMLInputElement).value = ''));
      await portal.type('#amount', '1000');
      await portal.select('#rate', '0.13');
      expect(await portal.$eval('#totals', (e) => e.textContent)).toBe('Tax ¥130.00, total ¥1130.00');
      await portal.$eval('#email', (e) => ((e as HTMLInputElement).value = ''));
      await portal.type('#email', 'finance@example.com');
      await portal.click('#request-invoice');
      expect(await portal.$eval('#error-summary', (e) => e.textContent)).toBe('');
      expect(await portal.$eval('#confirmation', (e) => e.textContent)).toMatch(/^Accepted: request FP\d{14}; the invoice will be sent to finance@example\.com$/);
      await screenshot(portal, `screens-invoice-done-en${kiosk ? '-kiosk' : ''}`);
      await portal.close();
    }
  });
});
