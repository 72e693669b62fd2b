import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from '../harness/browser.js';
import { signInToConsole } from '../harness/console-page.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { connectSocket, request } from '../harness/socket.js';

/** Issue 19, item 6: a break due, as the agent and the supervisor see it in the console. */
describe('a break due after sessions in a row (real browser)', () => {
  let t: TestService;
  let b: TestBrowser;

  beforeAll(async () => {
    t = await startTestService({ DISPATCH_MAX_CONSECUTIVE_SESSIONS: '1', DISPATCH_BREAK_MIN_S: '300' });
    b = await launchBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await t?.stop();
  });

  it('the agent is told a break is due and how long it has to be, counted down while away; the dashboard marks it', async () => {
    const agent = await (await b.browser.createBrowserContext()).newPage();
    await agent.setViewport({ width: 1280, height: 800 });
    await signInToConsole(agent, t.url, 'agent1', DEV_PASSWORDS.agent1);
    await agent.select('.status-select', 'available');
    const taxpayer = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-break', name: '孙丽' }));
    const asked = await request(taxpayer, 'help:request', { language: 'zh', topic: 'invoice', channel: 'text', entry: { kind: 'portal', page: '/' } });
    if (!asked.ok) throw new Error(asked.error.message);
    await agent.waitForSelector('.offer button.primary');
    await agent.click('.offer button.primary');
    await agent.waitForFunction(() => !(document.querySelector('.break-due') as HTMLElement).hidden);
    expect(await agent.$eval('.break-due', (e) => e.textContent)).toContain('请将状态设为“暂离”并休息至少 5:00');
    expect(await agent.$eval('.status-select', (e) => (e as HTMLSelectElement).selectedOptions[0]?.textContent)).toBe('可接入 — 该休息了，暂不接新求助');
    await screenshot(agent, 'console-break-due');

    const supervisor = await (await b.browser.createBrowserContext()).newPage();
    await supervisor.setViewport({ width: 1280, height: 900 });
    await signInToConsole(supervisor, t.url, 'super1', DEV_PASSWORDS.super1);
    await supervisor.waitForFunction(() => [...document.querySelectorAll('.break-due-mark')].some((m) => m.textContent === '1 · 该休息'));
    await screenshot(supervisor, 'dashboard-break-due');

    // away: the break counts down
    await agent.select('.status-select', 'away');
    await agent.waitForFunction(() => /^休息中：还需 4:5\d/.test(document.querySelector('.break-due')?.textContent ?? ''));
    await agent.click('button[data-action="language"]');
    await agent.waitForFunction(() => /^On break: 4:[45]\d left/.test(document.querySelector('.break-due')?.textContent ?? ''));
    await screenshot(agent, 'console-on-break-en');
    taxpayer.close();
  });
});
