import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from '../harness/browser.js';
import { acceptAndWatch, clickSdkButton, openCobrowsePages, pointInMirror, taxpayerBootstrap } from '../harness/cobrowse-session.js';
import { startTestService, type TestService } from '../harness/service.js';

/**
 * Under control, the agent's wheel over the mirror scrolls the taxpayer's page and the list under
 * the pointer, so a field below a phone's viewport comes within reach; without control it scrolls
 * nothing (issue 15, item 8).
 */
describe("scrolling the taxpayer's phone from the mirror (real Chromium)", () => {
  let t: TestService;
  let b: TestBrowser;
  let taxpayer: Page;
  let agent: Page;
  let sessionId: string;
  const token = () => t.taxpayerToken({ sub: 'tp-phone-scroll' });

  beforeAll(async () => {
    t = await startTestService();
    b = await launchBrowser();
    // the invoice form is longer than a phone's screen
    ({ taxpayer, agent } = await openCobrowsePages(t, b, '/demo/invoice.html', { width: 390, height: 844, isMobile: true, hasTouch: true }));
    sessionId = await taxpayerBootstrap(taxpayer, token());
    await acceptAndWatch(agent, sessionId);
    await taxpayer.evaluate(() => void (window as any).tp.share.offer());
    await clickSdkButton(taxpayer, '允许共享');
    await agent.waitForFunction(() => (window as any).ag.viewer.document?.querySelector('#notify'), { polling: 100 });
    await agent.evaluate(() => (window as any).ag.viewer.requestControl());
    await clickSdkButton(taxpayer, '允许');
    await agent.waitForFunction(() => (window as any).ag.viewer.state.control === 'granted', { polling: 100 });
    await agent.evaluate(() => (window as any).ag.viewer.setTool('control'));
  });

  afterAll(async () => {
    await b?.close();
    await t?.stop();
  });

  const belowTheFold = (selector: string) => taxpayer.$eval(selector, (el) => el.getBoundingClientRect().top > innerHeight);
  /** A point of the mirror beside the form (the page's margin: nothing there scrolls but the page). */
  const pageMargin = () =>
    agent.evaluate(() => {
      const frame = ((window as any).ag.viewer.document.defaultView.frameElement as HTMLIFrameElement).getBoundingClientRect();
      return { x: frame.left + 4, y: frame.top + frame.height / 2 };
    });
  const mirrorScrollY = () => agent.evaluate(() => (window as any).ag.viewer.document.defaultView.scrollY as number);

  it("the wheel over the mirror scrolls the page until the field below the phone's viewport is in reach", async () => {
    expect(await belowTheFold('#notify')).toBe(true);
    const margin = await pageMargin();
    await agent.mouse.move(margin.x, margin.y);
    for (let i = 0; i < 10 && (await belowTheFold('#notify')); i++) {
      const before = await taxpayer.evaluate(() => scrollY);
      await agent.mouse.wheel({ deltaY: 300 });
      await taxpayer.waitForFunction((y) => scrollY !== y, { polling: 50, timeout: 5000 }, before);
    }
    expect(await belowTheFold('#notify')).toBe(false);
    // the mirror follows the page
    const scrolled = await taxpayer.evaluate(() => scrollY);
    await agent.waitForFunction((y) => (window as any).ag.viewer.document.defaultView.scrollY === y, { polling: 100 }, scrolled);
    // and the field is in reach: the agent unticks the box the taxpayer could not see
    const notify = await pointInMirror(agent, '#notify');
    await agent.mouse.click(notify.x, notify.y);
    await taxpayer.waitForFunction(() => !(document.getElementById('notify') as HTMLInputElement).checked, { polling: 100 });
    await screenshot(agent, 'remote-scroll-mirror');
  });

  it('over a list that scrolls, the wheel scrolls the list', async () => {
    // the refund form, with its terms in a box of their own (sharing and control go on)
    await taxpayer.goto(`${t.url}/demo/refund.html`, { waitUntil: 'networkidle0' });
    await taxpayerBootstrap(taxpayer, token(), { sessionId });
    await agent.waitForFunction(() => (window as any).ag.viewer.document?.querySelector('#terms'), { polling: 100 });
    await taxpayer.$eval('#terms', (el) => el.scrollIntoView({ block: 'center' }));
    const page = await taxpayer.evaluate(() => scrollY);
    await agent.waitForFunction((y) => (window as any).ag.viewer.document.defaultView.scrollY === y, { polling: 100 }, page);
    const terms = await pointInMirror(agent, '#terms');
    await agent.mouse.move(terms.x, terms.y);
    await agent.mouse.wheel({ deltaY: 60 });
    await taxpayer.waitForFunction(() => document.getElementById('terms')!.scrollTop > 0, { polling: 50, timeout: 5000 });
    expect(await taxpayer.evaluate(() => scrollY)).toBe(page);
  });

  it('without control, the wheel scrolls nothing', async () => {
    await taxpayer.keyboard.press('Escape');
    await agent.waitForFunction(() => (window as any).ag.viewer.state.control === 'none', { polling: 100 });
    const before = await taxpayer.evaluate(() => ({ page: scrollY, controls: (window as any).tp.controls.length }));
    const margin = await pageMargin();
    await agent.mouse.move(margin.x, margin.y);
    await agent.mouse.wheel({ deltaY: -300 });
    // a control input sent now would reach the page within this wait; none is
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await taxpayer.evaluate(() => ({ page: scrollY, controls: (window as any).tp.controls.length }))).toEqual(before);
    expect(await mirrorScrollY()).toBe(before.page);
  });
});
