import { describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { withServiceAndBrowser } from '../harness/suite.js';
import type { TestService } from '../harness/service.js';
import { request } from '../harness/socket.js';
import { agentTakesNextOffer } from '../harness/session.js';
import { askThroughWidget, signInAtPortal, widgetSessionId } from '../harness/portal-page.js';

describe('kiosk mode of the help widget', () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)));

  it('splits the screens during a session (agent above, the page below) and resets to a clean state after it', async () => {
    const page = await b.browser.newPage();
    await page.setViewport({ width: 1080, height: 1920 });
    // the hall kiosk's entry: the portal in kiosk mode, remembered by the kiosk's tab
    await page.goto(`${t.url}/demo/kiosk`, { waitUntil: 'networkidle0' });
    expect(page.url()).toBe(`${t.url}/demo/?kiosk=1`);
    expect(await page.$eval('body', (body) => getComputedStyle(body).fontSize)).toBe('22px');
    await signInAtPortal(page);
    await askThroughWidget(page);

    const agent = await agentTakesNextOffer(t);
    await page.waitForFunction(() => (window as any).helpWidget.view === 'session');
    // upper half: the agent; lower half: the page itself
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).paddingTop)).toBe('960px');
    // the kiosk's camera and microphone start by themselves (the agent here has no media of its own)
    await page.waitForFunction(() => [...(window as any).helpWidget.ui.querySelectorAll('.panel.session button')].some((b: HTMLButtonElement) => b.textContent === '静音'), {
      timeout: 15_000,
    });
    await screenshot(page, 'kiosk-session-dual-screen');

    const sessionId = await widgetSessionId(page);
    // the demo kiosk's device token put the session under its hall, not anything the page said
    expect(JSON.parse((await t.service.redis.hGet(`sess:${sessionId}`, 'entry')) ?? '{}')).toEqual({ kind: 'kiosk', kioskId: 'K-01', hallId: 'pudong' });
    await request(agent, 'session:end', { sessionId });
    await page.waitForFunction(() => (window as any).helpWidget.view === 'rating');
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).paddingTop)).toBe('0px');
    await page.evaluate(() => ([...(window as any).helpWidget.ui.querySelectorAll('.stars button')][4] as HTMLButtonElement).click());
    const signedOut = page.waitForNavigation({ timeout: 15_000 });
    await page.evaluate(() =>
      ([...(window as any).helpWidget.ui.querySelectorAll('button')].find((b: HTMLButtonElement) => b.textContent === '提交') as HTMLButtonElement).click(),
    );
    // after the thanks, the widget resets and the portal signs the visitor out: the start page again
    await signedOut;
    await page.waitForSelector('#login-view:not([hidden])');
    expect(await page.evaluate(() => (window as any).helpWidget)).toBeUndefined();
    // nothing of this visitor is left: no session or identity in storage, the rating stored
    expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k !== 'demo-portal:kiosk'))).toEqual([]);
    expect(await page.$eval('body', (body) => body.classList.contains('kiosk'))).toBe(true);
    await screenshot(page, 'kiosk-after-reset');
    expect(await t.service.redis.hGet(`sess:${sessionId}`, 'rating')).toBe('5');
    agent.close();
  });
});
