import type { Page } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { LoginResponse, SessionSummary } from '@etax-assist/protocol';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton } from '../harness/console-page.js';
import { EventLog } from '../harness/events.js';
import { signInThroughProvider, type TestOidcProvider } from '../harness/oidc-provider.js';
import { askThroughWidget, signInAtPortal, widgetSessionId } from '../harness/portal-page.js';
import type { TestService } from '../harness/service.js';
import { connectSocket, requestOk, type TestSocket } from '../harness/socket.js';
import { withProviderServiceAndBrowser } from '../harness/suite.js';

const ACCOUNTS = {
  'wang.min': { name: '王敏 Wang Min', groups: ['etax-agents'], languages: ['zh', 'en'], topics: ['invoice'] },
  'sun.hao': { name: '孙浩 Sun Hao', groups: ['etax-agents'], languages: ['zh'], topics: ['refund'] },
  'li.na': { name: '李娜 Li Na', groups: ['etax-agents'], languages: ['zh'], topics: ['refund'] },
  'chen.jie': { name: '陈杰 Chen Jie', groups: ['etax-agents'], languages: ['zh'], topics: ['invoice'] },
  'zhou.admin': { name: '周慧 Zhou Hui', groups: ['etax-admins'] },
};
/** Short-lived service tokens: every test runs across several renewals. */
const TOKEN_TTL_S = 10;

/** Issue 18's Done-when as one path, through the real identity provider, the Staff view and the demo portal's widget. */
describe('a staff member signs in through the provider, is given a skill, serves a taxpayer with it and signs out', () => {
  let t: TestService;
  let op: TestOidcProvider;
  let b: TestBrowser;
  const sockets: TestSocket[] = [];
  withProviderServiceAndBrowser(ACCOUNTS, TOKEN_TTL_S, (service, provider, browser) => ((t = service), (op = provider), (b = browser)));
  afterAll(() => {
    for (const socket of sockets) socket.close();
  });

  /** A browser context of its own (another person's machine), signed in through the provider as `username`. */
  async function staffPage(username: string, width = 1280): Promise<Page> {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width, height: 900 });
    await signInThroughProvider(page, t.url, op, username, username === 'zhou.admin' ? '.staff-table' : '.link.up');
    return page;
  }
  const row = (sub: string) => `.staff-table tr[data-sub="${sub}"]`;
  /** The administrator edits `sub` in the Staff view: `change` acts on the open form, then it is saved. */
  async function editMember(admin: Page, sub: string, change: () => Promise<void>): Promise<void> {
    await clickButton(admin, 'Edit', row(sub));
    await admin.waitForSelector('.staff-form');
    await change();
    await clickButton(admin, 'Save', '.staff-form');
    await admin.waitForFunction(() => document.querySelector('.staff-history li')?.textContent?.includes('changed'));
  }
  const taxpayer = async (sub: string, name: string) => {
    const socket = await connectSocket(t.url, t.taxpayerToken({ sub, name }));
    sockets.push(socket);
    return { socket, log: new EventLog(socket) };
  };

  it('an agent signs in, is given a topic by an administrator, gets the widget request for it, serves it and signs out at the provider', async () => {
    const agent = await staffPage('wang.min');
    await agent.select('.status-select', 'available');
    const admin = await staffPage('zhou.admin');
    // the agent's first sign-in put them in the directory (with the provider's topics)
    await admin.waitForSelector(row('wang.min'));
    expect(await admin.$eval(row('wang.min'), (e) => e.textContent)).toContain('王敏 Wang Min');
    await editMember(admin, 'wang.min', async () => {
      await admin.click('.staff-topic input[value="registration"]');
      await admin.select('select[name="level:registration"]', '5');
    });
    expect(await admin.$eval(row('wang.min'), (e) => e.textContent)).toMatch(/registration level 5/i);
    await screenshot(admin, 'journey-admin-gives-topic');

    // a taxpayer asks for that topic in the demo portal's widget
    const portal = await b.browser.newPage();
    await portal.setViewport({ width: 1100, height: 800 });
    await portal.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
    await signInAtPortal(portal);
    await askThroughWidget(portal, { topic: 'registration', channel: 'text' });
    const sessionId = await widgetSessionId(portal);

    await agent.waitForSelector('.offer', { timeout: 10_000 });
    expect(await agent.$eval('.offer', (e) => e.textContent)).toContain('Registration');
    await screenshot(agent, 'journey-agent-offer');
    await agent.click('.offer button.primary');
    await agent.waitForSelector(`.session-panel[data-session-id="${sessionId}"]`);
    await portal.waitForFunction(() => (window as any).helpWidget.view === 'session');

    // chat both ways
    await agent.type('.session-panel .chat-form input', 'Hello, I can help with the registration');
    await agent.click('.session-panel .chat-form button[type="submit"]');
    await portal.waitForFunction(() => (window as any).helpWidget.ui.querySelector('.messages')?.textContent?.includes('help with the registration'));
    await portal.evaluate(() => {
      const ui = (window as any).helpWidget.ui as ShadowRoot;
      (ui.querySelector('.chat-form input') as HTMLInputElement).value = '我要办理税务登记';
      (ui.querySelector('.chat-form button[type="submit"]') as HTMLButtonElement).click();
    });
    await agent.waitForFunction(() => document.querySelector('.session-panel .messages')?.textContent?.includes('我要办理税务登记'));
    await screenshot(agent, 'journey-agent-chat');

    // ended, with the wrap-up
    await clickButton(agent, 'End session', '.session-panel .actions');
    await agent.waitForSelector('form.wrap-up');
    await agent.type('form.wrap-up textarea', 'Registration explained');
    await agent.select('form.wrap-up select', 'resolved');
    await agent.click('form.wrap-up button[type="submit"]');
    await agent.waitForFunction((id) => !document.querySelector(`.session-panel[data-session-id="${id}"]`), {}, sessionId);
    expect(await t.service.redis.hGet(`sess:${sessionId}`, 'outcome')).toBe('resolved');

    // signed out at the provider too: signing in again shows its login page
    await clickButton(agent, 'Sign out');
    await agent.waitForSelector('button[name="logout"]');
    await Promise.all([agent.waitForNavigation(), agent.click('button[name="logout"]')]);
    await agent.waitForSelector('button[data-action="oidc-sign-in"]');
    await agent.click('button[data-action="oidc-sign-in"]');
    await agent.waitForSelector('input[name="login"]');
    await screenshot(agent, 'journey-agent-signed-out');
    await Promise.all([portal.close(), admin.close(), agent.close()]);
  });

  it('an agent disabled mid-session is cut off saying why; its session goes back to the head of the queue and to another agent', async () => {
    const cut = await staffPage('sun.hao');
    await cut.select('.status-select', 'available');
    const served = await taxpayer('tp-journey-served', '钱进');
    const asked = await requestOk(served.socket, 'help:request', { language: 'zh', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: '/' } });
    await cut.waitForSelector('.offer');
    await cut.click('.offer button.primary');
    await served.log.next<SessionSummary>('session:state', (s) => s.state === 'active');
    const waiting = await taxpayer('tp-journey-waiting', '吴越');
    const queued = await requestOk(waiting.socket, 'help:request', { language: 'zh', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: '/' } });

    const admin = await staffPage('zhou.admin');
    admin.on('dialog', (dialog) => void dialog.accept());
    await clickButton(admin, 'Disable', row('sun.hao'));
    await admin.waitForFunction(() => document.querySelector('.staff-table tr[data-sub="sun.hao"]')?.textContent?.includes('Disabled'));

    await cut.waitForFunction(() => document.querySelector('.login-main [role="alert"]')?.textContent === 'Your account was disabled by an administrator; ask them to enable it', {
      timeout: 5000,
    });
    await screenshot(cut, 'journey-agent-disabled');
    const requeued = await served.log.next<SessionSummary>('session:state', (s) => s.sessionId === asked.sessionId && s.state === 'queued');
    expect(requeued.queuePosition).toBe(1);
    await waiting.log.next<SessionSummary>('session:state', (s) => s.sessionId === queued.sessionId && s.queuePosition === 2);

    // the next agent gets the re-queued session first
    const next = await staffPage('li.na');
    await next.select('.status-select', 'available');
    await next.waitForSelector('.offer', { timeout: 10_000 });
    expect(await next.$eval('.offer', (e) => e.textContent)).toContain('钱进');
    await screenshot(next, 'journey-requeued-offer');
    await Promise.all([admin.close(), cut.close(), next.close()]);
  });

  it('two console tabs of one agent share each renewal: the provider refreshes once per renewal, both stay signed in, and a refusal signs both out saying why', async () => {
    const context = await b.browser.createBrowserContext();
    const tokenCalls: string[] = [];
    const open = async (): Promise<Page> => {
      const page = await context.newPage();
      await page.setViewport({ width: 1280, height: 900 });
      page.on('response', (response) => {
        if (response.url().endsWith('/api/auth/oidc/token') && response.ok()) void response.json().then((login: LoginResponse) => tokenCalls.push(login.token));
      });
      return page;
    };
    const first = await open();
    await signInThroughProvider(first, t.url, op, 'chen.jie');
    // the second tab finds the sign-in (the session cookie) and is in at once
    const second = await open();
    await second.goto(`${t.url}/console/`, { waitUntil: 'networkidle0' });
    await second.waitForSelector('.link.up');

    const before = await op.refreshes();
    const renewalsBefore = tokenCalls.length;
    // three renewals and some (each token is renewed 1 s before it expires)
    const windowS = 3 * TOKEN_TTL_S + 3;
    await new Promise((resolve) => setTimeout(resolve, windowS * 1000));
    const refreshed = (await op.refreshes()) - before;
    const renewed = tokenCalls.length - renewalsBefore;
    // one tab alone renews every TOKEN_TTL_S - 1 s; both tabs together no more often
    expect(refreshed).toBeGreaterThanOrEqual(3);
    expect(refreshed).toBeLessThanOrEqual(Math.ceil(windowS / (TOKEN_TTL_S - 1)));
    expect(refreshed).toBe(renewed);
    for (const page of [first, second]) {
      expect(await page.$('.link.up')).not.toBeNull();
      expect(await page.$('.login-main')).toBeNull();
    }
    await screenshot(second, 'journey-two-tabs');

    // removed from the agents group: the next renewal is refused, and both tabs say why
    await op.updateAccount('chen.jie', { groups: [] });
    for (const page of [first, second]) {
      // polled by time: a tab behind the other paints no animation frames to poll by
      await page.waitForFunction(
        () =>
          document.querySelector('.login-main [role="alert"]')?.textContent ===
          'Your account is not allowed to use this service (in no agents, experts, supervisors or administrators group)',
        { timeout: 2 * TOKEN_TTL_S * 1000, polling: 200 },
      );
    }
    await screenshot(first, 'journey-two-tabs-removed');
    await context.close();
    // three renewals, then the removal's: more than the suite's default time
  }, 120_000);
});
