import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from '../harness/browser.js';
import { startTestService, type TestService } from '../harness/service.js';

describe('first session in a real browser', () => {
  let t: TestService;
  let b: TestBrowser;
  beforeAll(async () => {
    t = await startTestService();
    b = await launchBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await t?.stop();
  });

  async function open(path: string): Promise<Page> {
    const page = await b.browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${t.url}${path}`, { waitUntil: 'networkidle0' });
    expect(errors).toEqual([]);
    return page;
  }

  it('demo portal: the page gets a taxpayer token, connects, asks for help, and a router is created for its session', async () => {
    const page = await open('/demo/');
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('#help-view:not([hidden])');
    expect(t.service.pool.roomCount).toBe(0);

    await page.select('#help-form select[name="topic"]', 'invoice');
    await page.click('#help');
    await page.waitForSelector('body[data-media-ready="true"]', { timeout: 20_000 });
    const sessionId = await page.$eval('body', (body) => body.dataset.sessionId ?? '');
    await screenshot(page, 'demo-portal-help-requested');

    expect(t.service.pool.roomCount).toBe(1);
    expect(t.service.pool.getRoom(sessionId)).toBeDefined();
    expect(await t.service.redis.hGet(`sess:${sessionId}`, 'topic')).toBe('invoice');
    expect(await page.$eval('#status', (el) => el.textContent)).toContain('音视频通道已就绪');
    await page.close();
  });

  it('demo portal: a second click reports the open request instead of opening another', async () => {
    const page = await open('/demo/?lang=en');
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('#help-view:not([hidden])');
    await page.click('#help');
    await page.waitForFunction(() => document.querySelector('#status')?.classList.contains('error'));
    expect(await page.$eval('#status', (el) => el.textContent)).toContain('CONFLICT');
    expect(t.service.pool.roomCount).toBe(1);
    await page.close();
  });

  it('agent console: dev login, live socket link, language switch; wrong password is reported', async () => {
    const page = await open('/console/');
    await page.type('input[name="username"]', 'agent1');
    await page.type('input[name="password"]', 'wrong');
    await page.click('button[type="submit"]');
    await page.waitForSelector('.error');
    expect(await page.$eval('.error', (el) => el.textContent)).toBe('用户名或密码错误');

    await page.$eval('input[name="password"]', (el) => ((el as HTMLInputElement).value = ''));
    await page.type('input[name="username"]', 'agent1');
    await page.type('input[name="password"]', 'agent1-pass');
    await page.click('button[type="submit"]');
    await page.waitForSelector('.link.up');
    expect(await page.$eval('.who', (el) => el.textContent)).toContain('王敏 Wang Min');
    expect(await t.service.app.io.fetchSockets()).toHaveLength(1);
    await screenshot(page, 'console-signed-in-zh');

    await page.click('button[data-action="language"]');
    await page.waitForFunction(() => document.querySelector('.link.up')?.textContent === 'Realtime link established');
    await screenshot(page, 'console-signed-in-en');
    await page.close();
  });
});
