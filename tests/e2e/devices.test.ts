import { describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { ADMIN_PASSWORD, deviceToken } from '../harness/kiosk-device.js';
import { signInAtPortal } from '../harness/portal-page.js';
import { DEV_PASSWORDS, type TestService } from '../harness/service.js';
import { connectSocket, requestOk } from '../harness/socket.js';
import { outboxDrained } from '../harness/records.js';
import { withServiceAndBrowser } from '../harness/suite.js';
import type { CatalogAdminView } from '@etax-assist/protocol';

/** Fills a console form's fields by name and submits it. */
async function submitForm(page: Page, form: string, values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    const selector = `form[data-form="${form}"] [name="${name}"]`;
    if ((await page.$eval(selector, (e) => e.tagName)) === 'SELECT') await page.select(selector, value);
    else await page.type(selector, value);
  }
  await page.click(`form[data-form="${form}"] button[type="submit"]`);
}

describe('halls and kiosks in the console, and a kiosk request under its hall', () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)));

  it('an administrator adds a hall and registers a kiosk (its credential shown once); its request shows under that hall', async () => {
    const admin = await b.browser.newPage();
    await admin.setViewport({ width: 1280, height: 800 });
    // an administrator has no realtime link to wait for: the view is the sign that the sign-in took
    await admin.goto(`${t.url}/console/`, { waitUntil: 'networkidle0' });
    await admin.type('input[name="username"]', 'admin1');
    await admin.type('input[name="password"]', ADMIN_PASSWORD);
    await admin.click('button[type="submit"]');
    // the administrator's tabs: halls and kiosks beside the catalog
    await admin.waitForSelector('.admin-tabs .pane-tab[data-pane="devices"]');
    await admin.click('.admin-tabs .pane-tab[data-pane="devices"]');
    await admin.waitForSelector('.devices .kiosks-table');
    expect(await admin.$('.link')).toBeNull();
    // the demo kiosk is there from the start, in its hall
    expect(await admin.$eval('tr[data-kiosk="K-01"]', (r) => r.textContent)).toContain('浦东新区办税服务厅');

    await submitForm(admin, 'hall', { id: 'xuhui', nameZh: '徐汇区办税服务厅', nameEn: 'Xuhui tax service hall', address: '漕溪北路', region: '徐汇区' });
    await admin.waitForSelector('tr[data-hall="xuhui"]');
    await submitForm(admin, 'kiosk', { id: 'XH-07', hallId: 'xuhui', location: '二楼东侧' });
    await admin.waitForSelector('.devices-credential:not([hidden]) .credential');
    const credential = await admin.$eval('.devices-credential .credential', (e) => e.textContent ?? '');
    expect(credential).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await admin.$eval('tr[data-kiosk="XH-07"]', (r) => r.textContent)).toContain('徐汇区办税服务厅');
    await screenshot(admin, 'devices-admin-desktop-zh');

    await admin.click('button[data-action="language"]');
    await admin.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await admin.$eval('tr[data-kiosk="XH-07"]', (r) => r.textContent)).toContain('Xuhui tax service hall');
    expect(await admin.$eval('.devices-credential', (e) => e.textContent)).toContain('Shown this once');
    expect(await admin.$eval('.pane-tab[data-pane="devices"]', (e) => e.textContent)).toBe('Halls and kiosks');
    await admin.setViewport({ width: 375, height: 812 });
    await screenshot(admin, 'devices-admin-phone-en');
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await admin.setViewport({ width: 1920, height: 1080 });
    await screenshot(admin, 'devices-admin-kiosk-width-en');
    // dismissed, the credential is gone from the page for good
    await clickButton(admin, 'Saved it, close');
    expect(await admin.$eval('.devices-credential', (e) => (e as HTMLElement).hidden && e.textContent === '')).toBe(true);

    // the kiosk exchanges its credential and asks; the supervisor sees it under its hall
    const askAtXh07 = async (sub: string) => {
      const socket = await connectSocket(t.url, t.taxpayerToken({ sub }));
      const device = await deviceToken(t.url, 'XH-07', credential);
      return { socket, session: await requestOk(socket, 'help:request', { language: 'zh', topic: 'refund', channel: 'video', entry: { kind: 'kiosk', device } }) };
    };
    const { socket: taxpayer, session: first } = await askAtXh07('tp-xh');
    const supervisor = await b.browser.newPage();
    await supervisor.setViewport({ width: 1280, height: 800 });
    await signInToConsole(supervisor, t.url, 'super1', DEV_PASSWORDS.super1);
    await supervisor.waitForFunction(
      () => [...document.querySelectorAll('.dashboard tr')].some((r) => r.textContent?.includes('徐汇区办税服务厅') && r.textContent.includes('XH-07')),
      {
        timeout: 10_000,
      },
    );
    await screenshot(supervisor, 'devices-dashboard-hall');

    // the hall edited in the console: going out of service is refused while XH-07 stands in it, and says why
    await admin.bringToFront();
    await clickButton(admin, 'Edit', 'tr[data-hall="xuhui"]');
    await admin.waitForSelector('form[data-form="hall-edit"]');
    await admin.click('form[data-form="hall-edit"] input[name="active"]');
    await admin.click('form[data-form="hall-edit"] button[type="submit"]');
    await admin.waitForFunction(() => document.querySelector('.devices-message')?.textContent?.includes('Active kiosks still stand in this hall (XH-07)'));
    await screenshot(admin, 'devices-hall-in-use-kiosk-width-en');
    await admin.setViewport({ width: 375, height: 812 });
    await screenshot(admin, 'devices-hall-editor-phone-en');
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await admin.setViewport({ width: 1280, height: 800 });
    // renamed (and kept in service): the table, and the supervisor's open dashboard, name it anew without a reload
    await admin.click('form[data-form="hall-edit"] input[name="active"]');
    await admin.$eval('form[data-form="hall-edit"] input[name="nameZh"]', (e) => (e.value = ''));
    await admin.type('form[data-form="hall-edit"] input[name="nameZh"]', '徐汇区税务服务大厅');
    await admin.click('form[data-form="hall-edit"] button[type="submit"]');
    await admin.waitForFunction(() => document.querySelector('tr[data-hall="xuhui"]')?.textContent?.includes('徐汇区税务服务大厅'));
    expect(await admin.$('form[data-form="hall-edit"]')).toBeNull();
    // (a tab in the background is frozen: each page is looked at in front)
    await supervisor.bringToFront();
    await supervisor.waitForFunction(
      () => [...document.querySelectorAll('.dashboard tr')].some((r) => r.textContent?.includes('徐汇区税务服务大厅') && r.textContent.includes('XH-07')),
      { timeout: 10_000 },
    );
    await supervisor.click('button[data-action="language"]');
    await supervisor.waitForFunction(() =>
      [...document.querySelectorAll('.dashboard tr')].some((r) => r.textContent?.includes('Xuhui tax service hall') && r.textContent.includes('XH-07')),
    );
    await screenshot(supervisor, 'devices-dashboard-hall-en');

    // the kiosk moved to the Pudong hall and another place: its next request is Pudong's
    await admin.bringToFront();
    await clickButton(admin, 'Edit', 'tr[data-kiosk="XH-07"]');
    await admin.waitForSelector('form[data-form="kiosk-edit"]');
    await admin.select('form[data-form="kiosk-edit"] select[name="hallId"]', 'pudong');
    await admin.$eval('form[data-form="kiosk-edit"] input[name="location"]', (e) => (e.value = ''));
    await admin.type('form[data-form="kiosk-edit"] input[name="location"]', '一楼入口');
    await screenshot(admin, 'devices-kiosk-editor-desktop-en');
    await admin.click('form[data-form="kiosk-edit"] button[type="submit"]');
    await admin.waitForFunction(() => document.querySelector('tr[data-kiosk="XH-07"]')?.textContent?.includes('Pudong tax service hall'));
    expect(await admin.$eval('tr[data-kiosk="XH-07"]', (r) => r.textContent)).toContain('一楼入口');
    const { socket: moved, session: second } = await askAtXh07('tp-xh-moved');
    expect(JSON.parse((await t.service.redis.hGet(`sess:${second.sessionId}`, 'entry')) ?? '{}')).toEqual({ kind: 'kiosk', kioskId: 'XH-07', hallId: 'pudong' });
    // every change in the latest changes, with who made it
    const history = await admin.$eval('.devices-history', (e) => e.textContent ?? '');
    for (const line of [
      'Kiosk XH-07 moved',
      'Hall: Xuhui tax service hall → Pudong tax service hall',
      'Hall xuhui changed',
      '徐汇区办税服务厅 → 徐汇区税务服务大厅',
      'Kiosk XH-07 registered',
    ])
      expect(history).toContain(line);
    expect(history).toContain('admin1');

    // disabled in the console, the kiosk's credential no longer buys a device token
    await admin.bringToFront();
    admin.on('dialog', (dialog) => void dialog.accept());
    await clickButton(admin, 'Disable', 'tr[data-kiosk="XH-07"]');
    await admin.waitForFunction(() => document.querySelector('tr[data-kiosk="XH-07"]')?.classList.contains('disabled'));
    await expect(deviceToken(t.url, 'XH-07', credential)).rejects.toThrow(/401/);
    // nothing left waiting for the next test's agent
    await requestOk(taxpayer, 'help:cancel', { sessionId: first.sessionId });
    await requestOk(moved, 'help:cancel', { sessionId: second.sessionId });
    moved.close();
    taxpayer.close();

    // the record keeps the hall by id: the supervisor's Records, filtered by hall, name it in the viewer's language
    await outboxDrained(t.redis.url);
    await supervisor.bringToFront();
    await clickButton(supervisor, 'Records', '.dashboard-tabs');
    await supervisor.select('.records-search select[name="hall"]', 'pudong');
    await clickButton(supervisor, 'Search', '.records-search');
    const row = `.records-table tr[data-session-id="${second.sessionId}"]`;
    await supervisor.waitForSelector(row);
    expect(await supervisor.$(`.records-table tr[data-session-id="${first.sessionId}"]`)).toBeNull();
    expect(await supervisor.$eval(row, (r) => r.textContent)).toContain('Pudong tax service hall · kiosk XH-07');
    await supervisor.click('button[data-action="language"]');
    await supervisor.waitForFunction((selector) => document.querySelector(selector)?.textContent?.includes('浦东新区办税服务厅 · 自助终端 XH-07'), {}, row);
    await screenshot(supervisor, 'devices-records-by-hall-zh');
    await Promise.all([admin.close(), supervisor.close()]);
  });

  it('an open console shows a newly published outcome in its wrap-up without a reload, keeping what the agent chose and wrote', async () => {
    const agent = await (await b.browser.createBrowserContext()).newPage();
    await agent.setViewport({ width: 1280, height: 800 });
    await signInToConsole(agent, t.url, 'agent1', DEV_PASSWORDS.agent1);
    await agent.select('.status-select', 'available');
    const taxpayer = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-wrap-up' }));
    const asked = await requestOk(taxpayer, 'help:request', { language: 'zh', topic: 'invoice', channel: 'text', entry: { kind: 'portal', page: '/declare' } });
    await (await agent.waitForSelector('.offer button.primary', { timeout: 10_000 }))!.click();
    await agent.waitForSelector(`.session-panel[data-session-id="${asked.sessionId}"]`);
    await clickButton(agent, '结束会话', '.actions');
    await agent.waitForSelector('form.wrap-up');
    const outcomes = await agent.$$eval('form.wrap-up select[name="outcome"] option', (os) => os.map((o) => o.value));
    expect(outcomes).not.toContain('visit-hall');
    const chosen = outcomes[1]!;
    await agent.select('form.wrap-up select[name="outcome"]', chosen);
    await agent.type('form.wrap-up textarea[name="notes"]', '已告知所需材料');

    // an administrator publishes a new outcome meanwhile (the API, as the catalog view does)
    const headers = { authorization: `Bearer ${await t.staffToken('admin1', ADMIN_PASSWORD)}`, 'content-type': 'application/json' };
    const { current } = (await (await fetch(`${t.url}/api/admin/catalog`, { headers })).json()) as CatalogAdminView;
    const { version, ...content } = current;
    const outcome = { id: 'visit-hall', label: { zh: '请到大厅办理', en: 'Visit a hall' } };
    const published = await fetch(`${t.url}/api/admin/catalog/versions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ baseVersion: version, catalog: { ...content, outcomes: [...content.outcomes, outcome] } }),
    });
    expect(published.status).toBe(201);

    await agent.waitForFunction(
      () =>
        [...document.querySelectorAll('form.wrap-up select[name="outcome"] option')].some(
          (o) => (o as HTMLOptionElement).value === 'visit-hall' && o.textContent === '请到大厅办理',
        ),
      { timeout: 10_000 },
    );
    expect(await agent.$eval('form.wrap-up select[name="outcome"]', (e) => e.value)).toBe(chosen);
    expect(await agent.$eval('form.wrap-up textarea[name="notes"]', (e) => e.value)).toBe('已告知所需材料');
    await screenshot(agent, 'live-catalog-wrap-up-zh');
    await agent.click('button[data-action="language"]');
    await agent.waitForFunction(() => document.querySelector('form.wrap-up select[name="outcome"] option[value="visit-hall"]')?.textContent === 'Visit a hall');
    await agent.select('form.wrap-up select[name="outcome"]', 'visit-hall');
    await agent.click('form.wrap-up button[type="submit"]');
    await agent.waitForFunction(() => !document.querySelector('.session-panel'));
    expect(await t.service.redis.hGet(`sess:${asked.sessionId}`, 'outcome')).toBe('visit-hall');
    taxpayer.close();
    await agent.close();
  });

  it('a web page posing as a kiosk (a made-up device token) is refused, and the widget says why', async () => {
    const page = await b.browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    // the page claims kiosk mode and forges what a kiosk would have from the service
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.url().endsWith('/api/devices/token')) {
        void request.respond({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({ token: 'forged.device.token', expiresAt: new Date().toISOString(), kioskId: 'K-01', hallId: 'pudong' }),
        });
      } else void request.continue();
    });
    await page.goto(`${t.url}/demo/?kiosk=1`, { waitUntil: 'networkidle0' });
    await signInAtPortal(page);
    await page.evaluate(() => {
      const ui = (window as any).helpWidget.ui as ShadowRoot;
      (ui.querySelector('.launcher') as HTMLButtonElement).click();
      (ui.querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click();
    });
    await page.waitForFunction(() => ((window as any).helpWidget.ui as ShadowRoot).textContent?.includes('不是已登记的自助办税终端'), { timeout: 10_000 });
    await screenshot(page, 'widget-kiosk-claim-refused');
    expect((await t.service.redis.keys('taxpayer:*:active')).filter((key) => key.startsWith('taxpayer:demo-'))).toEqual([]);
    await page.close();
  });
});
