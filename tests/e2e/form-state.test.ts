import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../harness/browser.js';
import { clickSdkButton, watchMirror } from '../harness/cobrowse-session.js';
import { withWatchedSession } from '../harness/suite.js';
import { mirrorCatchesUp, type PageView } from '../harness/page-view.js';

/**
 * Every form state — a select's choice, radios, checkboxes, typed values, set before sharing
 * starts and after — survives full snapshots, for every viewer: the agent's mirror, a viewer who
 * joins later, the chat's "send current page" snapshot, and sharing accepted again (issue 15,
 * item 2). Fields the page did not opt in show masked, the same way everywhere.
 */
describe('form state in snapshots (real Chromium)', () => {
  let taxpayer: Page;
  let agent: Page;
  let sessionId: string;

  withWatchedSession('/demo/invoice.html', { width: 1280, height: 900 }, { sub: 'tp-form-state' }, (s) => ({ taxpayer, agent, sessionId } = s));

  const rateIn = (view: PageView | null) => view?.fields.find((f) => f.id === 'rate')?.value;

  async function expectMirrorShowsThePage(who: string): Promise<PageView | null> {
    const { expected, mirrored } = await mirrorCatchesUp(taxpayer, agent);
    expect({ who, view: mirrored }).toEqual({ who, view: expected });
    return mirrored;
  }

  it('values chosen before sharing starts show in the mirror as the taxpayer chose them', async () => {
    await taxpayer.select('#rate', '0.09'); // the markup selects 6%, the first option is 13%
    await taxpayer.select('#invoice-type', 'e-special');
    await taxpayer.click('#delivery-download'); // the markup ticks "e-mail"
    await taxpayer.click('#notify'); // ticked in the markup: now unticked
    await taxpayer.type('#amount', '1000');
    await taxpayer.type('#buyer-name', '上海示例贸易有限公司');
    await taxpayer.evaluate(() => void (window as any).tp.share.offer());
    await clickSdkButton(taxpayer, '允许共享');
    expect(await taxpayer.$eval('#totals', (e) => e.textContent)).toContain('1090.00');
    expect(rateIn(await expectMirrorShowsThePage('agent'))).toBe('0.09');
    await screenshot(agent, 'form-state-mirror');
  });

  it('changes after sharing starts, and a fresh snapshot of them, for a viewer who joins then', async () => {
    await taxpayer.select('#rate', '0.03');
    await taxpayer.click('#delivery-email');
    await taxpayer.click('#notify');
    await taxpayer.$eval('#buyer-name', (el) => ((el as HTMLInputElement).value = '')); // cleared by the page's script
    await expectMirrorShowsThePage('agent');
    await taxpayer.evaluate(() => (window as any).tp.share.recorder.takeFullSnapshot());
    await watchMirror(agent, sessionId);
    expect(rateIn(await expectMirrorShowsThePage('viewer after a fresh snapshot'))).toBe('0.03');
  });

  it("the chat's page snapshot shows the same values", async () => {
    const json = await taxpayer.evaluate(() => (window as any).EtaxAssist.takePageSnapshot().text());
    await agent.evaluate((snapshot) => {
      const w = window as any;
      w.ag.viewer.close();
      const box = document.createElement('div');
      box.id = 'page-snapshot';
      box.style.cssText = 'position:fixed;left:0;top:0;width:1280px;height:900px;background:#fff';
      document.body.append(box);
      const destroy = w.EtaxAssist.showPageSnapshot(box, snapshot);
      // read (and closed) as a mirror is
      w.ag.viewer = {
        get document() {
          return box.querySelector<HTMLIFrameElement>('iframe')?.contentDocument ?? undefined;
        },
        close() {
          destroy();
          box.remove();
        },
      };
    }, json);
    const { expected, mirrored } = await mirrorCatchesUp(taxpayer, agent);
    expect({ view: mirrored }).toEqual({ view: expected });
    expect(rateIn(mirrored)).toBe('0.03');
    await screenshot(agent, 'form-state-page-snapshot');
  });

  it('sharing stopped and accepted again', async () => {
    await watchMirror(agent, sessionId);
    await taxpayer.evaluate(() => (window as any).tp.share.stopSharing());
    await agent.waitForFunction(() => (window as any).ag.viewer.state.sharing === 'stopped', { polling: 100 });
    await taxpayer.select('#rate', '0.01'); // while not shared
    await taxpayer.evaluate(() => void (window as any).tp.share.offer());
    await clickSdkButton(taxpayer, '允许共享');
    await agent.waitForFunction(() => (window as any).ag.viewer.state.sharing === 'sharing', { polling: 100 });
    expect(rateIn(await expectMirrorShowsThePage('agent after a re-accept'))).toBe('0.01');
  });
});
