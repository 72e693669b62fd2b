import type { BrowserContext, Page, Viewport } from 'puppeteer-core';
import type { OfferEvent } from '@etax-assist/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { expectAccessible, openShadowRootsForAxe } from '../harness/axe.js';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { DEV_PASSWORDS, type TestService } from '../harness/service.js';
import { connectSocket, request, type TestSocket } from '../harness/socket.js';
import { withServiceAndBrowser } from '../harness/suite.js';

const GRACE_S = 4;

/**
 * Callback in Chromium (docs/dispatcher.md, "Callback"): the taxpayer keeps their place and closes
 * the tab; a new tab of the portal shows the chip; an agent becomes free and the new page asks
 * them back; they come back and the agent is connected. And the taxpayer who never comes back: missed.
 */
describe('callback: keep my place and be alerted on the portal (real Chromium)', () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)), { CALLBACK_ANSWER_GRACE_S: String(GRACE_S) });
  const sockets: TestSocket[] = [];
  afterAll(() => sockets.forEach((s) => s.close()));

  async function portalTab(context: BrowserContext, viewport: Viewport, lang: 'zh' | 'en', name?: string): Promise<Page> {
    const page = await context.newPage();
    await page.setViewport(viewport);
    await openShadowRootsForAxe(page);
    await page.goto(`${t.url}/demo/${lang === 'en' ? '?lang=en' : ''}`, { waitUntil: 'networkidle0' });
    if (name) await page.$eval('#login-form input[name="name"]', (input, value) => (input.value = value), name);
    await page.click('#login-form button[type="submit"]');
    await page.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher, .bar'));
    return page;
  }
  /** Asks for a chat in Chinese (the queue agent1 serves), whatever the page's language. */
  const askForChat = (page: Page) =>
    page.evaluate(() => {
      const ui = (window as any).helpWidget.ui as ShadowRoot;
      (ui.querySelector('.launcher') as HTMLButtonElement).click();
      (ui.querySelector('select[name="language"]') as HTMLSelectElement).value = 'zh';
      (ui.querySelector('button[data-channel="text"]') as HTMLButtonElement).click();
      (ui.querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click();
    });
  const widgetText = (page: Page, selector: string) => page.evaluate((s) => (window as any).helpWidget.ui.querySelector(s)?.textContent ?? '', selector);
  const waitForText = (page: Page, selector: string, text: string, timeout = 15_000) =>
    page.waitForFunction((s, x) => ((window as any).helpWidget.ui.querySelector(s)?.textContent ?? '').includes(x), { timeout }, selector, text);
  const click = (page: Page, action: string) => page.evaluate((a) => (window as any).helpWidget.ui.querySelector(`[data-action="${a}"]`).click(), action);
  /** Asks, is queued, keeps the place: the panel says so and promises no telephone call. */
  async function keepPlace(page: Page, words: { kept: string; noCall: string }, shot: string): Promise<void> {
    await askForChat(page);
    await page.waitForFunction(() => (window as any).helpWidget.ui.querySelector('[data-action="callback"]'));
    await screenshot(page, `${shot}-offered`);
    await click(page, 'callback');
    await waitForText(page, '.panel', words.kept);
    expect(await widgetText(page, '.panel')).toContain(words.noCall);
    await screenshot(page, shot);
  }
  const nextOffer = (agent: TestSocket) => new Promise<OfferEvent>((resolve) => agent.once('offer:new', resolve));

  it('keeps the place across a closed tab; the new tab shows the chip, then asks the taxpayer back; back, the agent is connected', async () => {
    const context = await b.browser.createBrowserContext();
    const first = await portalTab(context, { width: 1280, height: 860 }, 'zh');
    await keepPlace(first, { kept: '已为您保留排队位置', noCall: '不会打电话' }, 'callback-kept-desktop-zh');
    await expectAccessible(first, 'callback kept (zh)');
    await first.close();

    // a new tab of the portal, the same taxpayer signed in: the place shows as a small chip
    const second = await portalTab(context, { width: 1280, height: 860 }, 'zh');
    await waitForText(second, '.bar', '您在排队中，第 1 位');
    await screenshot(second, 'callback-chip-desktop-zh');
    await expectAccessible(second, 'callback chip (zh)');

    // an agent is free: its offer is held while the page asks the taxpayer back
    const agent = await connectSocket(t.url, await t.staffToken('agent1', DEV_PASSWORDS.agent1));
    sockets.push(agent);
    const held = nextOffer(agent);
    await request(agent, 'agent:status', { status: 'available' });
    expect(await held).toMatchObject({ awaitingTaxpayer: true });
    await waitForText(second, '.panel', '坐席已就绪，请回来');
    const early = await request(agent, 'offer:accept', { offerId: (await held).offerId });
    expect(early.ok ? 'accepted' : early.error.code).toBe('CONFLICT');
    await screenshot(second, 'callback-ready-desktop-zh');
    await expectAccessible(second, 'callback ready prompt (zh)');

    const offered = nextOffer(agent);
    await click(second, 'answer-callback');
    const offer = await offered;
    expect(offer.offerId).toBe((await held).offerId);
    expect(offer.awaitingTaxpayer).toBeUndefined();
    const accepted = await request(agent, 'offer:accept', { offerId: offer.offerId });
    expect(accepted.ok).toBe(true);
    await second.waitForFunction(() => (window as any).helpWidget.view === 'session', { timeout: 15_000 });
    await waitForText(second, '.panel', '正在为您服务');
    await context.close();
  });

  it('ends as missed when the taxpayer comes back neither time (phone width, English)', async () => {
    const context = await b.browser.createBrowserContext();
    const page = await portalTab(context, { width: 390, height: 844, isMobile: true, hasTouch: true }, 'en', 'Li Away');
    await keepPlace(page, { kept: 'Your place in the queue is kept', noCall: 'no phone call' }, 'callback-kept-phone-en');
    // agent2 comes on duty and is offered it twice; nobody answers
    const agent = await connectSocket(t.url, await t.staffToken('agent2', DEV_PASSWORDS.agent2));
    sockets.push(agent);
    await request(agent, 'agent:status', { status: 'available' });
    await waitForText(page, '.panel', 'An agent is ready for you');
    await screenshot(page, 'callback-ready-phone-en');
    await waitForText(page, '.panel', 'your place is kept once more', GRACE_S * 1000 + 5000);
    await waitForText(page, '.panel', 'this request has ended', 2 * GRACE_S * 1000 + 10_000);
    await screenshot(page, 'callback-missed-phone-en');
    await expectAccessible(page, 'callback missed (en)');
    await context.close();
  });
});
