import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { withServiceAndBrowser } from '../harness/suite.js';
import { CLUSTER_SECRETS, type TestService } from '../harness/service.js';

describe('the help widget when the portal sign-in ends (real Chromium)', () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)), CLUSTER_SECRETS);

  it('says the sign-in ended, instead of "reconnecting" for ever, once the portal signs the taxpayer out', async () => {
    // a portal token with a jti, so that the portal can revoke it
    const token = jwt.sign({ sub: 'tp-signed-out', role: 'taxpayer', name: '孙丽' }, CLUSTER_SECRETS.PORTAL_JWT_SECRET, {
      algorithm: 'HS256',
      issuer: 'etax-portal',
      audience: 'etax-assist',
      expiresIn: 600,
      jwtid: 'portal-session-1',
    });
    const page = await b.browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    await page.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
    await page.evaluate(async (tokenInPage) => {
      const w = window as any;
      w.testWidget = await w.EtaxAssist.HelpWidget.mount({ fetchToken: async () => tokenInPage, lang: 'zh' });
      const ui = w.testWidget.ui as ShadowRoot;
      (ui.querySelector('.launcher') as HTMLButtonElement).click();
      (ui.querySelector('select[name="topic"]') as HTMLSelectElement).value = 'invoice';
      (ui.querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click();
    }, token);
    await page.waitForFunction(() => (window as any).testWidget.view === 'waiting');

    const signedOut = await fetch(`${t.url}/api/auth/sign-out`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(signedOut.status).toBe(204);
    const panelText = () => page.evaluate(() => ((window as any).testWidget.ui as ShadowRoot).querySelector('.panel')?.textContent ?? '');
    await page.waitForFunction(() => ((window as any).testWidget.ui as ShadowRoot).querySelector('.panel')?.textContent?.includes('门户登录已结束'), { timeout: 10_000 });
    expect(await panelText()).not.toContain('正在重新连接');
    await screenshot(page, 'widget-signed-out');
    await page.close();
  });
});
