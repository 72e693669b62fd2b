import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { outboxDrained, query } from '../harness/records.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession } from '../harness/session.js';
import { connectSocket, requestOk } from '../harness/socket.js';

/** Issue 17, item 6: a supervisor searches the record in the console, opens a session and reads its audit trail and chat. */
describe('the console Records view in a real browser', () => {
  let t: TestService;
  let b: TestBrowser;
  let sessionId: string;
  beforeAll(async () => {
    t = await startTestService({ ARCHIVE_BLOCK_MS: '100' });
    b = await launchBrowser();
    // a session served over chat and wrapped up: in the record through the outbox
    const s = await activeSession(t, 'tp-records', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text', 'refund');
    sessionId = s.sessionId;
    await requestOk(s.taxpayer.socket, 'chat:send', { sessionId, text: '<b>退税</b>进度怎么查？' });
    await requestOk(s.agent.socket, 'chat:send', { sessionId, text: '在“我的退税”里查看' });
    await requestOk(s.agent.socket, 'session:end', { sessionId });
    await requestOk(s.agent.socket, 'session:wrap-up', { sessionId, notes: '已告知查询路径', outcome: 'resolved' });
    for (const socket of [s.agent.socket, s.taxpayer.socket]) socket.close();
    await outboxDrained(t.redis.url);
  });
  afterAll(async () => {
    await b?.close();
    await t?.stop();
  });

  async function supervisorPage(width: number, height: number, lang: 'zh' | 'en'): Promise<Page> {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width, height });
    await signInToConsole(page, t.url, 'super1', DEV_PASSWORDS.super1, lang);
    return page;
  }

  /** Searches by the taxpayer's tax id over the form's default dates (the last week), and opens the one result. */
  async function searchAndOpen(page: Page, tab: string, search: string, open: string): Promise<void> {
    await clickButton(page, tab, '.dashboard-tabs');
    await page.type('.records-search input[name="taxpayer"]', '91310000MA1K000001');
    await clickButton(page, search, '.records-search');
    await page.waitForSelector(`.records-table tr[data-session-id="${sessionId}"]`);
    // who served it by the staff directory's name, the sub on hover
    expect(await page.$eval(`.records-table tr[data-session-id="${sessionId}"] .staff-name`, (e) => [e.textContent, e.getAttribute('title')])).toEqual(['王敏 Wang Min', 'agent1']);
    await clickButton(page, open, '.records-table');
    await page.waitForSelector('.record-detail .audit-trail');
  }

  it('a supervisor searches, opens the session, and sees its facts, audit trail and chat; the opening is in the trail', async () => {
    const page = await supervisorPage(1280, 900, 'zh');
    await searchAndOpen(page, '会话档案', '查询', '档案');
    const detail = await page.$eval('.record-detail', (e) => e.textContent ?? '');
    for (const fact of ['张伟', '91310000MA1K000001', '示例公司', '网厅页面 /', '已解决', '已告知查询路径', '王敏 Wang Min', 'agent1']) expect(detail).toContain(fact);
    const trail = await page.$$eval('.audit-trail tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => td.textContent)));
    expect(trail).toContainEqual(['纳税人 tp-records', expect.stringContaining('状态变为“排队中”')]);
    // staff by name, then the sub the trail keeps
    expect(trail).toContainEqual(['坐席 王敏 Wang Min (agent1)', expect.stringContaining('状态变为“已结束”')]);
    // the search listed it before it was opened: that is in its trail already
    expect(trail).toContainEqual(['班长 刘芳 Liu Fang (super1)', '在档案查询结果中列出']);
    // the taxpayer's words stay text
    expect(await page.$$eval('.record-chat .text', (m) => m.map((e) => e.textContent))).toEqual(['<b>退税</b>进度怎么查？', '在“我的退税”里查看']);
    expect(await page.$('.record-chat b')).toBeNull();
    await screenshot(page, 'records-detail-zh');
    const viewed = await query<{ actor_id: string }>(t.postgres.url, "SELECT actor_id FROM session_events WHERE session_id = $1 AND kind = 'record-viewed'", [sessionId]);
    expect(viewed.map((v) => v.actor_id)).toEqual(['super1']);

    // switched to English in place: the trail is worded again
    await page.click('button[data-action="language"]');
    await page.waitForFunction(() => document.querySelector('.audit-trail')?.textContent?.includes('State: ended'));
    expect(await page.$eval('.record-detail', (e) => e.textContent)).toContain('Listed in a records search');
    await screenshot(page, 'records-detail-en');

    // the replay opens from the record
    await clickButton(page, 'Replay', '.record-detail');
    await page.waitForSelector('.replay');
  });

  it('is usable at phone and kiosk widths, in both languages', async () => {
    for (const [width, height, lang, name] of [
      [375, 812, 'zh', 'phone'],
      [1080, 1920, 'en', 'kiosk'],
    ] as const) {
      const page = await supervisorPage(width, height, lang);
      await searchAndOpen(page, lang === 'zh' ? '会话档案' : 'Records', lang === 'zh' ? '查询' : 'Search', lang === 'zh' ? '档案' : 'Record');
      // nothing wider than the screen: no sideways scrolling
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      // every row worded, the first test's replay among them: none shown as a raw kind and its fields
      const what = await page.$$eval('.audit-trail tbody tr td:last-child', (cells) => cells.map((c) => c.textContent ?? ''));
      expect(what).toContainEqual(lang === 'zh' ? expect.stringContaining('回放录像') : expect.stringContaining('Replayed the recording'));
      expect(what.filter((text) => /^[a-z-]+[:：]\s?\{/.test(text))).toEqual([]);
      await screenshot(page, `records-detail-${name}-${lang}`);
      await page.close();
    }
  });

  it("the dashboard's recently ended list opens a session's record", async () => {
    const page = await supervisorPage(1280, 900, 'en');
    await page.waitForFunction((id) => [...document.querySelectorAll('.dashboard td')].some((td) => td.textContent === '张伟') && id, {}, sessionId);
    await clickButton(page, 'Record', '.dashboard');
    await page.waitForSelector('.record-detail .audit-trail');
    expect(await page.$eval('.record-detail', (e) => e.textContent)).toContain(sessionId);
    await screenshot(page, 'records-from-recent');
  });

  it('the agent serving the taxpayer again pages their earlier sessions, read from the record', async () => {
    // 25 older sessions of the same taxpayer, up to the retention's age: more than one page (20)
    await query(
      t.postgres.url,
      `INSERT INTO sessions (id, state, created_at, ended_at, taxpayer_sub, entry_kind, entry_page, topic, language, channel, priority, agent, agents, outcome, notes)
       SELECT 'older-' || i, 'ended', now() - i * interval '6 days', now() - i * interval '6 days' + interval '9 minutes', 'tp-records', 'portal', '/',
              'invoice', 'zh', 'text', 'normal', 'agent2', ARRAY['agent2'], 'resolved', '第 ' || i || ' 次'
       FROM generate_series(1, 25) AS i`,
    );
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await signInToConsole(page, t.url, 'agent1', DEV_PASSWORDS.agent1, 'zh');
    await page.select('.status-select', 'available');
    const again = await activeSessionOfConsole(page);
    await page.click(`.session-panel[data-session-id="${again}"] .pane-tab[data-pane="history"]`);
    await page.waitForFunction(() => document.querySelectorAll('.history li').length === 20);
    // newest first: the session wrapped up above, then the older ones
    expect(await page.$eval('.history li', (li) => li.textContent)).toContain('已告知查询路径');
    await clickButton(page, '更早的会话', '.session-panel');
    await page.waitForFunction(() => document.querySelectorAll('.history li').length === 26);
    expect(await page.$eval('.history li:last-child', (li) => li.textContent)).toContain('第 25 次');
    expect(await page.$eval('.history-more', (b) => (b as HTMLElement).hidden)).toBe(true);
    await screenshot(page, 'records-agent-history');
    const viewed = await query<{ actor_id: string }>(t.postgres.url, "SELECT actor_id FROM session_events WHERE session_id = $1 AND kind = 'history-viewed'", [again]);
    expect(viewed.map((v) => v.actor_id)).toEqual(['agent1', 'agent1']);
  });

  /** The taxpayer asks again and the agent accepts in the console: the new session's id. */
  async function activeSessionOfConsole(page: Page): Promise<string> {
    await page.waitForFunction(() => document.querySelector('.load')?.textContent?.includes('0/5'));
    const taxpayer = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-records' }));
    const { sessionId: id } = await requestOk(taxpayer, 'help:request', { language: 'zh', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: '/' } });
    await page.waitForSelector('.offer button.primary');
    await page.click('.offer button.primary');
    await page.waitForSelector(`.session-panel[data-session-id="${id}"]`);
    return id;
  }
});
