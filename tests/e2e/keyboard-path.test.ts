import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { signInAtPortal, widgetSessionId } from '../harness/portal-page.js';
import { agentTakesNextOffer } from '../harness/session.js';
import { request } from '../harness/socket.js';
import { withServiceAndBrowser } from '../harness/suite.js';
import type { TestService } from '../harness/service.js';

/** Where the keyboard is: in the widget's panel, in the SDK's dialogs and banners, or on the page. */
interface Focus {
  layer: 'widget' | 'share' | 'page';
  tag: string;
  text: string;
  /** The focus ring a keyboard user sees (the outline's style). */
  outline: string;
}

/**
 * The taxpayer's whole path with the keyboard alone (Tab, Shift+Tab, Enter, Space, Escape): open
 * the widget, fill the form, ask, consent to sharing, answer the control request and take it
 * back, chat, end, rate. The focus is visible, goes into each dialog and view and back, stays
 * inside a modal question, and Escape closes what it should. The agent's side is a socket.
 */
describe('the taxpayer’s path by keyboard alone (real Chromium)', () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)));

  const focus = (page: Page) =>
    page.evaluate((): Focus => {
      const w = window as any;
      const found = (
        [
          ['widget', w.helpWidget.ui],
          ['share', w.helpWidget.share?.ui],
        ] as [Focus['layer'], ShadowRoot | undefined][]
      ).find(([, root]) => root?.activeElement);
      const element = (found ? found[1]!.activeElement : document.activeElement) as HTMLElement;
      return {
        layer: found ? found[0] : 'page',
        tag: element.tagName.toLowerCase(),
        text: (element.getAttribute('aria-label') ?? element.textContent ?? '').trim(),
        outline: getComputedStyle(element).outlineStyle,
      };
    });
  /** Tab (or Shift+Tab) until the keyboard is on what `is` accepts; fails after `most` presses. */
  async function tabTo(page: Page, is: (f: Focus) => boolean, most = 40, back = false): Promise<Focus> {
    for (let i = 0; i < most; i++) {
      const now = await focus(page);
      if (is(now)) return now;
      if (back) {
        await page.keyboard.down('Shift');
        await page.keyboard.press('Tab');
        await page.keyboard.up('Shift');
      } else await page.keyboard.press('Tab');
    }
    throw new Error(`the keyboard never reached it; it is on ${JSON.stringify(await focus(page))}`);
  }
  const view = (page: Page, name: string) => page.waitForFunction((v) => (window as any).helpWidget.view === v, { timeout: 15_000 }, name);
  const inWidget = (text: string) => (f: Focus) => f.layer === 'widget' && f.text === text;

  it('opens, asks, shares, answers control, chats, ends and rates with the keyboard only', async () => {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
    await signInAtPortal(page);

    // from the page, Tab reaches the launcher, with a visible ring; Enter opens the form, in it
    const launcher = await tabTo(page, inWidget('人工帮助'));
    expect(launcher.outline).toBe('solid');
    await page.keyboard.press('Enter');
    await view(page, 'pick');
    expect(await focus(page)).toMatchObject({ layer: 'widget', tag: 'select', outline: 'solid' });
    // Escape leaves the form unsent, back on the launcher; Space opens it again
    await page.keyboard.press('Escape');
    await view(page, 'closed');
    expect(await focus(page)).toMatchObject({ layer: 'widget', text: '人工帮助' });
    await page.keyboard.press('Space');
    await view(page, 'pick');

    // the form: the topic (arrow keys), on to the channel buttons, Text chosen with Space, then Ask
    await page.keyboard.press('ArrowDown');
    await tabTo(page, inWidget('文字'));
    await page.keyboard.press('Space');
    expect(await page.evaluate(() => (window as any).helpWidget.ui.querySelector('button[data-channel="text"]').getAttribute('aria-pressed'))).toBe('true');
    await tabTo(page, inWidget('发起求助'));
    await page.keyboard.press('Enter');
    await view(page, 'waiting');
    // the keyboard came along into the queue's view
    expect((await focus(page)).layer).toBe('widget');

    // the agent joins; the sharing question takes the keyboard and keeps it: Tab and Shift+Tab go round its two answers
    const agent = await agentTakesNextOffer(t);
    await view(page, 'session');
    await page.waitForFunction(() => (window as any).helpWidget.share?.ui.querySelector('.dialog'), { timeout: 10_000 });
    expect(await focus(page)).toMatchObject({ layer: 'share', text: '允许共享', outline: 'solid' });
    await page.keyboard.press('Tab');
    expect(await focus(page)).toMatchObject({ layer: 'share', text: '暂不共享' });
    await page.keyboard.press('Tab');
    expect(await focus(page)).toMatchObject({ layer: 'share', text: '允许共享' });
    await tabTo(page, (f) => f.text === '暂不共享', 3, true);
    await tabTo(page, (f) => f.text === '允许共享', 3, true);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as any).helpWidget.share.state.sharing === 'sharing', { timeout: 10_000 });
    // answered: the keyboard is back in the panel
    expect((await focus(page)).layer).toBe('widget');
    const sessionId = await widgetSessionId(page);

    // the control question: Escape refuses it; asked again, Enter allows; Escape takes control back
    await request(agent, 'cobrowse:control-request', { sessionId });
    await page.waitForFunction(() => (window as any).helpWidget.share.ui.querySelector('.dialog'), { timeout: 10_000 });
    expect(await focus(page)).toMatchObject({ layer: 'share', text: '允许' });
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => (window as any).helpWidget.share.state.control === 'none' && !(window as any).helpWidget.share.ui.querySelector('.dialog'), {
      timeout: 10_000,
    });
    expect((await focus(page)).layer).toBe('widget');
    await request(agent, 'cobrowse:control-request', { sessionId });
    await page.waitForFunction(() => (window as any).helpWidget.share.ui.querySelector('.dialog'), { timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as any).helpWidget.share.state.control === 'granted', { timeout: 10_000 });
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => (window as any).helpWidget.share.state.control === 'none', { timeout: 10_000 });

    // chat: to the message field, type, Enter sends
    await tabTo(page, (f) => f.layer === 'widget' && f.tag === 'input');
    await page.keyboard.type('我找不到退税入口');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as any).helpWidget.ui.querySelector('.messages li.mine')?.textContent === '我找不到退税入口', { timeout: 10_000 });
    await screenshot(page, 'keyboard-path-session');

    // End (Shift+Tab back up to it), then the rating: five stars with Space, a comment, Submit
    await tabTo(page, inWidget('结束服务'), 40, true);
    await page.keyboard.press('Enter');
    await view(page, 'rating');
    expect(await focus(page)).toMatchObject({ layer: 'widget', text: '1 分（满分 5 分）' });
    await tabTo(page, inWidget('5 分（满分 5 分）'));
    await page.keyboard.press('Space');
    await tabTo(page, (f) => f.layer === 'widget' && f.tag === 'textarea');
    await page.keyboard.type('很有帮助');
    await tabTo(page, inWidget('提交'));
    await screenshot(page, 'keyboard-path-rating');
    await page.keyboard.press('Enter');
    await view(page, 'thanks');
    expect(await t.service.redis.hGet(`sess:${sessionId}`, 'rating')).toBe('5');
    // after the thanks, the widget resets with the keyboard on its launcher
    await view(page, 'closed');
    expect(await focus(page)).toMatchObject({ layer: 'widget', text: '人工帮助' });
    agent.close();
    await page.close();
  });
});
