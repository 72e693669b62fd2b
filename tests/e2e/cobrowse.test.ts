import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from '../harness/browser.js';
import { acceptAndWatch, clickSdkButton, inMirror, openCobrowsePages, taxpayerBootstrap } from '../harness/cobrowse-session.js';
import { freePort } from '../harness/ports.js';
import type { PageTraffic } from '../harness/traffic.js';
import { startTestService, type TestService } from '../harness/service.js';

/** Values on the refund page that must never leave the taxpayer's browser. */
const SECRETS = [
  '91310115MA1H7T3X2Q', // data-private taxpayer ID (input value)
  '91310000MA1K000001', // placeholder with an ID
  '13800138000', // digits in a placeholder
  'csrf-7f3a9c2e11d04b6f', // hidden input
  '6222021001112223334', // option value of a private select
  '6217000010002223335',
  '102290000123', // private text inside a same-origin iframe
  'S3cret-Pa55', // typed password
  'typed-into-private', // typed into the private field
];

describe('co-browsing in real Chromium: the refund form mirrored, masked, annotated and controlled', () => {
  let t: TestService;
  let b: TestBrowser;
  let taxpayer: Page;
  let agent: Page;
  let traffic: PageTraffic;
  let sessionId: string;

  beforeAll(async () => {
    // the demo portal plays the portal whose images the agent cannot fetch itself: they go
    // through the asset proxy
    const port = await freePort();
    t = await startTestService({ PORT: String(port), COBROWSE_ASSET_ORIGINS: `http://localhost:${port}` });
    b = await launchBrowser();
    ({ taxpayer, traffic, agent } = await openCobrowsePages(t, b, '/demo/refund.html', { width: 1100, height: 800 }));

    sessionId = await taxpayerBootstrap(taxpayer, t.taxpayerToken({ sub: 'tp-refund', name: '张伟' }));
    await acceptAndWatch(agent, sessionId);
  });

  afterAll(async () => {
    await b?.close();
    await t?.stop();
  });

  const mirror = <T>(fn: (doc: Document) => T): Promise<T> => inMirror(agent, fn);

  it('records nothing until the taxpayer consents, then mirrors the page', async () => {
    expect(await agent.evaluate(() => (window as any).ag.viewer.state.sharing)).toBe('waiting');
    expect(traffic.frames.some((f) => f.includes('cobrowse:events'))).toBe(false);
    await taxpayer.evaluate(() => void (window as any).tp.share.offer());
    await screenshot(taxpayer, 'cobrowse-share-consent');
    await clickSdkButton(taxpayer, '允许共享');
    await agent.waitForFunction(() => (window as any).ag.viewer.document?.querySelector('header strong')?.textContent.includes('退税申请'), { timeout: 15_000, polling: 100 });
    expect(await mirror((doc) => doc.querySelector('#applicant-name') !== null)).toBe(true);
  });

  it('mirrors typing, masks private values, and no masked value appears in any frame the taxpayer sends', async () => {
    await taxpayer.type('#applicant-name', '李娜');
    await taxpayer.type('#taxpayer-id', 'typed-into-private');
    await taxpayer.click('#agree');
    await agent.waitForFunction(() => (window as any).ag.viewer.document.querySelector('#applicant-name').value === '李娜', { timeout: 10_000, polling: 100 });
    expect(await mirror((doc) => (doc.querySelector('#taxpayer-id') as HTMLInputElement).value)).toMatch(/^\*+$/);
    expect(await mirror((doc) => doc.querySelector('#summary')?.textContent)).toContain('李娜');
    await taxpayer.click('#next-1');
    await taxpayer.click('#next-2');
    await taxpayer.type('#password', 'S3cret-Pa55');
    await taxpayer.click('#back-3');
    await agent.waitForFunction(() => !(window as any).ag.viewer.document.querySelector('#step-2').hidden, { timeout: 10_000, polling: 100 });
    // same-origin iframe and shadow DOM are mirrored
    await agent.waitForFunction(() => ((window as any).ag.viewer.document.querySelector('#bank-frame') as HTMLIFrameElement).contentDocument?.querySelector('#branch') !== null, {
      timeout: 10_000,
      polling: 100,
    });
    expect(await mirror((doc) => (doc.querySelector('#bank-frame') as HTMLIFrameElement).contentDocument?.querySelector('#bank-code')?.textContent)).toMatch(/^\*+$/);
    // a field the page opted in shows its value, inside the iframe too
    expect(await mirror((doc) => ((doc.querySelector('#bank-frame') as HTMLIFrameElement).contentDocument?.querySelector('#branch') as HTMLInputElement).value)).toBe('浦东支行');
    expect(await mirror((doc) => doc.querySelector('#estimate')?.shadowRoot?.textContent)).toContain('1280');
    await screenshot(agent, 'cobrowse-agent-mirror');

    expect(traffic.frames.some((f) => f.includes('cobrowse:events'))).toBe(true);
    const leaks = SECRETS.filter((secret) => traffic.all().some((sent) => sent.includes(secret)));
    expect(leaks).toEqual([]);
  });

  it("loads the portal's images through the session's asset proxy, and the proxy refuses anything else", async () => {
    const src = await mirror((doc) => (doc.querySelector('#portal-logo') as HTMLImageElement).src);
    expect(src).toContain(`/cobrowse/asset/${sessionId}/`);
    await agent.waitForFunction(() => ((window as any).ag.viewer.document.querySelector('#portal-logo') as HTMLImageElement).naturalWidth > 0, { timeout: 10_000, polling: 100 });
    const proxied = new URL(src);
    expect((await fetch(proxied)).status).toBe(200);
    const forged = new URL(src.replace(/\/cobrowse\/asset\/([^/]+)\/[^?]+/, '/cobrowse/asset/$1/9999999999.forged'));
    expect((await fetch(forged)).status).toBe(403);
    const elsewhere = new URL(proxied);
    elsewhere.searchParams.set('url', 'http://example.org/logo.png');
    expect((await fetch(elsewhere)).status).toBe(403);
  });

  it("shows the agent's highlight at the right element and its drawing on the taxpayer page", async () => {
    await agent.evaluate(async () => {
      const v = (window as any).ag.viewer;
      await v.highlight(v.nodeIdBySelector('#bank'), '选择开户银行');
      await v.annotate({
        kind: 'stroke',
        strokeId: 's1',
        points: [
          [100, 100],
          [200, 150],
          [300, 120],
        ],
        done: false,
      });
    });
    await taxpayer.waitForFunction(() => (window as any).tp.share.overlay.highlightBox !== undefined, { timeout: 10_000, polling: 100 });
    const { box, rect } = await taxpayer.evaluate(() => {
      const r = document.querySelector('#bank')!.getBoundingClientRect();
      const h = (window as any).tp.share.overlay.highlightBox as DOMRect;
      return { box: { x: h.x, y: h.y, w: h.width }, rect: { x: r.left + scrollX, y: r.top + scrollY, w: r.width } };
    });
    expect(Math.abs(box.x - rect.x)).toBeLessThan(4);
    expect(Math.abs(box.y - rect.y)).toBeLessThan(4);
    expect(await taxpayer.evaluate(() => (window as any).tp.share.overlay.strokeCount)).toBe(1);
    await screenshot(taxpayer, 'cobrowse-taxpayer-highlight');
  });

  it("refuses control without consent; with consent the page's own script sees the agent's input; blocked targets refuse; Esc revokes", async () => {
    const denied = await agent.evaluate(async () => {
      const v = (window as any).ag.viewer;
      try {
        await v.control({ action: 'input', nodeId: v.nodeIdBySelector('#applicant-name'), value: 'x' });
        return 'applied';
      } catch (error: any) {
        return error.code;
      }
    });
    expect(denied).toBe('FORBIDDEN');

    await agent.evaluate(() => (window as any).ag.viewer.requestControl());
    await clickSdkButton(taxpayer, '允许');
    await agent.waitForFunction(() => (window as any).ag.viewer.state.control === 'granted', { timeout: 10_000, polling: 100 });
    await screenshot(taxpayer, 'cobrowse-taxpayer-controlled');

    await agent.evaluate(async () => {
      const v = (window as any).ag.viewer;
      await v.control({ action: 'select', nodeId: v.nodeIdBySelector('#bank'), value: 'ccb' });
    });
    // the page's own change handler ran: its summary shows the bank
    await taxpayer.waitForFunction(() => document.querySelector('#summary')!.textContent.includes('中国建设银行'), { timeout: 10_000, polling: 100 });

    await agent.evaluate(async () => {
      const v = (window as any).ag.viewer;
      await v.control({ action: 'click', nodeId: v.nodeIdBySelector('#next-2') });
    });
    await taxpayer.waitForFunction(() => !(document.querySelector('#step-3') as HTMLElement).hidden, { timeout: 10_000, polling: 100 });
    await agent.waitForFunction(() => !(window as any).ag.viewer.document.querySelector('#step-3').hidden, { timeout: 10_000, polling: 100 });
    await agent.evaluate(async () => {
      const v = (window as any).ag.viewer;
      await v.control({ action: 'click', nodeId: v.nodeIdBySelector('#submit') });
      await v.control({ action: 'input', nodeId: v.nodeIdBySelector('#password'), value: 'hijack' });
    });
    await agent.waitForFunction(() => (window as any).ag.refusals.length >= 2, { timeout: 10_000, polling: 100 });
    expect(await agent.evaluate(() => (window as any).ag.refusals)).toEqual(['no-control', 'password']);
    expect(await taxpayer.evaluate(() => document.querySelector('#submitted')!.textContent)).toBe('');

    await taxpayer.keyboard.press('Escape');
    await agent.waitForFunction(() => (window as any).ag.viewer.state.control === 'none', { timeout: 10_000, polling: 100 });
    const after = await agent.evaluate(async () => {
      const v = (window as any).ag.viewer;
      try {
        await v.control({ action: 'click', nodeId: v.nodeIdBySelector('#back-3') });
        return 'applied';
      } catch (error: any) {
        return error.code;
      }
    });
    expect(after).toBe('FORBIDDEN');
  });

  it('follows scrolling inside nested containers', async () => {
    await taxpayer.evaluate(() => {
      document.getElementById('back-2')?.click();
      document.getElementById('back-2')?.click();
    });
    await taxpayer.evaluate(() => document.querySelector<HTMLElement>('#back-3')?.click());
    await taxpayer.evaluate(() => document.querySelector<HTMLElement>('#back-2')?.click());
    await taxpayer.waitForFunction(() => !(document.querySelector('#step-1') as HTMLElement).hidden);
    await taxpayer.evaluate(() => document.getElementById('terms')!.scrollTo(0, 60));
    await agent.waitForFunction(() => (window as any).ag.viewer.document.getElementById('terms')?.scrollTop === 60, { timeout: 10_000, polling: 100 });
  });

  it('tells the agent when the mirror goes stale, and recovers when the taxpayer is back', async () => {
    await taxpayer.evaluate(() => (window as any).tp.connection.socket.disconnect());
    await agent.waitForFunction(() => (window as any).ag.stale.at(-1) === true, { timeout: 10_000, polling: 100 });
    await taxpayer.evaluate(() => (window as any).tp.connection.socket.connect());
    await agent.waitForFunction(() => (window as any).ag.stale.at(-1) === false, { timeout: 10_000, polling: 100 });
  });

  it('resumes the mirror after the taxpayer reloads the page', async () => {
    await taxpayer.reload({ waitUntil: 'networkidle0' });
    await taxpayerBootstrap(taxpayer, t.taxpayerToken({ sub: 'tp-refund', name: '张伟' }), { sessionId });
    // Chromium restores form values on reload: start the field afresh
    await taxpayer.$eval('#applicant-name', (el) => ((el as HTMLInputElement).value = ''));
    await taxpayer.type('#applicant-name', '王五');
    await agent.waitForFunction(() => (window as any).ag.viewer.document?.querySelector('#applicant-name')?.value === '王五', { timeout: 15_000, polling: 100 });
    const leaks = SECRETS.filter((secret) => traffic.all().some((sent) => sent.includes(secret)));
    expect(leaks).toEqual([]);
  });
});
