import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { BrowserDownloads } from '../harness/downloads.js';
import { query } from '../harness/records.js';
import { insertSessions } from '../harness/report-sessions.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';

/** March 3, 2025 (UTC; 09:00 local is 01:00): agent1 signed in 01:00–09:00 with a lunch break, agent2 01:00–05:00. */
const ACTIVITY: [string, string, string, string, boolean, number][] = [
  ['1741000000000-0', 'agent1', '2025-03-03T01:00:00Z', 'available', false, 0],
  ['1741000000001-0', 'agent1', '2025-03-03T01:30:00Z', 'available', false, 1],
  ['1741000000002-0', 'agent1', '2025-03-03T02:00:00Z', 'available', true, 0],
  ['1741000000003-0', 'agent1', '2025-03-03T02:10:00Z', 'available', false, 0],
  ['1741000000004-0', 'agent1', '2025-03-03T04:00:00Z', 'away', false, 0],
  ['1741000000005-0', 'agent1', '2025-03-03T05:00:00Z', 'available', false, 0],
  ['1741000000006-0', 'agent1', '2025-03-03T09:00:00Z', 'offline', false, 0],
  ['1741000000007-0', 'agent2', '2025-03-03T01:00:00Z', 'available', false, 0],
  ['1741000000008-0', 'agent2', '2025-03-03T05:00:00Z', 'offline', false, 0],
];

/** Issue 19, item 2: the supervisor's Agents report in the console, read and exported. */
describe('the console Agents report in a real browser', () => {
  let t: TestService;
  let b: TestBrowser;
  const downloads = new BrowserDownloads();

  beforeAll(async () => {
    t = await startTestService({ SESSION_RETENTION_DAYS: '3650' });
    for (const row of ACTIVITY)
      await query(t.postgres.url, 'INSERT INTO agent_activity (event_id, agent, at, status, wrap, load, capacity) VALUES ($1, $2, $3, $4, $5, $6, 5)', row);
    await insertSessions(t.postgres.url, [
      { id: 'a1', state: 'ended', at: '2025-03-03T01:30:00Z', topic: 'invoice', agent: 'agent1', waitMs: 5000, handlingMs: 1_800_000, outcome: 'resolved', rating: 5 },
    ]);
    b = await launchBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await t?.stop();
    downloads.remove();
  });

  async function agentsReport(width: number, height: number, lang: 'zh' | 'en'): Promise<Page> {
    const page = await b.browser.newPage();
    await page.setViewport({ width, height });
    await signInToConsole(page, t.url, 'super1', DEV_PASSWORDS.super1, lang);
    await clickButton(page, lang === 'zh' ? '统计报表' : 'Reports', '.dashboard-tabs');
    await page.select('.report-form select[name="kind"]', 'agents');
    for (const [name, value] of [
      ['from', '2025-03-01'],
      ['to', '2025-03-31'],
    ] as const) {
      await page.evaluate((n, v) => ((document.querySelector(`.report-form input[name="${n}"]`) as HTMLInputElement).value = v), name, value);
    }
    await clickButton(page, lang === 'zh' ? '生成报表' : 'Show report', '.report-form');
    await page.waitForSelector('.agent-report-table tbody tr');
    return page;
  }

  const tableRows = (page: Page) => page.$$eval('.agent-report-table tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  const head = (page: Page) => page.$$eval('.agent-report-table thead th', (th) => th.map((h) => h.textContent ?? ''));

  it('a supervisor reads each agent’s month — time by status, occupancy, sessions — and exports it', async () => {
    const page = await agentsReport(1280, 900, 'zh');
    // the sessions report's cuts do not apply to it: hidden
    expect(await page.$eval('.report-form select[name="by"]', (s) => (s.closest('label') as HTMLElement).hidden)).toBe(true);
    expect(await page.$eval('.report-summary', (e) => e.textContent)).toBe('2 名坐席，登录共 12 小时，服务 1 个会话');
    const columns = await head(page);
    expect(columns.slice(0, 6)).toEqual(['坐席', '登录时长', '可接入', '后台工作', '暂离', '服务中']);
    const [agent1, agent2] = await tableRows(page);
    const at = (row: string[] | undefined, name: string) => row?.[columns.indexOf(name)];
    // 8 hours signed in, one of them away; 40 of the 7 available hours in a session or wrapping up
    expect([at(agent1, '登录时长'), at(agent1, '暂离'), at(agent1, '服务中'), at(agent1, '话后整理'), at(agent1, '占用率(%)'), at(agent1, '服务会话数')]).toEqual([
      '8:00:00',
      '1:00:00',
      '0:30:00',
      '0:10:00',
      '9.5',
      '1',
    ]);
    expect([at(agent2, '登录时长'), at(agent2, '占用率(%)'), at(agent2, '服务会话数')]).toEqual(['4:00:00', '0', '0']);
    await screenshot(page, 'reports-agents-zh');

    await downloads.allow(b);
    await clickButton(page, '导出 CSV', '.report-form');
    const csv = await downloads.file('agents-2025-03-01-2025-03-31.csv');
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toMatch(/^坐席账号,坐席,登录时长\(秒\),可接入\(秒\),后台工作\(秒\),暂离\(秒\),离线\(秒\),/);
    expect(lines[1]).toMatch(/^agent1,[^,]*,28800,25200,0,3600,/);
    await clickButton(page, '导出 Excel', '.report-form');
    expect((await downloads.file('agents-2025-03-01-2025-03-31.xlsx')).subarray(0, 2).toString('latin1')).toBe('PK');

    await page.click('button[data-action="language"]');
    await page.waitForFunction(() => document.querySelector('.report-summary')?.textContent === 'Agents: 2; hours signed in: 12; sessions served: 1');
    expect((await head(page)).slice(0, 3)).toEqual(['Agent', 'Signed in', 'Available']);
    await screenshot(page, 'reports-agents-en');
    await page.close();
  });

  it('is usable at phone and kiosk widths', async () => {
    for (const [width, height, lang, name] of [
      [375, 812, 'zh', 'phone'],
      [1080, 1920, 'en', 'kiosk'],
    ] as const) {
      const page = await agentsReport(width, height, lang);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      expect((await tableRows(page)).length).toBe(2);
      await screenshot(page, `reports-agents-${name}-${lang}`);
      await page.close();
    }
  });

  it('administrators’ Reports tab has the sessions report only', async () => {
    const page = await b.browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await signInToConsole(page, t.url, 'admin1', 'admin1-pass', 'en', '.admin-tabs .pane-tab[data-pane="reports"]');
    await clickButton(page, 'Reports', '.admin-tabs');
    expect(await page.$('.report-form select[name="kind"]')).toBeNull();
    expect(await page.$('.report-form select[name="by"]')).not.toBeNull();
    await page.close();
  });
});
