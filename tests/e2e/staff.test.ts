import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionSummary } from '@etax-assist/protocol';
import { launchBrowser, screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { EventLog } from '../harness/events.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { connectSocket, requestOk, type TestSocket } from '../harness/socket.js';

/** Issue 18, part C: an administrator manages the staff directory in the console, and routing follows at once. */
describe('the console Staff view in a real browser', () => {
  let t: TestService;
  let b: TestBrowser;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    t = await startTestService();
    b = await launchBrowser();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await b?.close();
    await t?.stop();
  });

  async function consolePage(username: string, password: string, width = 1280, height = 900, lang: 'zh' | 'en' = 'zh'): Promise<Page> {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width, height });
    await signInToConsole(page, t.url, username, password, lang, username === 'admin1' ? '.staff-table' : '.link.up');
    return page;
  }
  const taxpayer = async (sub: string) => {
    const socket = await connectSocket(t.url, t.taxpayerToken({ sub, name: '周琳' }));
    sockets.push(socket);
    return { socket, log: new EventLog(socket) };
  };
  const row = (sub: string) => `.staff-table tr[data-sub="${sub}"]`;

  it('an administrator gives agent3 a topic; a taxpayer asks for it and agent3 gets the offer at once', async () => {
    const agent = await consolePage('agent3', 'agent3-pass');
    await agent.select('.status-select', 'available');
    const admin = await consolePage('admin1', 'admin1-pass');
    expect(await admin.$$eval('.staff-table tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.sub))).toEqual([
      'admin1',
      'agent1',
      'agent2',
      'agent3',
      'expert1',
      'super1',
    ]);

    await admin.type('.records-search input[name="q"]', '陈静');
    await clickButton(admin, '查询', '.records-search');
    await admin.waitForFunction(() => document.querySelectorAll('.staff-table tbody tr').length === 1);
    await clickButton(admin, '编辑', row('agent3'));
    await admin.waitForSelector('.staff-form');
    // registration at level 4, besides what agent3 had
    await admin.click('.staff-topic input[value="registration"]');
    await admin.select('select[name="level:registration"]', '4');
    await clickButton(admin, '保存', '.staff-form');
    await admin.waitForFunction(() => document.querySelector('.staff-history li')?.textContent?.includes('修改'));
    expect(await admin.$eval(row('agent3'), (e) => e.textContent)).toContain('登记 4 级');
    expect(await admin.$eval('.staff-history li', (e) => e.textContent)).toContain('admin1');
    await screenshot(admin, 'staff-edit-zh');

    const asking = await taxpayer('tp-staff-registration');
    await requestOk(asking.socket, 'help:request', { language: 'en', topic: 'registration', channel: 'text', entry: { kind: 'portal', page: '/' } });
    await agent.waitForSelector('.offer', { timeout: 5000 });
    expect(await agent.$eval('.offer', (e) => e.textContent)).toContain('周琳');
    await agent.click('.offer button.primary');
    await asking.log.next<SessionSummary>('session:state', (s) => s.state === 'active');
  });

  it('an administrator disables agent1 mid-session: its console is cut off saying why, the session goes back to the head of the queue', async () => {
    const agent = await consolePage('agent1', DEV_PASSWORDS.agent1);
    await agent.select('.status-select', 'available');
    const served = await taxpayer('tp-staff-served');
    const asked = await requestOk(served.socket, 'help:request', { language: 'zh', topic: 'invoice', channel: 'voice', entry: { kind: 'portal', page: '/' } });
    await agent.waitForSelector('.offer');
    await agent.click('.offer button.primary');
    await served.log.next<SessionSummary>('session:state', (s) => s.state === 'active');
    const waiting = await taxpayer('tp-staff-waiting');
    const queued = await requestOk(waiting.socket, 'help:request', { language: 'zh', topic: 'invoice', channel: 'voice', entry: { kind: 'portal', page: '/' } });

    const admin = await consolePage('admin1', 'admin1-pass', 1280, 900, 'en');
    admin.on('dialog', (dialog) => void dialog.accept());
    await clickButton(admin, 'Disable', row('agent1'));
    await admin.waitForFunction(() => document.querySelector('.staff-table tr[data-sub="agent1"]')?.textContent?.includes('Disabled'));
    expect(await admin.$eval('.records-message', (e) => e.textContent)).toContain('back at the head of the queue');

    await agent.waitForSelector('form.login', { timeout: 5000 });
    expect(await agent.$eval('.error', (e) => e.textContent)).toBe('您的账号已被管理员停用，请联系管理员');
    await screenshot(agent, 'staff-agent-disabled');
    const requeued = await served.log.next<SessionSummary>('session:state', (s) => s.sessionId === asked.sessionId && s.state === 'queued');
    expect(requeued.queuePosition).toBe(1);
    await waiting.log.next<SessionSummary>('session:state', (s) => s.sessionId === queued.sessionId && s.queuePosition === 2);

    // signing in again is refused with the same words
    await agent.type('input[name="username"]', 'agent1');
    await agent.type('input[name="password"]', DEV_PASSWORDS.agent1);
    await agent.click('button[type="submit"]');
    await agent.waitForFunction(() => document.querySelector('.error')?.textContent === '您的账号已被管理员停用，请联系管理员');

    // the history says who did it
    await clickButton(admin, 'Edit', row('agent1'));
    await admin.waitForFunction(() => document.querySelector('.staff-history li')?.textContent?.includes('Status: Active → Disabled'));
    await screenshot(admin, 'staff-history-en');
  });

  it('is usable at phone and kiosk widths, in both languages', async () => {
    for (const [width, height, lang, name] of [
      [375, 812, 'zh', 'phone'],
      [375, 812, 'en', 'phone'],
      [1080, 1920, 'zh', 'kiosk'],
    ] as const) {
      const page = await consolePage('admin1', 'admin1-pass', width, height, lang);
      await clickButton(page, lang === 'zh' ? '编辑' : 'Edit', row('agent2'));
      await page.waitForSelector('.staff-form');
      // nothing wider than the screen
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await screenshot(page, `staff-${name}-${lang}`);
    }
  });
});
