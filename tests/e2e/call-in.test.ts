import type { Page } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { outboxDrained } from '../harness/records.js';
import { DEV_PASSWORDS, type TestService } from '../harness/service.js';
import { connectSocket, request, type TestSocket } from '../harness/socket.js';
import { withServiceAndBrowser } from '../harness/suite.js';

/** Today as the service's local day (UTC+8, DISPATCH_TZ_OFFSET_MIN's default). */
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const bannerText = (page: Page) => page.$eval('.call-in', (e) => (e as HTMLElement).innerText);

/** Issue 19, item 5: back-office agents called into the pool, as the agent and the supervisor see it. */
describe('call-ins of back-office agents (real browser)', () => {
  let t: TestService;
  let b: TestBrowser;
  const sockets: TestSocket[] = [];
  // the defaults: a gap of one agent calls the back office in
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)));
  afterAll(() => {
    for (const socket of sockets) socket.close();
  });

  async function consolePage(username: 'agent1' | 'agent2' | 'super1', lang: 'zh' | 'en', width = 1280, height = 800): Promise<Page> {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width, height });
    await signInToConsole(page, t.url, username, DEV_PASSWORDS[username], lang);
    return page;
  }

  it('a queue with nobody on duty calls the back-office agent in: banner, one click, the waiting session offered', async () => {
    const agent = await consolePage('agent2', 'en');
    await agent.select('.status-select', 'back-office');
    const taxpayer = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-callin', name: '周洁' }));
    sockets.push(taxpayer);
    const asked = await request(taxpayer, 'help:request', { language: 'zh', topic: 'invoice', channel: 'text', entry: { kind: 'portal', page: '/' } });
    if (!asked.ok) throw new Error(asked.error.message);
    await agent.waitForSelector('.call-in:not([hidden])', { timeout: 10_000 });
    // nothing is offered to an agent in back office
    expect(await agent.$('.offer')).toBeNull();
    const text = await bannerText(agent);
    expect(text).toContain('Please join the online pool');
    expect(text).toContain('Queue Chinese · Invoices · frontline is short of agents');
    expect(text).toMatch(/Expires in [12]:\d\d/);
    expect(await agent.$eval('.call-in', (e) => e.getAttribute('role'))).toBe('alertdialog');
    // the one-click answer has the focus: Enter answers it
    expect(await agent.evaluate(() => document.activeElement?.classList.contains('call-in-accept'))).toBe(true);
    await screenshot(agent, 'console-call-in-en');
    await agent.setViewport({ width: 390, height: 844 });
    await agent.click('button[data-action="language"]');
    await agent.waitForFunction(() => document.querySelector('.call-in h2')?.textContent === '请加入在线服务');
    await screenshot(agent, 'console-call-in-zh-phone');
    await agent.setViewport({ width: 1080, height: 1920 });
    await screenshot(agent, 'console-call-in-zh-kiosk');

    await clickButton(agent, '立即接入', '.call-in');
    await agent.waitForSelector('.offer button.primary');
    expect(await agent.$eval('.call-in', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(await agent.$eval('.status-select', (e) => (e as HTMLSelectElement).value)).toBe('available');
    expect(await agent.$eval('.offer', (e) => e.textContent)).toContain('周洁');
    await agent.click('.offer button.primary');
    await agent.waitForSelector('.tabs [role="tab"]');
    await screenshot(agent, 'console-call-in-accepted');
  });

  it('a supervisor calls an agent in by hand with a note; the agent declines; the report shows it', async () => {
    const agent = await consolePage('agent1', 'zh');
    await agent.select('.status-select', 'back-office');
    const supervisor = await consolePage('super1', 'zh', 1280, 900);
    // the dashboard counts the back office and offers the call-in on its row
    await supervisor.waitForSelector('button.call-in-open', { timeout: 10_000 });
    expect(await supervisor.evaluate(() => [...document.querySelectorAll('.tile-stat')].map((e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ')))).toContain('后台工作 1');
    await supervisor.click('button.call-in-open');
    await supervisor.waitForSelector('.call-in-form:not([hidden])');
    await supervisor.type('.call-in-form input[name="note"]', '退税队列排队较长');
    await screenshot(supervisor, 'dashboard-call-in-form');
    await clickButton(supervisor, '发出召回', '.call-in-form');
    await supervisor.waitForFunction(() => document.querySelector('.dashboard .toast')?.textContent === '已召回 王敏 Wang Min');

    await agent.waitForSelector('.call-in:not([hidden])', { timeout: 10_000 });
    const text = await bannerText(agent);
    expect(text).toContain('班长请您加入在线服务。');
    expect(text).toContain('班长留言：退税队列排队较长');
    await agent.type('.call-in-reason', '正在处理退税复核');
    await screenshot(agent, 'console-call-in-manual-zh');
    await clickButton(agent, '暂不加入', '.call-in');
    await agent.waitForFunction(() => (document.querySelector('.call-in') as HTMLElement).hidden);
    expect(await agent.$eval('.workspace .toast', (e) => e.textContent)).toBe('已婉拒此次召回');
    expect(await agent.$eval('.status-select', (e) => (e as HTMLSelectElement).value)).toBe('back-office');

    await clickButton(supervisor, '统计报表', '.dashboard-tabs');
    await supervisor.select('.report-form select[name="kind"]', 'call-ins');
    await supervisor.evaluate((day) => {
      for (const name of ['from', 'to']) (document.querySelector(`.report-form input[name="${name}"]`) as HTMLInputElement).value = day;
    }, today());
    expect(await supervisor.$eval('.report-form select[name="topic"]', (e) => (e.closest('label') as HTMLElement).hidden)).toBe(true);
    await supervisor.select('.report-form select[name="period"]', 'day');
    await outboxDrained(t.redis.url);
    await clickButton(supervisor, '生成报表', '.report-form');
    await supervisor.waitForSelector('.call-in-report-table tbody tr');
    const rows = await supervisor.$$eval('.call-in-report-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toContainEqual([today(), '王敏 Wang Min', '1', '0', '1', '0', '0', expect.stringMatching(/^\d/)]);
    expect(rows).toContainEqual([today(), '李强 Li Qiang', '1', '1', '0', '0', '0', expect.stringMatching(/^\d/)]);
    expect(await supervisor.$eval('.report-summary', (e) => e.textContent)).toBe('2 次召回：接受 1，拒绝 1，过期 0');
    await screenshot(supervisor, 'report-call-ins-zh');
  });
});
