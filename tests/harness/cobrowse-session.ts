import type { Page, Viewport } from 'puppeteer-core';
import type { OfferEvent } from '@etax-assist/protocol';
import type { TestBrowser } from './browser.js';
import { availableAgentInPage } from './sdk-page.js';
import { DEV_PASSWORDS, type TestService } from './service.js';
import { captureTraffic, type PageTraffic } from './traffic.js';

/**
 * The taxpayer page's own start-up, as the portal's widget does it on every page load: connect,
 * ask for help (or resume the session of this tab), and resume sharing if consented before.
 * `window.tp` holds the connection, the events it received, the CobrowseShare and what it did.
 */
export async function taxpayerBootstrap(page: Page, token: string, options: { sessionId?: string; privacy?: unknown } = {}): Promise<string> {
  return page.evaluate(
    async (tokenInPage, existing, privacy) => {
      const w = window as any;
      const connection = await w.EtaxAssist.AssistConnection.connect({ serviceUrl: location.origin, fetchToken: async () => tokenInPage });
      const events: any[] = [];
      connection.socket.onAny((name: string, payload: unknown) => events.push({ name, payload }));
      let id: string | null = existing ?? sessionStorage.getItem('etax-assist:session');
      if (!id) {
        const summary = await connection.request('help:request', { language: 'zh', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: location.pathname } });
        id = summary.sessionId as string;
        sessionStorage.setItem('etax-assist:session', id);
      } else {
        await connection.request('session:resume', { sessionId: id });
      }
      const errors: unknown[] = [];
      const share = new w.EtaxAssist.CobrowseShare(connection, id, { lang: 'zh', onError: (e: any) => errors.push(e.code + ' ' + e.message), ...(privacy ? { privacy } : {}) });
      const controls: unknown[] = [];
      share.on('control', (input: unknown, refusal: unknown) => controls.push({ input, refusal }));
      w.tp = { connection, events, share, controls, errors };
      await share.resume();
      return id;
    },
    token,
    options.sessionId ?? null,
    options.privacy ?? null,
  );
}

/** Clicks a button of the SDK's dialog (inside its shadow root) by its text. */
export async function clickSdkButton(page: Page, label: string): Promise<void> {
  await page.waitForFunction(
    (text) => Array.from<HTMLButtonElement>((window as any).tp?.share?.ui?.querySelectorAll('button') ?? []).some((b) => b.textContent === text),
    { timeout: 10_000, polling: 100 },
    label,
  );
  await page.evaluate((text) => {
    const button = [...(window as any).tp.share.ui.querySelectorAll('button')].find((b) => b.textContent === text);
    (button as HTMLButtonElement).click();
  }, label);
}

/**
 * The agent (set available with availableAgentInPage) accepts the session's offer and watches its
 * mirror (watchMirror).
 */
export async function acceptAndWatch(agent: Page, sessionId: string): Promise<void> {
  const offer = (await (
    await agent.waitForFunction(() => (window as any).ag.events.find((e: any) => e.name === 'offer:new')?.payload, { polling: 100 })
  ).jsonValue()) as OfferEvent;
  await agent.evaluate((offerId) => (window as any).ag.connection.request('offer:accept', { offerId }), offer.offerId);
  await watchMirror(agent, sessionId);
}

/**
 * Watches the session's mirror in a fixed panel of the staff member's page (connected with
 * availableAgentInPage or staffInPage): `window.ag.viewer` is the MirrorViewer, `ag.refusals` and
 * `ag.stale` what it told. A viewer already open there is closed first.
 */
export async function watchMirror(page: Page, sessionId: string): Promise<void> {
  await page.evaluate(async (id) => {
    const w = window as any;
    w.ag.viewer?.close();
    document.getElementById('mirror-panel')?.remove();
    const panel = document.createElement('div');
    panel.id = 'mirror-panel';
    panel.style.cssText = 'position:fixed;left:0;top:0;width:1000px;height:700px;background:#ddd';
    document.body.append(panel);
    w.ag.viewer = new w.EtaxAssist.MirrorViewer(w.ag.connection, id, panel, { staleAfterMs: 3000 });
    w.ag.refusals = [];
    w.ag.stale = [];
    w.ag.viewer.on('stale', (stale: boolean) => w.ag.stale.push(stale));
    w.ag.viewer.on('control-refused', (reason: string) => w.ag.refusals.push(reason));
    await w.ag.viewer.start();
  }, sessionId);
}

/** Runs `fn` on the agent's mirrored document (rrweb's replay) and returns what it returns. */
export function inMirror<T>(agent: Page, fn: (doc: Document) => T): Promise<T> {
  return agent.evaluate(`(${fn.toString()})(window.ag.viewer.document)`) as Promise<T>;
}

export interface CobrowsePages {
  /** The taxpayer's page, at `taxpayerPath`, everything it sends captured. */
  taxpayer: Page;
  traffic: PageTraffic;
  /** agent1, available, in a page of its own window (a tab behind another stalls the replayer: it runs on animation frames). */
  agent: Page;
}

/** The two sides of a co-browsing test: the taxpayer's page and an available agent beside it. */
export async function openCobrowsePages(t: TestService, b: TestBrowser, taxpayerPath: string, viewport: Viewport): Promise<CobrowsePages> {
  const taxpayer = await b.browser.newPage();
  taxpayer.on('pageerror', (e) => console.error('taxpayer page error:', e));
  await taxpayer.setViewport(viewport);
  const traffic = await captureTraffic(taxpayer);
  await taxpayer.goto(`${t.url}${taxpayerPath}`, { waitUntil: 'networkidle0' });

  const agent = await (await b.browser.createBrowserContext()).newPage();
  agent.on('pageerror', (e) => console.error('agent page error:', e));
  await agent.setViewport({ width: 1280, height: 900 });
  await agent.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
  await availableAgentInPage(agent, await t.staffToken('agent1', DEV_PASSWORDS.agent1));
  return { taxpayer, traffic, agent };
}

/** Where a mirrored element shows in the staff member's page (its centre), for the real mouse. */
export function pointInMirror(page: Page, selector: string): Promise<{ x: number; y: number }> {
  return page.evaluate((sel) => {
    const viewer = (window as any).ag.viewer;
    const iframe = viewer.document.defaultView.frameElement as HTMLIFrameElement;
    const target = viewer.document.querySelector(sel)!.getBoundingClientRect();
    const frame = iframe.getBoundingClientRect();
    return { x: frame.left + (target.left + target.width / 2) * viewer.scale, y: frame.top + (target.top + target.height / 2) * viewer.scale };
  }, selector);
}
