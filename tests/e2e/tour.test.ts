import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { withServiceAndBrowser } from '../harness/suite.js';
import { DEV_PASSWORDS, type TestService } from '../harness/service.js';
import { request } from '../harness/socket.js';
import { agentTakesNextOffer } from '../harness/session.js';
import { widgetSessionId } from '../harness/portal-page.js';

type Lang = 'zh' | 'en';
interface Size {
  name: 'desktop' | 'phone' | 'kiosk';
  width: number;
  height: number;
}

const DESKTOP: Size = { name: 'desktop', width: 1280, height: 800 };
const PHONE: Size = { name: 'phone', width: 390, height: 844 };
const KIOSK: Size = { name: 'kiosk', width: 1920, height: 1080 };
const ALL_SIZES = [DESKTOP, PHONE, KIOSK];
/** The portal's own pages on a taxpayer's desktop and phone; the hall kiosk has a flow of its own. */
const PORTAL_SIZES = [DESKTOP, PHONE];
const LANGS: Lang[] = ['zh', 'en'];

/** What an agent must reach in a session without scrolling: the mirror, the call, chat, hand-over and the actions. */
const SESSION_CONTROLS = [
  '.session-panel:not([hidden]) .mirror',
  '.toolbar button[data-tool="control"]',
  '.call-controls button:not([hidden])',
  '.chat-form input',
  '.chat-form button[type="submit"]',
  '.pane-tab[data-pane="handover"]',
  '.actions button.danger',
  '.status-select',
];
const WRAP_UP_CONTROLS = ['.session-panel:not([hidden]) .mirror', '.chat-form input', 'form.wrap-up textarea', 'form.wrap-up select', 'form.wrap-up button[type="submit"]'];

/**
 * The screenshot tour: every screen — the portal with the help widget in each of its views, the
 * hall kiosk, the agent console (sign-in, offer, a session, wrap-up) and the supervisor's
 * (dashboard, monitoring, replay) — at desktop 1280×800, phone 390×844 and kiosk 1920×1080, in
 * zh and en, saved as test-artifacts/tour-<screen>-<size>-<lang>.png for people to look at. On the
 * way it checks what a screenshot would show: the console's session fits the window at desktop
 * and kiosk sizes (nothing the agent needs is below the fold), and monitoring labels its videos.
 */
describe('screenshot tour of every screen, three sizes, two languages', () => {
  let t: TestService;
  let b: TestBrowser;
  // the offer and the wrap-up stay open while they are photographed six times
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)), { DISPATCH_OFFER_TIMEOUT_S: '120', DISPATCH_WRAP_UP_S: '300' });

  async function newPage(): Promise<Page> {
    const p = await (await b.browser.createBrowserContext()).newPage();
    p.on('pageerror', (error) => console.error('page error:', error));
    await p.setViewport(DESKTOP);
    return p;
  }

  /** Switches a console or portal page to `lang` with its own language button. */
  async function setLang(p: Page, lang: Lang): Promise<void> {
    if ((await p.evaluate(() => document.documentElement.lang)).startsWith(lang)) return;
    await p.click((await p.$('button[data-action="language"]')) ? 'button[data-action="language"]' : '#lang');
    await p.waitForFunction((l) => document.documentElement.lang.startsWith(l), {}, lang);
  }

  /** Resizes the page to each size in each language and saves the screen; `check` runs on each. */
  async function shoot(p: Page, screen: string, sizes: Size[], check?: (size: Size, lang: Lang) => Promise<void>): Promise<void> {
    for (const lang of LANGS) {
      await setLang(p, lang);
      for (const size of sizes) {
        await p.setViewport({ width: size.width, height: size.height });
        // a frame for the layout (and the mirror's fit) to follow the new size
        await p.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        await check?.(size, lang);
        await screenshot(p, `tour-${screen}-${size.name}-${lang}`);
      }
    }
    await setLang(p, 'zh');
    await p.setViewport(DESKTOP);
  }

  /**
   * Selectors of `controls` not wholly inside the window or not reachable there (clipped by a
   * scrolling box or covered: what is at the centre of their box is not them), and whether the
   * page itself scrolls.
   */
  const outsideWindow = (p: Page, controls: string[]) =>
    p.evaluate((selectors) => {
      const problems = selectors.filter((selector) => {
        const node = document.querySelector(selector);
        if (!node) return true;
        const r = node.getBoundingClientRect();
        if (r.width === 0 || r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) return true;
        const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !top || !(node === top || node.contains(top));
      });
      const root = document.documentElement;
      if (root.scrollHeight > innerHeight || root.scrollWidth > innerWidth) problems.push(`page scrolls (${root.scrollWidth}×${root.scrollHeight})`);
      return problems;
    }, controls);
  const fitsAtDesktopAndKiosk = (p: Page, controls: string[]) => async (size: Size, lang: Lang) => {
    if (size.name === 'phone') return;
    const outside = await outsideWindow(p, controls);
    // what did not fit, to look at
    if (outside.length > 0) await screenshot(p, `tour-unfit-${size.name}-${lang}`);
    expect({ size: size.name, lang, outside }).toEqual({ size: size.name, lang, outside: [] });
  };

  const widgetClick = (p: Page, selector: string) => p.evaluate((s) => ((window as any).helpWidget.ui.querySelector(s) as HTMLElement).click(), selector);
  const widgetButton = (p: Page, text: string) =>
    p.evaluate(
      (label) => ([...(window as any).helpWidget.ui.querySelectorAll('button')].find((x: HTMLButtonElement) => x.textContent === label) as HTMLButtonElement).click(),
      text,
    );

  it('walks the portal, the widget, the console and the supervisor screens', async () => {
    // the taxpayer: the portal's sign-in, then the refund form with the widget closed, its form, waiting
    const taxpayer = await newPage();
    await taxpayer.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
    await shoot(taxpayer, 'portal-sign-in', PORTAL_SIZES);
    await taxpayer.$eval('#login-form input[name="name"]', (input) => (input.value = '周敏'));
    await taxpayer.click('#login-form button[type="submit"]');
    await taxpayer.waitForSelector('#home-view:not([hidden])');
    await taxpayer.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher'));
    await shoot(taxpayer, 'portal-home-widget-closed', PORTAL_SIZES);
    await Promise.all([taxpayer.waitForNavigation(), taxpayer.click('a[href="refund.html"]')]);
    await taxpayer.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher'));
    await widgetClick(taxpayer, '.launcher');
    await shoot(taxpayer, 'widget-pick', PORTAL_SIZES);
    await widgetClick(taxpayer, 'button[data-channel="video"]');
    await widgetClick(taxpayer, 'form.pick button[type="submit"]');
    await taxpayer.waitForFunction(() => (window as any).helpWidget.view === 'waiting');
    await shoot(taxpayer, 'widget-waiting', PORTAL_SIZES);

    // the agent: sign-in, the empty workspace, the offer
    const agent = await newPage();
    await agent.goto(`${t.url}/console/`, { waitUntil: 'networkidle0' });
    await shoot(agent, 'console-sign-in', ALL_SIZES);
    await signInToConsole(agent, t.url, 'agent1', DEV_PASSWORDS.agent1);
    await shoot(agent, 'console-workspace-empty', ALL_SIZES);
    await agent.select('.status-select', 'available');
    await agent.waitForSelector('.offer .countdown');
    await shoot(agent, 'console-offer', ALL_SIZES);
    await clickButton(agent, '接受', '.offer');
    await agent.waitForSelector('.session-panel');

    // the taxpayer's widget in the session, first asked to share the screen, then sharing
    await taxpayer.waitForFunction(() => (window as any).helpWidget.view === 'session', { timeout: 10_000 });
    await taxpayer.waitForFunction(() => (window as any).helpWidget.share?.ui.querySelector('.dialog'), { timeout: 10_000 });
    await shoot(taxpayer, 'widget-session-share-question', PORTAL_SIZES);
    await taxpayer.evaluate(() =>
      ([...(window as any).helpWidget.share.ui.querySelectorAll('button')].find((x: HTMLButtonElement) => x.textContent === '允许共享') as HTMLButtonElement).click(),
    );
    await agent.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.session-panel .mirror iframe')?.contentDocument?.querySelector('#applicant-name'), {
      timeout: 15_000,
      polling: 100,
    });
    await agent.waitForFunction(() => document.querySelector('.session-panel .tile-box:not(.self) figcaption'), { timeout: 15_000, polling: 100 });
    await agent.type('.chat-form input', '您好，我看到您的页面了');
    await agent.click('.chat-form button[type="submit"]');
    await taxpayer.waitForFunction(() => (window as any).helpWidget.ui.querySelector('.messages')?.textContent?.includes('我看到您的页面了'), { timeout: 10_000 });
    await shoot(taxpayer, 'widget-session-sharing', PORTAL_SIZES);

    // the agent's session fits the window: mirror, call, chat, hand-over and end in view together
    expect(await agent.$eval('.session-panel .tile-box:not(.self) figcaption', (e) => e.textContent)).toBe('纳税人 周敏');
    // a video call takes the agent's whole capacity: the status says so itself, beside nothing that contradicts it
    expect(await agent.$eval('.status-select', (s) => (s as HTMLSelectElement).selectedOptions[0]?.textContent)).toBe('可接入 — 已满负荷，暂不接新求助');
    expect(await agent.$$('.status-bar .badge')).toHaveLength(0);
    await shoot(agent, 'console-session', ALL_SIZES, fitsAtDesktopAndKiosk(agent, SESSION_CONTROLS));
    await clickButton(agent, '转交', '.side-tabs');
    await shoot(agent, 'console-session-handover', [DESKTOP, KIOSK], fitsAtDesktopAndKiosk(agent, ['.handover-pane button', '.actions button.danger']));
    await clickButton(agent, '文字消息', '.side-tabs');

    // the supervisor: the dashboard, then silent monitoring with every video captioned
    const supervisor = await newPage();
    await signInToConsole(supervisor, t.url, 'super1', DEV_PASSWORDS.super1);
    await supervisor.waitForSelector('.tile-stat');
    await shoot(supervisor, 'supervisor-dashboard', ALL_SIZES);
    await clickButton(supervisor, '静默监听');
    await supervisor.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.watch .mirror iframe')?.contentDocument?.querySelector('#applicant-name'), {
      timeout: 15_000,
      polling: 100,
    });
    await supervisor.waitForFunction(() => document.querySelectorAll('.monitor-tiles figcaption').length >= 2, { timeout: 15_000, polling: 100 });
    expect((await supervisor.$$eval('.monitor-tiles figcaption', (c) => c.map((x) => x.textContent))).sort()).toEqual(['坐席 王敏 Wang Min', '纳税人 周敏']);
    await shoot(supervisor, 'supervisor-monitoring', ALL_SIZES);
    await setLang(supervisor, 'en');
    expect((await supervisor.$$eval('.monitor-tiles figcaption', (c) => c.map((x) => x.textContent))).sort()).toEqual(['Agent 王敏 Wang Min', 'Taxpayer 周敏']);
    await setLang(supervisor, 'zh');
    await clickButton(supervisor, '停止监听');

    // the end: the agent's wrap-up (still fitting the window), the taxpayer's rating and thanks
    await clickButton(agent, '结束会话', '.actions');
    await agent.waitForSelector('form.wrap-up');
    await agent.type('form.wrap-up textarea', '已指导填写退税申请');
    expect(await agent.$eval('.status-select', (s) => (s as HTMLSelectElement).selectedOptions[0]?.textContent)).toBe('可接入 — 话后整理中');
    // "wrap-up" once in the session: the form's heading (the state line does not repeat it)
    expect(await agent.$$eval('.session-panel :is(h3, p, span)', (nodes) => nodes.filter((n) => n.textContent?.trim() === '话后整理').length)).toBe(1);
    await shoot(agent, 'console-wrap-up', ALL_SIZES, fitsAtDesktopAndKiosk(agent, WRAP_UP_CONTROLS));
    await taxpayer.waitForFunction(() => (window as any).helpWidget.view === 'rating', { timeout: 10_000 });
    await shoot(taxpayer, 'widget-rating', PORTAL_SIZES);
    await taxpayer.evaluate(() => ([...(window as any).helpWidget.ui.querySelectorAll('.stars button')][3] as HTMLButtonElement).click());
    await taxpayer.evaluate(() => (((window as any).helpWidget.ui.querySelector('textarea[name="comment"]') as HTMLTextAreaElement).value = '讲解清楚，谢谢'));
    await widgetButton(taxpayer, '提交');
    await taxpayer.waitForFunction(() => (window as any).helpWidget.view === 'thanks', { timeout: 10_000 });
    await shoot(taxpayer, 'widget-thanks', PORTAL_SIZES);
    await agent.select('form.wrap-up select', 'resolved');
    await agent.click('form.wrap-up button[type="submit"]');
    await agent.waitForFunction(() => !document.querySelector('.session-panel'), { timeout: 10_000 });
    // out of routing for the kiosk visitor below
    await agent.select('.status-select', 'offline');

    // the supervisor replays the finished session, its rating beside it
    await supervisor.waitForFunction(() => document.querySelector('.rating .comment')?.textContent === '讲解清楚，谢谢', { timeout: 10_000, polling: 100 });
    await clickButton(supervisor, '回放');
    await supervisor.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.replay-stage iframe')?.contentDocument?.querySelector('#applicant-name'), {
      timeout: 15_000,
      polling: 100,
    });
    expect(await supervisor.$eval('.replay-rating', (e) => e.textContent)).toBe('纳税人评价 4/5 ★★★★☆ 讲解清楚，谢谢');
    await shoot(supervisor, 'supervisor-replay', ALL_SIZES);

    // the hall kiosk: its start, the widget's views on the split screen, the rating
    const kiosk = await newPage();
    await kiosk.setViewport(KIOSK);
    await kiosk.goto(`${t.url}/demo/kiosk`, { waitUntil: 'networkidle0' });
    await shoot(kiosk, 'kiosk-sign-in', [KIOSK]);
    await kiosk.click('#login-form button[type="submit"]');
    await kiosk.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher'));
    await shoot(kiosk, 'kiosk-home-widget-closed', [KIOSK]);
    await widgetClick(kiosk, '.launcher');
    await shoot(kiosk, 'kiosk-widget-pick', [KIOSK]);
    await widgetClick(kiosk, 'form.pick button[type="submit"]');
    await kiosk.waitForFunction(() => (window as any).helpWidget.view === 'waiting');
    await shoot(kiosk, 'kiosk-widget-waiting', [KIOSK]);
    const kioskAgent = await agentTakesNextOffer(t, 'agent2', DEV_PASSWORDS.agent2);
    await kiosk.waitForFunction(() => (window as any).helpWidget.view === 'session', { timeout: 10_000 });
    await kiosk.waitForFunction(() => (window as any).helpWidget.share?.ui.querySelector('.dialog'), { timeout: 10_000 });
    await shoot(kiosk, 'kiosk-widget-session-share-question', [KIOSK]);
    const kioskSession = await widgetSessionId(kiosk);
    await request(kioskAgent, 'session:end', { sessionId: kioskSession });
    await kiosk.waitForFunction(() => (window as any).helpWidget.view === 'rating', { timeout: 10_000 });
    await shoot(kiosk, 'kiosk-widget-rating', [KIOSK]);
    kioskAgent.close();
    for (const p of [taxpayer, agent, supervisor, kiosk]) await p.close();
  });
});
