import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { BrowserDownloads } from '../harness/downloads.js';
import { insertSessions, type ReportSession } from '../harness/report-sessions.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';

const HALL = '市民中心办税服务厅';

/** March 2025 in the hall: three invoices and one refund; beside them sessions the question must leave out. */
const SESSIONS: ReportSession[] = [
  { id: 'm1', state: 'ended', at: '2025-03-03T01:00:00Z', hall: HALL, topic: 'invoice', agent: 'agent1', waitMs: 30_000, handlingMs: 1_800_000, outcome: 'resolved', rating: 5 },
  { id: 'm2', state: 'ended', at: '2025-03-12T02:00:00Z', hall: HALL, topic: 'invoice', agent: 'agent2', waitMs: 90_000, handlingMs: 1_800_000, outcome: 'resolved' },
  { id: 'm3', state: 'abandoned', at: '2025-03-20T03:00:00Z', hall: HALL, topic: 'invoice', leftAfterMs: 120_000 },
  { id: 'm4', state: 'ended', at: '2025-03-31T15:00:00Z', hall: HALL, topic: 'refund', agent: 'agent1', waitMs: 10_000, handlingMs: 3_600_000, outcome: 'follow-up' },
  // another hall, the portal, and April: not the question's
  { id: 'x1', state: 'ended', at: '2025-03-05T01:00:00Z', hall: '高新区办税服务厅', topic: 'invoice', agent: 'agent1', waitMs: 1000, handlingMs: 600_000, outcome: 'resolved' },
  { id: 'x2', state: 'ended', at: '2025-03-05T02:00:00Z', topic: 'refund', agent: 'agent2', waitMs: 1000, handlingMs: 600_000, outcome: 'resolved' },
  { id: 'x3', state: 'ended', at: '2025-04-02T02:00:00Z', hall: HALL, topic: 'refund', agent: 'agent2', waitMs: 1000, handlingMs: 600_000, outcome: 'resolved' },
];

/** Issue 19, Done-when: "how many sessions and session hours did hall X serve in March, by topic, and what was the service level", answered and exported in the console. */
describe('the console Reports view in a real browser', () => {
  let t: TestService;
  let b: TestBrowser;
  const downloads = new BrowserDownloads();

  beforeAll(async () => {
    // March 2025 is older than the default retention: its job would delete the sessions
    t = await startTestService({ SESSION_RETENTION_DAYS: '3650', DISPATCH_SERVICE_LEVEL_S: '60' });
    await insertSessions(t.postgres.url, SESSIONS);
    b = await launchBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await t?.stop();
    downloads.remove();
  });

  async function supervisorPage(width: number, height: number, lang: 'zh' | 'en'): Promise<Page> {
    // the browser's own context: downloads are allowed there (Browser.setDownloadBehavior)
    const page = await b.browser.newPage();
    await page.setViewport({ width, height });
    await signInToConsole(page, t.url, 'super1', DEV_PASSWORDS.super1, lang);
    return page;
  }

  /** Fills the form as a supervisor would: March 2025, by month and topic, the hall chosen. */
  async function askMarch(page: Page, tab: string, show: string, tabs = '.dashboard-tabs'): Promise<void> {
    await clickButton(page, tab, tabs);
    // a date input's typing depends on the browser's locale: its value is set as the picker would
    for (const [name, value] of [
      ['from', '2025-03-01'],
      ['to', '2025-03-31'],
    ] as const) {
      await page.evaluate((n, v) => ((document.querySelector(`.report-form input[name="${n}"]`) as HTMLInputElement).value = v), name, value);
    }
    await page.select('.report-form select[name="period"]', 'month');
    await page.select('.report-form select[name="by"]', 'topic');
    // the halls the record has sessions from are offered
    await page.waitForSelector(`.report-form select[name="hall"] option[value="${HALL}"]`);
    await page.select('.report-form select[name="hall"]', HALL);
    await clickButton(page, show, '.report-form');
    await page.waitForSelector('.report-table tbody tr');
  }

  const tableRows = (page: Page) => page.$$eval('.report-table tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  const column = async (page: Page, name: string) => (await page.$$eval('.report-table thead th', (th) => th.map((h) => h.textContent))).indexOf(name);

  it('a supervisor answers the question, reads it by topic, and exports it as CSV and Excel', async () => {
    const page = await supervisorPage(1280, 900, 'zh');
    await askMarch(page, '统计报表', '生成报表');
    // the answer in a sentence: 4 sessions; 0.5 + 0.5 + 1 session hours; 2 of the 3 answered waited at most 60 s
    expect(await page.$eval('.report-summary', (e) => e.textContent)).toBe('4 次会话，服务时长 2 小时，服务水平 66.7%（60 秒内接通）');
    const rows = await tableRows(page);
    const [sessions, hours, level] = [await column(page, '请求数'), await column(page, '服务时长(小时)'), await column(page, '服务水平(%)')];
    expect(rows.map((r) => [r[0], r[1], r[sessions], r[hours], r[level]])).toEqual([
      ['2025-03-01', '发票', '3', '1', '50'],
      ['2025-03-01', '退税', '1', '1', '100'],
      ['合计', '', '4', '2', '66.7'],
    ]);
    expect(await page.$('.report-chart canvas')).not.toBeNull();
    await screenshot(page, 'reports-march-hall-zh');

    await downloads.allow(b);
    await clickButton(page, '导出 CSV', '.report-form');
    const csvName = 'sessions-2025-03-01-2025-03-31-month-topic.csv';
    await page.waitForFunction((name) => document.querySelector('.reports .records-message')?.textContent === `已导出 ${name}`, {}, csvName);
    const csv = await downloads.file(csvName);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toMatch(/^月,业务类别,请求数,接通数,放弃数,/);
    expect(lines.filter(Boolean)).toHaveLength(4);
    // requests, answered, abandoned, cancelled, missed callbacks, then the wait before abandoning and the wait p50
    expect(lines[1]).toMatch(/^2025-03-01,发票,3,2,1,0,0,120,60,/);
    await clickButton(page, '导出 Excel', '.report-form');
    const xlsx = await downloads.file('sessions-2025-03-01-2025-03-31-month-topic.xlsx');
    // a zip (an Office Open XML workbook): the integration test reads its cells back
    expect(xlsx.subarray(0, 2).toString('latin1')).toBe('PK');

    // in English in place: the same report, worded again
    await page.click('button[data-action="language"]');
    await page.waitForFunction(() => document.querySelector('.report-summary')?.textContent?.startsWith('4 sessions, 2 session hours, service level 66.7%'));
    expect((await tableRows(page))[0]!.slice(0, 2)).toEqual(['2025-03-01', 'Invoices']);
    expect(await page.$eval('.reports .records-message', (e) => e.textContent)).toBe('Exported sessions-2025-03-01-2025-03-31-month-topic.xlsx');
    await screenshot(page, 'reports-march-hall-en');
    await page.close();
  });

  it('is usable at phone and kiosk widths, in both languages', async () => {
    for (const [width, height, lang, name] of [
      [375, 812, 'zh', 'phone'],
      [1080, 1920, 'en', 'kiosk'],
    ] as const) {
      const page = await supervisorPage(width, height, lang);
      await askMarch(page, lang === 'zh' ? '统计报表' : 'Reports', lang === 'zh' ? '生成报表' : 'Show report');
      // nothing wider than the screen: no sideways scrolling
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      expect(await page.$eval('.report-summary', (e) => e.textContent)).toContain(lang === 'zh' ? '4 次会话' : '4 sessions');
      await screenshot(page, `reports-${name}-${lang}`);
      await page.close();
    }
  });

  it('administrators have the same view among their tabs', async () => {
    const page = await b.browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await signInToConsole(page, t.url, 'admin1', 'admin1-pass', 'en', '.admin-tabs .pane-tab[data-pane="reports"]');
    await askMarch(page, 'Reports', 'Show report', '.admin-tabs');
    expect(await page.$eval('.report-summary', (e) => e.textContent)).toBe('4 sessions, 2 session hours, service level 66.7% (answered within 60 s)');
    await page.close();
  });

  it('says what is wrong with a range it refuses', async () => {
    const page = await supervisorPage(1280, 900, 'en');
    await clickButton(page, 'Reports', '.dashboard-tabs');
    await page.$eval('.report-form input[name="from"]', (input) => (input.value = '2020-01-01'));
    await page.$eval('.report-form input[name="to"]', (input) => (input.value = '2025-03-31'));
    await clickButton(page, 'Show report', '.report-form');
    await page.waitForFunction(() => document.querySelector('.reports .records-message')?.textContent === 'A report covers at most 400 days: narrow the dates');
    await page.close();
  });
});
