import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from '../harness/browser.js';
import { acceptAndWatch, clickSdkButton, inMirror, openCobrowsePages, taxpayerBootstrap, type CobrowsePages } from '../harness/cobrowse-session.js';
import { startTestService, type TestService } from '../harness/service.js';

/**
 * An invoice the agent must be able to read: where the page opted fields in, their values show as
 * typed — a seven-digit amount, the buyer's taxpayer ID — and amounts computed from them stay
 * readable; the digit rule masks only where the page said nothing (issue 15, item 3).
 */
describe("opted-in fields in the agent's mirror (real Chromium)", () => {
  let t: TestService;
  let b: TestBrowser;
  let pages: CobrowsePages;
  beforeAll(async () => {
    t = await startTestService();
    b = await launchBrowser();
    pages = await openCobrowsePages(t, b, '/demo/invoice.html', { width: 1280, height: 900 });
  });
  afterAll(async () => {
    await b?.close();
    await t?.stop();
  });

  it("shows an invoice's amount, rate, total and buyer ID as the taxpayer sees them", async () => {
    const { taxpayer, agent } = pages;
    const sessionId = await taxpayerBootstrap(taxpayer, t.taxpayerToken({ sub: 'tp-invoice' }));
    await acceptAndWatch(agent, sessionId);
    await taxpayer.evaluate(() => void (window as any).tp.share.offer());
    await clickSdkButton(taxpayer, '允许共享');
    await taxpayer.type('#buyer-id', '91310115MA1H7T3X2Q');
    await taxpayer.type('#amount', '1234567');
    await taxpayer.select('#rate', '0.09');
    const totals = await taxpayer.$eval('#totals', (e) => e.textContent ?? '');
    expect(totals).toContain('1345678.03');
    await agent.waitForFunction(
      (expected) => {
        const doc = (window as any).ag.viewer.document as Document | undefined;
        return (doc?.querySelector('#amount') as HTMLInputElement | null)?.value === '1234567' && doc?.querySelector('#totals')?.textContent === expected;
      },
      { timeout: 15_000, polling: 100 },
      totals,
    );
    const mirrored = await inMirror(agent, (doc) => ({
      buyerId: (doc.querySelector('#buyer-id') as HTMLInputElement).value,
      rate: (doc.querySelector('#rate') as HTMLSelectElement).value,
    }));
    expect(mirrored).toEqual({ buyerId: '91310115MA1H7T3X2Q', rate: '0.09' });
    await screenshot(agent, 'mirror-invoice-opted-in');
  });
});
