import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { withServiceAndBrowser } from '../harness/suite.js';
import { DEV_PASSWORDS, type TestService } from '../harness/service.js';
import { request } from '../harness/socket.js';
import { agentTakesNextOffer } from '../harness/session.js';
import { widgetSessionId } from '../harness/portal-page.js';

describe('first session in a real browser', () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)));

  async function open(path: string): Promise<Page> {
    const page = await b.browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${t.url}${path}`, { waitUntil: 'networkidle0' });
    expect(errors).toEqual([]);
    return page;
  }

  it('demo portal: sign-in mints a taxpayer token, the help widget asks for help, an agent accepts, and a router is created for the call', async () => {
    const page = await open('/demo/');
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('#home-view:not([hidden])');
    await page.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher'));
    expect(t.service.pool.roomCount).toBe(0);

    await page.evaluate(() => ((window as any).helpWidget.ui.querySelector('.launcher') as HTMLButtonElement).click());
    await page.evaluate(() => {
      const ui = (window as any).helpWidget.ui as ShadowRoot;
      (ui.querySelector('select[name="topic"]') as HTMLSelectElement).value = 'invoice';
      (ui.querySelector('button[data-channel="voice"]') as HTMLButtonElement).click();
      (ui.querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click();
    });
    await page.waitForFunction(() => (window as any).helpWidget.view === 'waiting');
    // no agent is signed in yet: the widget says so rather than "you are next"
    expect(await page.evaluate(() => (window as any).helpWidget.ui.querySelector('.status strong')?.textContent)).toBe('目前没有坐席值班');
    await screenshot(page, 'demo-portal-widget-waiting');
    const sessionId = await widgetSessionId(page);
    expect(await t.service.redis.hGet(`sess:${sessionId}`, 'topic')).toBe('invoice');

    const agent = await agentTakesNextOffer(t);
    await page.waitForFunction(() => (window as any).helpWidget.view === 'session');
    // chat both ways through the widget
    await request(agent, 'chat:send', { sessionId, text: '您好，我是王敏，请问需要什么帮助？' });
    await page.waitForFunction(() => (window as any).helpWidget.ui.querySelector('.messages')?.textContent?.includes('请问需要什么帮助'));
    const reply = new Promise<{ text: string }>((resolve) => agent.on('chat:message', (m: { text: string; from: { role: string } }) => m.from.role === 'taxpayer' && resolve(m)));
    await page.evaluate(() => {
      const ui = (window as any).helpWidget.ui as ShadowRoot;
      (ui.querySelector('.chat-form input') as HTMLInputElement).value = '我想开发票';
      (ui.querySelector('.chat-form button[type="submit"]') as HTMLButtonElement).click();
    });
    expect((await reply).text).toBe('我想开发票');
    // the taxpayer sends the page they are on: masked exactly like the mirror (the sign-in form,
    // still in the page, holds the taxpayer ID)
    const shot = new Promise<{ attachment?: { id: string; type: string } }>((resolve) =>
      agent.on('chat:message', (m: { attachment?: { id: string; type: string } }) => m.attachment && resolve(m)),
    );
    await page.evaluate(() => ((window as any).helpWidget.ui.querySelector('button[data-action="page-snapshot"]') as HTMLButtonElement).click());
    const attachment = (await shot).attachment!;
    expect(attachment.type).toBe('application/vnd.etax.page-snapshot+json');
    const snapshotJson = await (
      await fetch(`${t.url}/api/sessions/${sessionId}/attachments/${attachment.id}`, { headers: { authorization: `Bearer ${await t.staffToken('agent1', DEV_PASSWORDS.agent1)}` } })
    ).text();
    expect(snapshotJson).toContain('欢迎');
    expect(snapshotJson).not.toContain('91310000MA1K000001');
    // the voice call joins the session's media room: one router for this session
    await expect.poll(() => t.service.pool.getRoom(sessionId ?? '') !== undefined, { timeout: 15_000 }).toBe(true);
    expect(t.service.pool.roomCount).toBe(1);
    await screenshot(page, 'demo-portal-widget-session');
    agent.close();
    await page.close();
  });

  it('demo portal: a reload resumes the same session instead of opening another', async () => {
    const page = await open('/demo/');
    await page.$eval('#login-form input[name="name"]', (el) => (el.value = '李四'));
    await page.click('#login-form button[type="submit"]');
    await page.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher'));
    await page.evaluate(() => ((window as any).helpWidget.ui.querySelector('.launcher') as HTMLButtonElement).click());
    await page.evaluate(() => ((window as any).helpWidget.ui.querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click());
    await page.waitForFunction(() => (window as any).helpWidget.view === 'waiting');
    const before = await page.evaluate(() => sessionStorage.getItem('etax-assist:session'));
    await page.reload({ waitUntil: 'networkidle0' });
    await page.waitForFunction(() => (window as any).helpWidget?.view === 'waiting');
    expect(await page.evaluate(() => sessionStorage.getItem('etax-assist:session'))).toBe(before);
    await page.evaluate(() =>
      ([...(window as any).helpWidget.ui.querySelectorAll('button')].find((b: HTMLButtonElement) => b.textContent === '取消求助') as HTMLButtonElement).click(),
    );
    await page.waitForFunction(() => (window as any).helpWidget.view === 'closed');
    expect(await t.service.redis.hGet(`sess:${before}`, 'state')).toBe('cancelled');
    await page.close();
  });

  it('demo portal: cancel, then ask again (twice): each new request is shown waiting, with the channel chosen before', async () => {
    const page = await open('/demo/');
    await page.$eval('#login-form input[name="name"]', (el) => (el.value = '赵六'));
    await page.click('#login-form button[type="submit"]');
    await page.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher'));
    await page.evaluate(() => {
      const root = (window as any).helpWidget.ui as ShadowRoot;
      (root.querySelector('.launcher') as HTMLButtonElement).click();
      (root.querySelector('button[data-channel="text"]') as HTMLButtonElement).click();
    });
    const asked: string[] = [];
    for (let round = 0; round < 3; round++) {
      if (round > 0) {
        await page.evaluate(() => ((window as any).helpWidget.ui.querySelector('.launcher') as HTMLButtonElement).click());
        await page.waitForFunction(() => (window as any).helpWidget.view === 'pick');
        // the visitor's earlier choice is kept
        expect(await page.evaluate(() => (window as any).helpWidget.ui.querySelector('button[data-channel="text"]').getAttribute('aria-pressed'))).toBe('true');
      }
      await page.evaluate(() => ((window as any).helpWidget.ui.querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click());
      await page.waitForFunction(() => (window as any).helpWidget.view === 'waiting', { timeout: 10_000 });
      const id = (await page.evaluate(() => sessionStorage.getItem('etax-assist:session'))) ?? '';
      expect(asked).not.toContain(id);
      asked.push(id);
      expect(await t.service.redis.hGet(`sess:${id}`, 'state')).toBe('queued');
      expect(await t.service.redis.hGet(`sess:${id}`, 'channel')).toBe('text');
      await page.evaluate(() =>
        ([...(window as any).helpWidget.ui.querySelectorAll('button')].find((b: HTMLButtonElement) => b.textContent === '取消求助') as HTMLButtonElement).click(),
      );
      await page.waitForFunction(() => (window as any).helpWidget.view === 'closed');
      await expect.poll(() => t.service.redis.hGet(`sess:${id}`, 'state')).toBe('cancelled');
    }
    await page.close();
  });

  it('agent console: dev login, live socket link, language switch; wrong password is reported', async () => {
    const page = await open('/console/');
    await page.type('input[name="username"]', 'agent1');
    await page.type('input[name="password"]', 'wrong');
    await page.click('button[type="submit"]');
    await page.waitForSelector('.error');
    expect(await page.$eval('.error', (el) => el.textContent)).toBe('用户名或密码错误');

    await page.$eval('input[name="password"]', (el) => (el.value = ''));
    await page.type('input[name="username"]', 'agent1');
    await page.type('input[name="password"]', 'agent1-pass');
    await page.click('button[type="submit"]');
    await page.waitForSelector('.link.up');
    expect(await page.$eval('.who', (el) => el.textContent)).toContain('王敏 Wang Min');
    const sockets = await t.service.app.io.fetchSockets();
    expect(sockets.filter((socket) => socket.data.principal.sub === 'agent1' && socket.data.principal.role === 'agent')).toHaveLength(1);
    await screenshot(page, 'console-signed-in-zh');

    await page.click('button[data-action="language"]');
    await page.waitForFunction(() => document.querySelector('.link.up')?.textContent === 'Realtime link established');
    await screenshot(page, 'console-signed-in-en');
    await page.close();
  });
});
