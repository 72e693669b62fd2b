import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { CONSOLE_MIRROR, mirrorCatchesUp } from '../harness/page-view.js';
import type { TestService } from '../harness/service.js';
import { withServiceAndBrowser } from '../harness/suite.js';
import { askThroughWidget, clickWidgetButton, signInAtPortal } from '../harness/portal-page.js';

/** What a console's mirror shows of the kiosk: the part of its screen, and how large its text is. */
interface MirrorFit {
  /** The kiosk's pixels above the top of the mirror panel. */
  hiddenAbove: number;
  /** The rendered size of the refund form's labels in the console, px. */
  labelPx: number;
}

/**
 * A hall kiosk's split screen in the consoles: the agent's mirror and the supervisor's silent
 * monitoring show the lower half, the part the visitor operates (the upper half is the agent's
 * own video), at a size that can be read (issue 15, item 13).
 */
describe("a kiosk's screen in the agent's and the supervisor's consoles (real Chromium)", () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)));

  async function page(width: number, height: number): Promise<Page> {
    const p = await (await b.browser.createBrowserContext()).newPage();
    p.on('pageerror', (e) => console.error('page error:', e));
    await p.setViewport({ width, height });
    return p;
  }

  /** The visible mirror of a console page, once it shows the refund form. */
  async function mirrorFit(console: Page): Promise<MirrorFit> {
    await console.waitForFunction(
      () => {
        const iframe = [...document.querySelectorAll<HTMLIFrameElement>('.mirror iframe')].find((f) => f.offsetParent !== null || f.getClientRects().length > 0);
        return iframe?.contentDocument?.querySelector('#applicant-name');
      },
      { timeout: 15_000, polling: 100 },
    );
    return console.evaluate(() => {
      const iframe = [...document.querySelectorAll<HTMLIFrameElement>('.mirror iframe')].find((f) => f.getClientRects().length > 0)!;
      const panel = iframe.closest('.mirror')!.getBoundingClientRect();
      const frame = iframe.getBoundingClientRect();
      const scale = frame.width / iframe.offsetWidth;
      const label = iframe.contentDocument!.querySelector('label span')!;
      return { hiddenAbove: Math.round((panel.top - frame.top) / scale), labelPx: parseFloat(getComputedStyle(label).fontSize) * scale };
    });
  }

  it("the agent's mirror and the supervisor's monitor show the lower half, legibly", async () => {
    const kiosk = await page(1080, 1920);
    await kiosk.goto(`${t.url}/demo/kiosk`, { waitUntil: 'networkidle0' });
    await signInAtPortal(kiosk);
    await kiosk.waitForSelector('#home-view:not([hidden])');
    await Promise.all([kiosk.waitForNavigation(), kiosk.click('a[href="refund.html"]')]);
    await kiosk.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher'));
    await askThroughWidget(kiosk);

    const agent = await page(1280, 800);
    await signInToConsole(agent, t.url, 'agent1', 'agent1-pass');
    await agent.select('.status-select', 'available');
    await agent.waitForSelector('.offer .countdown', { timeout: 15_000 });
    await clickButton(agent, '接受', '.offer');
    await agent.waitForSelector('.session-panel');
    await kiosk.waitForFunction(() => (window as any).helpWidget.share?.ui.querySelector('.dialog'), { timeout: 10_000 });
    expect(await clickWidgetButton(kiosk, '允许共享')).toBe(true);
    const half = await kiosk.evaluate(() => parseFloat(getComputedStyle(document.documentElement).paddingTop));
    expect(half).toBe(960);

    const agentFit = await mirrorFit(agent);
    await screenshot(agent, 'kiosk-mirror-agent');
    // the upper half (the agent's own video on the kiosk) is not shown; the page's text can be read
    expect(agentFit.hiddenAbove).toBeGreaterThanOrEqual(half - 1);
    expect(agentFit.labelPx).toBeGreaterThanOrEqual(12);

    // what the visitor fills in before the supervisor starts watching: the monitor shows it too
    await kiosk.type('#applicant-name', '王芳');
    await kiosk.click('#agree');
    const live = await mirrorCatchesUp(kiosk, agent, CONSOLE_MIRROR);
    expect(live.mirrored).toEqual(live.expected);

    const supervisor = await page(1280, 800);
    await signInToConsole(supervisor, t.url, 'super1', 'super1-pass');
    await supervisor.waitForFunction(() => [...document.querySelectorAll('button')].some((button) => button.textContent === '静默监听'), { timeout: 15_000 });
    await clickButton(supervisor, '静默监听');
    const monitorFit = await mirrorFit(supervisor);
    await screenshot(supervisor, 'kiosk-mirror-monitor');
    expect(monitorFit.hiddenAbove).toBeGreaterThanOrEqual(half - 1);
    expect(monitorFit.labelPx).toBeGreaterThanOrEqual(12);
    const { expected, mirrored } = await mirrorCatchesUp(kiosk, supervisor, CONSOLE_MIRROR);
    expect(mirrored).toEqual(expected);
  });
});
