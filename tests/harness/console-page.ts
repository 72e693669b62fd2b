import type { Page } from 'puppeteer-core';
import type { HelpRequest } from '@etax-assist/protocol';
import type { TestBrowser } from './browser.js';
import { clickWidgetButton } from './portal-page.js';

/**
 * Signs in to the agent console through its form (switching it to English first if asked), and
 * waits for `ready`: the realtime link, or (an administrator has none) the view's own element.
 */
export async function signInToConsole(page: Page, url: string, username: string, password: string, lang: 'zh' | 'en' = 'zh', ready = '.link.up'): Promise<void> {
  await page.goto(`${url}/console/`, { waitUntil: 'networkidle0' });
  if (lang !== (await page.evaluate(() => (document.documentElement.lang === 'en' ? 'en' : 'zh')))) {
    await page.click('button[data-action="language"]');
    await page.waitForFunction((l) => document.documentElement.lang.startsWith(l), {}, lang);
  }
  await page.type('input[name="username"]', username);
  await page.type('input[name="password"]', password);
  await page.click('button[type="submit"]');
  await page.waitForSelector(ready);
}

/** Clicks the button (under `scope`) whose text is exactly `text`, as a user would find it. */
export async function clickButton(page: Page, text: string, scope = 'body'): Promise<void> {
  const clicked = await page.evaluate(
    (label, root) => {
      const found = [...document.querySelectorAll(`${root} button`)].find((b) => b.textContent?.trim() === label && (b as HTMLElement).offsetParent !== null);
      (found as HTMLButtonElement | undefined)?.click();
      return found !== undefined;
    },
    text,
    scope,
  );
  if (!clicked) throw new Error(`no visible button "${text}" under ${scope}`);
}

/**
 * Where a mirrored element shows in the console page (its centre), scrolled into view: the mirror
 * panel into the page, and the element into the panel (a kiosk's half, fitted to the panel's
 * width, may be taller than it).
 */
export async function mirrorPoint(page: Page, selector: string): Promise<{ x: number; y: number }> {
  return page.evaluate((sel) => {
    const iframe = document.querySelector('.session-panel:not([hidden]) .mirror iframe') as HTMLIFrameElement;
    const panel = iframe.closest('.mirror') as HTMLElement;
    panel.scrollIntoView({ block: 'center' });
    const scale = Number((iframe.closest('.etax-mirror-stage') as HTMLElement).dataset.scale ?? 1);
    const centre = () => {
      const target = iframe.contentDocument!.querySelector(sel)!.getBoundingClientRect();
      const frame = iframe.getBoundingClientRect();
      return { x: frame.left + (target.left + target.width / 2) * scale, y: frame.top + (target.top + target.height / 2) * scale };
    };
    const box = panel.getBoundingClientRect();
    panel.scrollTop += centre().y - (box.top + box.height / 2);
    return centre();
  }, selector);
}

/** The agent console's page (its own browser context, as on another machine) and a taxpayer's page. */
export async function consoleAndTaxpayerPages(b: TestBrowser): Promise<{ agent: Page; taxpayer: Page }> {
  const agent = await (await b.browser.createBrowserContext()).newPage();
  await agent.setViewport({ width: 1440, height: 1000 });
  const taxpayer = await b.browser.newPage();
  await taxpayer.setViewport({ width: 1100, height: 800 });
  return { agent, taxpayer };
}

/**
 * The taxpayer's (loaded) page connects with the token and asks for help; `window.tp` holds the
 * connection and the session's CobrowseShare (zh). Resolves with the session id.
 */
export function taxpayerAsksForHelp(page: Page, token: string, help: HelpRequest): Promise<string> {
  return page.evaluate(
    async (tokenInPage, helpRequest) => {
      const w = window as any;
      const connection = await w.EtaxAssist.AssistConnection.connect({ serviceUrl: location.origin, fetchToken: async () => tokenInPage });
      const s = await connection.request('help:request', helpRequest);
      w.tp = { connection, share: new w.EtaxAssist.CobrowseShare(connection, s.sessionId, { lang: 'zh' }) };
      return s.sessionId as string;
    },
    token,
    help,
  );
}

/**
 * The agent (signed in to the console, the taxpayer's widget waiting) goes available and accepts
 * the offer; the taxpayer consents to share; the taxpayer types `typed` into `field` and the
 * agent's mirror shows it.
 */
export async function acceptAndMirrorTyping(agent: Page, taxpayer: Page, typed: string, field = '#applicant-name'): Promise<void> {
  await agent.select('.status-select', 'available');
  await agent.waitForSelector('.offer .countdown', { timeout: 15_000 });
  await clickButton(agent, '接受', '.offer');
  await agent.waitForSelector('.session-panel');
  await taxpayer.waitForFunction(() => (window as any).helpWidget.view === 'session', { timeout: 10_000 });
  await taxpayer.waitForFunction(() => (window as any).helpWidget.share?.ui.querySelector('.dialog'), { timeout: 10_000 });
  if (!(await clickWidgetButton(taxpayer, '允许共享'))) throw new Error('the widget shows no "允许共享" button');
  await agent.waitForFunction(
    (selector) => document.querySelector<HTMLIFrameElement>('.mirror iframe')?.contentDocument?.querySelector(selector),
    { timeout: 15_000, polling: 100 },
    field,
  );
  await taxpayer.type(field, typed);
  await agent.waitForFunction(
    (selector, value) => document.querySelector<HTMLIFrameElement>('.mirror iframe')!.contentDocument!.querySelector<HTMLInputElement>(selector)!.value === value,
    { timeout: 10_000, polling: 100 },
    field,
    typed,
  );
}
