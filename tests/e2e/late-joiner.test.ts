import type { Page } from 'puppeteer-core';
import type { OfferEvent } from '@etax-assist/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { clickSdkButton, watchMirror } from '../harness/cobrowse-session.js';
import { withWatchedSession } from '../harness/suite.js';
import { mirrorCatchesUp } from '../harness/page-view.js';
import { staffInPage } from '../harness/sdk-page.js';
import { DEV_PASSWORDS, type TestService } from '../harness/service.js';

/**
 * Whoever joins a session late sees exactly what the taxpayer sees, at once: the page is changed
 * in every way (steps, the portal's language, typed, script-set, ticked and chosen values, scroll
 * of the page and of an inner container) before each kind of join — silent monitoring, a
 * supervisor joining, the agent reconnecting, a reassigned agent, an expert after escalation —
 * and the joiner's mirror is compared with the taxpayer's page, as masking lets it leave
 * (issue 15, item 1). The agent watching from the start is compared too.
 */
describe("a late joiner's mirror (real Chromium)", () => {
  let t: TestService;
  let b: TestBrowser;
  let taxpayer: Page;
  let agent: Page;
  let sessionId: string;

  // short enough for the page to scroll
  withWatchedSession('/demo/refund.html', { width: 1100, height: 560 }, { sub: 'tp-late-joiner', name: '张伟' }, (s) => ({ t, b, taxpayer, agent, sessionId } = s));
  beforeAll(async () => {
    // typed before sharing starts
    await taxpayer.type('#applicant-name', '张');
    await taxpayer.evaluate(() => void (window as any).tp.share.offer());
    await clickSdkButton(taxpayer, '允许共享');
  });

  /** A staff member's page of their own (another machine), connected. */
  async function staffPage(username: keyof typeof DEV_PASSWORDS | 'agent3'): Promise<Page> {
    const page = await (await b.browser.createBrowserContext()).newPage();
    page.on('pageerror', (e) => console.error(`${username} page error:`, e));
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
    await staffInPage(page, await t.staffToken(username, username === 'agent3' ? 'agent3-pass' : DEV_PASSWORDS[username]));
    return page;
  }

  const staffRequest = (page: Page, name: string, payload: unknown) => page.evaluate((n, p) => (window as any).ag.connection.request(n, p), name, payload);
  const click = (selector: string) => taxpayer.$eval(selector, (el) => (el as HTMLElement).click());

  /** The joiner's mirror, and the live agent's, show the taxpayer's page. */
  async function expectMirrorsShowThePage(joiner: Page, name: string): Promise<void> {
    for (const [who, page] of [
      [name, joiner],
      ['agent watching from the start', agent],
    ] as const) {
      const { expected, mirrored } = await mirrorCatchesUp(taxpayer, page);
      expect({ who, view: mirrored }).toEqual({ who, view: expected });
    }
    await screenshot(joiner, `late-joiner-${name}`);
  }

  let supervisor: Page;

  it('a supervisor starting silent monitoring mid-session', async () => {
    await taxpayer.type('#applicant-name', '伟');
    await taxpayer.click('#agree');
    await click('#lang'); // the portal switches to English
    await click('#next-1');
    await taxpayer.select('#bank', 'ccb');
    await taxpayer.evaluate(() => window.scrollTo(0, 120));
    supervisor = await staffPage('super1');
    await staffRequest(supervisor, 'supervisor:observe', { sessionId, mode: 'monitor' });
    await watchMirror(supervisor, sessionId);
    await expectMirrorsShowThePage(supervisor, 'monitor');
  });

  it('the agent after its connection dropped and came back', async () => {
    await click('#lang'); // back to Chinese
    await click('#back-2');
    await taxpayer.type('#reason', '，补充说明');
    await taxpayer.type('#phone', '139');
    await taxpayer.click('#agree'); // unticked
    await taxpayer.evaluate(() => document.getElementById('terms')!.scrollTo(0, 40));
    await agent.evaluate(() => (window as any).ag.connection.socket.disconnect());
    await taxpayer.type('#applicant-name', '三');
    await agent.evaluate(() => (window as any).ag.connection.socket.connect());
    await expectMirrorsShowThePage(agent, 'reconnect');
  });

  it('a supervisor joining the session', async () => {
    await staffRequest(supervisor, 'supervisor:unobserve', { sessionId });
    // a value set by the page's script, not typed
    await taxpayer.evaluate(() => ((document.getElementById('reason') as HTMLTextAreaElement).value = '脚本填写的原因'));
    await click('#lang');
    await click('#next-1');
    await taxpayer.select('#bank', 'boc');
    await staffRequest(supervisor, 'supervisor:observe', { sessionId, mode: 'join' });
    await watchMirror(supervisor, sessionId);
    await expectMirrorsShowThePage(supervisor, 'join');
    await staffRequest(supervisor, 'supervisor:unobserve', { sessionId });
  });

  let reassigned: Page;

  it('an agent the session was reassigned to', async () => {
    reassigned = await staffPage('agent3');
    await staffRequest(reassigned, 'agent:status', { status: 'available' });
    await click('#next-2'); // step 3: the summary the page's script wrote
    await taxpayer.evaluate(() => window.scrollTo(0, 60));
    await staffRequest(supervisor, 'supervisor:reassign', { sessionId, agentId: 'agent3' });
    const offer = (await (
      await reassigned.waitForFunction(() => (window as any).ag.events.find((e: any) => e.name === 'offer:new')?.payload, { polling: 100 })
    ).jsonValue()) as OfferEvent;
    await staffRequest(reassigned, 'offer:accept', { offerId: offer.offerId });
    await watchMirror(reassigned, sessionId);
    // the agent the session was taken from no longer watches: the new one is compared with the page
    agent = reassigned;
    await expectMirrorsShowThePage(reassigned, 'reassign');
  });

  it('an expert after escalation', async () => {
    const expert = await staffPage('expert1');
    await staffRequest(expert, 'agent:status', { status: 'available' });
    await click('#back-3');
    await click('#back-2');
    await click('#lang'); // Chinese again
    await taxpayer.$eval('#applicant-name', (el) => ((el as HTMLInputElement).value = ''));
    await taxpayer.type('#applicant-name', '李娜');
    await taxpayer.click('#agree');
    await staffRequest(reassigned, 'session:escalate', { sessionId, note: '需要专家' });
    const offer = (await (
      await expert.waitForFunction(() => (window as any).ag.events.find((e: any) => e.name === 'offer:new')?.payload, { polling: 100 })
    ).jsonValue()) as OfferEvent;
    await staffRequest(expert, 'offer:accept', { offerId: offer.offerId });
    await watchMirror(expert, sessionId);
    await expectMirrorsShowThePage(expert, 'expert');
  });
});
