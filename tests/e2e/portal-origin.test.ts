import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from '../harness/browser.js';
import { acceptAndMirrorTyping, signInToConsole } from '../harness/console-page.js';
import { freePort } from '../harness/ports.js';
import { askThroughWidget, signInAtPortal } from '../harness/portal-page.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';

/** What a page's Content-Security-Policy blocked, and what failed to load, since it opened. */
interface PageProblems {
  blocked: string[];
  failed: string[];
}

/**
 * Issue 20, item 1: a portal on an origin of its own embeds the SDK from the service with one
 * script tag, under a strict Content-Security-Policy (no inline script or style) plus the lines the
 * README gives; the whole path runs from there.
 */
describe('the SDK on a portal of another origin, under its strict CSP (real Chromium)', () => {
  let t: TestService;
  let b: TestBrowser;
  let portal: string;
  beforeAll(async () => {
    const port = await freePort();
    // the agent's mirror loads the portal's images through the asset proxy, as for a real portal
    t = await startTestService({ DEMO_PORTAL_PORT: String(port), COBROWSE_ASSET_ORIGINS: `http://localhost:${port}` });
    portal = t.service.demoPortalUrl!;
    b = await launchBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await t?.stop();
  });

  /** A page of its own browser context that notes every CSP violation and failed request. */
  async function openPage(width: number, height: number): Promise<{ page: Page; problems: PageProblems }> {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width, height });
    const problems: PageProblems = { blocked: [], failed: [] };
    await page.exposeFunction('reportBlocked', (what: string) => problems.blocked.push(what));
    await page.evaluateOnNewDocument(() => {
      document.addEventListener('securitypolicyviolation', (e) => void (window as any).reportBlocked(`${e.effectiveDirective} ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));
    });
    page.on('requestfailed', (request) => problems.failed.push(`${request.url()}: ${request.failure()?.errorText}`));
    page.on('pageerror', (error) => problems.failed.push(String(error)));
    return { page, problems };
  }

  it('widget, co-browsing, chat with an attachment and a video call from the portal origin, nothing blocked', async () => {
    const { page: taxpayer, problems } = await openPage(1100, 800);
    await taxpayer.goto(`${portal}/demo/`, { waitUntil: 'networkidle0' });
    expect(new URL(taxpayer.url()).origin).not.toBe(new URL(t.url).origin);
    await signInAtPortal(taxpayer);
    await Promise.all([taxpayer.waitForNavigation(), taxpayer.click('a[href="refund.html"]')]);
    await taxpayer.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher'));
    // the widget found the service by its script's address, and read the help options across origins
    expect(await taxpayer.evaluate(() => (window as any).EtaxAssist.DEFAULT_SERVICE_URL)).toBe(new URL(t.url).origin);
    await askThroughWidget(taxpayer, { topic: 'refund', channel: 'video' });

    const { page: agent } = await openPage(1440, 1000);
    await signInToConsole(agent, t.url, 'agent1', DEV_PASSWORDS.agent1);
    // the offer accepted; co-browsing: the taxpayer consents; the agent sees the portal's page, its logo through the proxy
    await acceptAndMirrorTyping(agent, taxpayer, '李娜');
    await agent.waitForFunction(
      () => (document.querySelector<HTMLIFrameElement>('.mirror iframe')!.contentDocument!.querySelector<HTMLImageElement>('#portal-logo')?.naturalWidth ?? 0) > 0,
      { timeout: 10_000, polling: 100 },
    );

    // the video call: both sides see each other
    await agent.waitForFunction(() => document.querySelector('.call-state')?.textContent === '通话中', { timeout: 15_000, polling: 100 });
    await agent.waitForFunction(() => [...document.querySelectorAll<HTMLVideoElement>('.tiles video.tile:not(.self)')].some((v) => v.readyState >= 2 && v.videoWidth > 0), {
      timeout: 20_000,
      polling: 200,
    });
    await taxpayer.waitForFunction(() => [...((window as any).helpWidget.ui as ShadowRoot).querySelectorAll('video')].some((v) => v.readyState >= 2 && v.videoWidth > 0), {
      timeout: 20_000,
      polling: 200,
    });

    // chat, and an attachment uploaded from the portal's page (a cross-origin POST with the token)
    await taxpayer.evaluate(() => {
      const ui = (window as any).helpWidget.ui as ShadowRoot;
      (ui.querySelector('.chat-form input') as HTMLInputElement).value = '我的退税申请';
      (ui.querySelector('.chat-form button[type="submit"]') as HTMLButtonElement).click();
    });
    await agent.waitForFunction(() => document.querySelector('.session-panel')?.textContent?.includes('我的退税申请'), { timeout: 10_000 });
    await taxpayer.evaluate(() => ((window as any).helpWidget.ui.querySelector('button[data-action="page-snapshot"]') as HTMLButtonElement).click());
    await agent.waitForSelector('.session-panel button.attachment.snapshot', { timeout: 10_000 });
    await screenshot(taxpayer, 'portal-origin-taxpayer');
    await screenshot(agent, 'portal-origin-agent');

    expect(problems.blocked).toEqual([]);
    expect(problems.failed).toEqual([]);
    // the SDK's styles are constructed stylesheets, which a CSP without 'unsafe-inline' allows
    expect(await taxpayer.evaluate(() => ((window as any).helpWidget.ui as ShadowRoot).querySelectorAll('style').length)).toBe(0);
    await agent.close();
    await taxpayer.close();
  });

  it('a page of a site not in PORTAL_ORIGINS cannot connect: the handshake is refused with ORIGIN_NOT_ALLOWED', async () => {
    // the demo portal's second origin under another name is another site
    const { page } = await openPage(800, 600);
    const other = new URL(portal);
    other.hostname = '127.0.0.1';
    await page.goto(`${other.origin}/demo/`, { waitUntil: 'networkidle0' });
    const refusal = await page.evaluate(async (token) => {
      try {
        await (window as any).EtaxAssist.AssistConnection.connect({ serviceUrl: (window as any).EtaxAssist.DEFAULT_SERVICE_URL, fetchToken: async () => token });
        return 'connected';
      } catch (error) {
        return (error as { code?: string }).code ?? String(error);
      }
    }, t.taxpayerToken());
    expect(refusal).toBe('ORIGIN_NOT_ALLOWED');
    await page.close();
  });
});
