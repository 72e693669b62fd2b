import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firefoxMediaAddress, launchFirefox, screenshot, type TestBrowser } from '../harness/browser.js';
import { acceptAndMirrorTyping, clickButton, mirrorPoint, signInToConsole } from '../harness/console-page.js';
import { freePort } from '../harness/ports.js';
import { askThroughWidget, clickWidgetButton, signInAtPortal } from '../harness/portal-page.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';

/**
 * Issue 20, item 2: the taxpayer's side (widget, sharing and masking, the agent's overlay, remote
 * control, the video call) and the console's main path (offer, mirror, tools, call, chat,
 * wrap-up) in Debian's Firefox ESR over WebDriver BiDi — both sides in Firefox, the portal on an
 * origin of its own.
 */
describe('taxpayer and agent in Firefox ESR', () => {
  let t: TestService;
  let b: TestBrowser;
  let portal: string;
  const problems: string[] = [];
  beforeAll(async () => {
    const port = await freePort();
    t = await startTestService({ DEMO_PORTAL_PORT: String(port), COBROWSE_ASSET_ORIGINS: `http://localhost:${port}`, MEDIASOUP_LISTEN_IP: firefoxMediaAddress() });
    portal = t.service.demoPortalUrl!;
    b = await launchFirefox();
  });
  afterAll(async () => {
    await b?.close();
    await t?.stop();
  });

  async function openPage(width: number, height: number): Promise<Page> {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width, height });
    page.on('pageerror', (error) => problems.push(`${page.url()}: ${String(error)}`));
    return page;
  }

  it('a video session with co-browsing, highlight, control and chat, from the help button to the wrap-up', async () => {
    const taxpayer = await openPage(1100, 800);
    await taxpayer.goto(`${portal}/demo/`, { waitUntil: 'networkidle0' });
    expect(await taxpayer.evaluate(() => navigator.userAgent)).toContain('Firefox/');
    await signInAtPortal(taxpayer);
    await Promise.all([taxpayer.waitForNavigation(), taxpayer.click('a[href="refund.html"]')]);
    await taxpayer.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher'));
    await askThroughWidget(taxpayer, { topic: 'refund', channel: 'video' });
    await screenshot(taxpayer, 'firefox-1-taxpayer-waiting');

    // the agent's console, in Firefox too: the offer, accepted
    const agent = await openPage(1440, 1000);
    await signInToConsole(agent, t.url, 'agent1', DEV_PASSWORDS.agent1);

    // sharing: asked, allowed; the mirror shows the page with its private values masked
    await acceptAndMirrorTyping(agent, taxpayer, '李娜');
    expect(
      await agent.evaluate(() => (document.querySelector<HTMLIFrameElement>('.mirror iframe')!.contentDocument!.querySelector('#taxpayer-id') as HTMLInputElement).value),
    ).toMatch(/^\*+$/);
    expect(await agent.evaluate(() => document.querySelector<HTMLIFrameElement>('.mirror iframe')!.contentDocument!.body.innerHTML.includes('91310115MA1H7T3X2Q'))).toBe(false);

    // the agent's highlight shows on the taxpayer's page
    await clickButton(agent, '高亮元素', '.toolbar');
    let at = await mirrorPoint(agent, '#applicant-name');
    await agent.mouse.click(at.x, at.y);
    await taxpayer.waitForFunction(() => (window as any).helpWidget.share.overlay.highlightBox !== undefined, { timeout: 10_000, polling: 100 });
    const { box, rect } = await taxpayer.evaluate(() => {
      const r = document.querySelector('#applicant-name')!.getBoundingClientRect();
      const h = (window as any).helpWidget.share.overlay.highlightBox as DOMRect;
      return { box: { x: Math.round(h.x), w: Math.round(h.width) }, rect: { x: Math.round(r.left + scrollX), w: Math.round(r.width) } };
    });
    expect(Math.abs(box.x - rect.x)).toBeLessThanOrEqual(8);
    expect(Math.abs(box.w - rect.w)).toBeLessThanOrEqual(16);
    await screenshot(taxpayer, 'firefox-2-taxpayer-highlight');

    // remote control: asked, allowed, the agent types into the taxpayer's field
    await clickButton(agent, '请求操作', '.toolbar');
    await taxpayer.waitForFunction(() => (window as any).helpWidget.share.ui.querySelector('.dialog button'), { timeout: 10_000, polling: 100 });
    expect(await clickWidgetButton(taxpayer, '允许')).toBe(true);
    await agent.waitForSelector('.mirror-state[data-control="granted"]', { timeout: 10_000 });
    await clickButton(agent, '远程操作', '.toolbar');
    at = await mirrorPoint(agent, '#applicant-name');
    await agent.mouse.click(at.x, at.y);
    await agent.waitForFunction(() => document.activeElement?.classList.contains('etax-field-editor'));
    await agent.keyboard.type('王芳');
    await agent.keyboard.press('Tab');
    await taxpayer.waitForFunction(() => (document.querySelector('#applicant-name') as HTMLInputElement).value.endsWith('王芳'), { timeout: 10_000, polling: 100 });
    at = await mirrorPoint(agent, '#agree');
    await agent.mouse.click(at.x, at.y);
    await taxpayer.waitForFunction(() => (document.querySelector('#agree') as HTMLInputElement).checked, { timeout: 10_000, polling: 100 });
    await screenshot(taxpayer, 'firefox-3-taxpayer-controlled');

    // the video call, both ways
    await agent.waitForFunction(() => document.querySelector('.call-state')?.textContent === '通话中', { timeout: 20_000, polling: 200 });
    await agent.waitForFunction(() => [...document.querySelectorAll<HTMLVideoElement>('.tiles video.tile:not(.self)')].some((v) => v.readyState >= 2 && v.videoWidth > 0), {
      timeout: 20_000,
      polling: 200,
    });
    await taxpayer.waitForFunction(() => [...((window as any).helpWidget.ui as ShadowRoot).querySelectorAll('video')].some((v) => v.readyState >= 2 && v.videoWidth > 0), {
      timeout: 20_000,
      polling: 200,
    });

    // chat both ways
    await agent.type('.chat-form input', '请核对您的姓名');
    await agent.keyboard.press('Enter');
    await taxpayer.waitForFunction(() => (window as any).helpWidget.ui.querySelector('.messages')?.textContent?.includes('请核对您的姓名'), { timeout: 10_000 });
    // the panel's content fits its width (Firefox sized its grid to the video and button rows once)
    expect(
      await taxpayer.evaluate(() =>
        [...((window as any).helpWidget.ui as ShadowRoot).querySelectorAll<HTMLElement>('.panel, .panel > *')]
          .filter((e) => e.scrollWidth > e.clientWidth + 1)
          .map((e) => e.className),
      ),
    ).toEqual([]);
    await screenshot(agent, 'firefox-4-agent-session');
    await screenshot(taxpayer, 'firefox-5-taxpayer-session');

    // the agent ends the session and files the wrap-up
    await clickButton(agent, '结束会话', '.actions');
    await agent.waitForSelector('form.wrap-up');
    await agent.type('form.wrap-up textarea', '已指导完成退税申请');
    await agent.select('form.wrap-up select', 'resolved');
    await agent.click('form.wrap-up button[type="submit"]');
    await agent.waitForFunction(() => !document.querySelector('.session-panel'), { timeout: 10_000 });
    await taxpayer.waitForFunction(() => (window as any).helpWidget.view !== 'session', { timeout: 10_000 });
    expect(problems).toEqual([]);
  });
});
