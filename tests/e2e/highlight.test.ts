import type { Page } from 'puppeteer-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from '../harness/browser.js';
import { clickSdkButton } from '../harness/cobrowse-session.js';
import { withWatchedSession } from '../harness/suite.js';

/**
 * The agent's highlight on the taxpayer's page rings its element without dimming the page, follows
 * it, and is not left on the screen when the page changes step and the element is no longer shown
 * (its box would be 0,0), nor when the element is gone (issue 15, item 7).
 */
describe("the agent's highlight on the taxpayer's page (real Chromium)", () => {
  let taxpayer: Page;
  let agent: Page;

  withWatchedSession('/demo/refund.html', { width: 1100, height: 800 }, { sub: 'tp-highlight' }, (s) => ({ taxpayer, agent } = s));
  beforeAll(async () => {
    await taxpayer.evaluate(() => void (window as any).tp.share.offer());
    await clickSdkButton(taxpayer, '允许共享');
    await agent.waitForFunction(() => (window as any).ag.viewer.document?.querySelector('#applicant-name'), { polling: 100 });
  });

  const box = () =>
    taxpayer.evaluate(() => {
      const h = (window as any).tp.share.overlay.highlightBox as DOMRect | undefined;
      return h ? { x: Math.round(h.x), y: Math.round(h.y), width: Math.round(h.width) } : null;
    });
  const fieldBox = (selector: string) =>
    taxpayer.$eval(selector, (el) => {
      const r = el.getBoundingClientRect();
      return { x: Math.round(r.left + scrollX), y: Math.round(r.top + scrollY), width: Math.round(r.width) };
    });
  /** Pixels of a corner of the page far from the highlighted field. */
  const corner = async () => Buffer.from(await taxpayer.screenshot({ clip: { x: 1000, y: 700, width: 60, height: 60 }, encoding: 'binary' })).toString('base64');

  it('rings the element and leaves the rest of the page as it is', async () => {
    const before = await corner();
    await agent.evaluate(() => {
      const v = (window as any).ag.viewer;
      return v.highlight(v.nodeIdBySelector('#applicant-name'), '请在这里填写姓名');
    });
    await taxpayer.waitForFunction(() => (window as any).tp.share.overlay.highlightBox !== undefined, { polling: 100 });
    const ringed = await box();
    const field = await fieldBox('#applicant-name');
    expect(Math.abs(ringed!.x - field.x)).toBeLessThan(4);
    expect(Math.abs(ringed!.y - field.y)).toBeLessThan(4);
    // not dimmed: the far corner looks as it did before the highlight
    expect(await corner()).toBe(before);
    await screenshot(taxpayer, 'highlight-ring');
  });

  it('goes while the page shows another step, and comes back with its element', async () => {
    await taxpayer.type('#applicant-name', '张伟');
    await taxpayer.click('#next-1');
    await taxpayer.waitForFunction(() => (window as any).tp.share.overlay.highlightBox === undefined, { polling: 100 });
    await screenshot(taxpayer, 'highlight-other-step');
    await taxpayer.click('#back-2');
    await taxpayer.waitForFunction(() => (window as any).tp.share.overlay.highlightBox !== undefined, { polling: 100 });
    const ringed = await box();
    const field = await fieldBox('#applicant-name');
    expect(Math.abs(ringed!.y - field.y)).toBeLessThan(4);
  });

  it('goes for good with its element', async () => {
    await taxpayer.$eval('#applicant-name', (el) => el.remove());
    await taxpayer.waitForFunction(() => (window as any).tp.share.overlay.highlightBox === undefined, { polling: 100 });
    // the page's element back in place does not bring a highlight that was about another element
    await taxpayer.evaluate(() => document.querySelector('#step-1 label')!.append(Object.assign(document.createElement('input'), { id: 'applicant-name' })));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await box()).toBeNull();
  });
});
