import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from '../harness/browser.js';
import { startTestService, type TestService } from '../harness/service.js';
import { consoleAndTaxpayerPages, signInToConsole, taxpayerAsksForHelp } from '../harness/console-page.js';

describe('a session past its recording limit, in the real widget layer and console', () => {
  let t: TestService;
  let b: TestBrowser;
  let agent: Page;
  let taxpayer: Page;
  beforeAll(async () => {
    // the first snapshot of the refund page is already past 1 KB stored
    t = await startTestService({ COBROWSE_MAX_RECORDING_BYTES: '1024', COBROWSE_RECORDING_FLUSH_MS: '100' });
    b = await launchBrowser();
    ({ agent, taxpayer } = await consoleAndTaxpayerPages(b));
  });
  afterAll(async () => {
    await b?.close();
    await t?.stop();
  });

  it('tells the taxpayer (sharing banner) and the agent (mirror state) in zh and en, while the mirror goes on', async () => {
    await signInToConsole(agent, t.url, 'agent2', 'agent2-pass');
    await agent.select('.status-select', 'available');
    await taxpayer.goto(`${t.url}/demo/refund.html`, { waitUntil: 'networkidle0' });
    const sessionId = await taxpayerAsksForHelp(taxpayer, t.taxpayerToken({ sub: 'tp-recording-limit', name: '陈晨' }), {
      language: 'zh',
      topic: 'registration',
      channel: 'text',
      entry: { kind: 'portal', page: '/demo/refund.html' },
    });
    await agent.waitForSelector('.offer button.primary');
    await agent.click('.offer button.primary');
    await agent.waitForSelector(`.session-panel[data-session-id="${sessionId}"]`);
    await taxpayer.evaluate(async () => {
      const w = window as any;
      const answer = w.tp.share.offer();
      ([...w.tp.share.ui.querySelectorAll('button')].find((x: HTMLButtonElement) => x.textContent === '允许共享') as HTMLButtonElement).click();
      await answer;
    });

    const banner = () => taxpayer.evaluate(() => (window as any).tp.share.ui.querySelector('.banner .recording-stopped')?.textContent ?? '');
    await taxpayer.waitForFunction(() => (window as any).tp.share.ui.querySelector('.banner .recording-stopped') !== null, { timeout: 15_000, polling: 100 });
    expect(await banner()).toContain('录制已达上限');
    await agent.waitForFunction(() => document.querySelector('.mirror-state')?.textContent?.includes('录制已达上限'), { timeout: 15_000, polling: 100 });
    expect(await agent.$eval('.mirror-state', (e) => e.textContent)).toContain('正在共享');
    // the mirror goes on past the limit (the console in front: its replay runs on animation frames)
    await agent.bringToFront();
    await taxpayer.type('#applicant-name', '李娜');
    await agent.waitForFunction(
      () => (document.querySelector<HTMLIFrameElement>('.mirror iframe')?.contentDocument?.querySelector('#applicant-name') as HTMLInputElement | null)?.value === '李娜',
      { timeout: 15_000, polling: 100 },
    );
    await screenshot(agent, 'recording-limit-console-zh');
    await screenshot(taxpayer, 'recording-limit-taxpayer-zh');

    await taxpayer.evaluate(() => (window as any).tp.share.setLang('en'));
    expect(await banner()).toContain('no longer recorded');
    await screenshot(taxpayer, 'recording-limit-taxpayer-en');
    await agent.bringToFront();
    await agent.click('button[data-action="language"]');
    await agent.waitForFunction(() => document.querySelector('.mirror-state')?.textContent?.includes('no longer recorded'), { timeout: 10_000, polling: 100 });
    await screenshot(agent, 'recording-limit-console-en');
  });
});
