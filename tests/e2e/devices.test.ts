import { describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { ADMIN_PASSWORD, deviceToken } from '../harness/kiosk-device.js';
import { signInAtPortal } from '../harness/portal-page.js';
import { DEV_PASSWORDS, type TestService } from '../harness/service.js';
import { connectSocket, requestOk } from '../harness/socket.js';
import { withServiceAndBrowser } from '../harness/suite.js';

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
    const taxpayer = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-xh' }));
    await requestOk(taxpayer, 'help:request', {
      language: 'zh',
      topic: 'refund',
      channel: 'video',
      entry: { kind: 'kiosk', device: await deviceToken(t.url, 'XH-07', credential) },
    });
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

    // disabled in the console, the kiosk's credential no longer buys a device token
    await admin.bringToFront();
    admin.on('dialog', (dialog) => void dialog.accept());
    await clickButton(admin, 'Disable', 'tr[data-kiosk="XH-07"]');
    await admin.waitForFunction(() => document.querySelector('tr[data-kiosk="XH-07"]')?.classList.contains('disabled'));
    await expect(deviceToken(t.url, 'XH-07', credential)).rejects.toThrow(/401/);
    taxpayer.close();
    await Promise.all([admin.close(), supervisor.close()]);
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
