import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from '../harness/browser.js';
import { kioskEntry } from '../harness/kiosk-device.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession } from '../harness/session.js';
import { connectSocket, request } from '../harness/socket.js';
import { clickButton, consoleAndTaxpayerPages, mirrorPoint, signInToConsole, taxpayerAsksForHelp } from '../harness/console-page.js';

describe('agent console and supervisor dashboard in a real browser', () => {
  let t: TestService;
  let b: TestBrowser;
  let agent: Page;
  let taxpayer: Page;
  beforeAll(async () => {
    t = await startTestService();
    b = await launchBrowser();
    ({ agent, taxpayer } = await consoleAndTaxpayerPages(b));
  });
  afterAll(async () => {
    await b?.close();
    await t?.stop();
  });

  it('an agent goes available, gets an offer with a countdown, accepts it and works the session to its end', async () => {
    const csp = (await fetch(`${t.url}/console/`)).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    const violations: string[] = [];
    agent.on('console', (m) => {
      if (m.text().includes('Content Security Policy')) violations.push(m.text());
    });
    await signInToConsole(agent, t.url, 'agent2', 'agent2-pass');
    await agent.select('.status-select', 'available');
    await agent.waitForFunction(() => document.querySelector('.load')?.textContent?.includes('0/5'));

    await taxpayer.goto(`${t.url}/demo/refund.html`, { waitUntil: 'networkidle0' });
    const sessionId = await taxpayerAsksForHelp(taxpayer, t.taxpayerToken({ sub: 'tp-console', name: '陈晨', taxpayerId: '91310000MA1K000009', company: '上海晨光贸易有限公司' }), {
      language: 'zh',
      topic: 'registration',
      channel: 'text',
      entry: await kioskEntry(t, 'K-12', '浦东办税服务厅'),
    });

    await agent.waitForSelector('.offer .countdown');
    expect(await agent.$eval('.offer', (e) => e.textContent)).toContain('陈晨');
    await screenshot(agent, 'console-offer');
    await agent.click('.offer button.primary');
    await agent.waitForSelector(`.session-panel[data-session-id="${sessionId}"]`);
    expect(await agent.$eval('.taxpayer-card', (e) => e.textContent)).toContain('上海晨光贸易有限公司');
    expect(await agent.$eval('.taxpayer-card', (e) => e.textContent)).toContain('浦东办税服务厅');
    await agent.waitForFunction(() => document.querySelector('.mirror-state')?.textContent?.includes('等待纳税人共享屏幕'));

    await taxpayer.evaluate(async () => {
      const w = window as any;
      // the taxpayer's page title carries markup: in the console it stays text
      document.title = '<img src=x onerror="window.top.__xss=1">退税申请';
      const answer = w.tp.share.offer();
      ([...(window as any).tp.share.ui.querySelectorAll('button')].find((x) => x.textContent === '允许共享') as HTMLButtonElement).click();
      await answer;
    });
    await agent.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.mirror iframe')?.contentDocument?.querySelector('#applicant-name'), {
      timeout: 15_000,
      polling: 100,
    });
    // the title with its markup reached the console's mirror, as text
    await agent.waitForFunction(() => (document.querySelector('.mirror iframe') as HTMLIFrameElement).contentDocument?.title.includes('<img src=x'), {
      timeout: 10_000,
      polling: 100,
    });
    // chat from the taxpayer is shown as text: markup in it does nothing in the console
    await taxpayer.evaluate(async (id) => {
      await (window as any).tp.connection.request('chat:send', { sessionId: id, text: '<img src=x onerror="window.__xss=1">你好' });
    }, sessionId);
    await agent.waitForFunction(() => document.querySelector('.messages')?.textContent?.includes('<img src=x'), { timeout: 10_000, polling: 100 });
    // and so does a file name
    await taxpayer.evaluate(async (id) => {
      const w = window as any;
      const file = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])], '<img src=x onerror="window.__xss=2">.png', { type: 'image/png' });
      await new w.EtaxAssist.ChatClient(w.tp.connection, id).attach(file);
    }, sessionId);
    await agent.waitForFunction(() => [...document.querySelectorAll('.messages button.attachment')].some((b) => b.textContent?.includes('onerror')), {
      timeout: 10_000,
      polling: 100,
    });
    expect(await agent.evaluate(() => (window as any).__xss)).toBeUndefined();
    expect(await agent.$$eval('.messages img', (imgs) => imgs.length)).toBe(0);

    // a page snapshot the taxpayer sends opens in a dialog, masked like the mirror
    await taxpayer.evaluate(async (id) => {
      const w = window as any;
      await new w.EtaxAssist.ChatClient(w.tp.connection, id).attach(w.EtaxAssist.takePageSnapshot(), '页面截图');
    }, sessionId);
    await agent.waitForSelector('.messages button.snapshot');
    await agent.click('.messages button.snapshot');
    await agent.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.snapshot-stage iframe')?.contentDocument?.querySelector('#taxpayer-id'), {
      timeout: 10_000,
      polling: 100,
    });
    expect(
      await agent.evaluate(
        () => ((document.querySelector('.snapshot-stage iframe') as HTMLIFrameElement).contentDocument!.querySelector('#taxpayer-id') as HTMLInputElement).value,
      ),
    ).toMatch(/^\*+$/);
    await screenshot(agent, 'console-page-snapshot');
    await agent.evaluate(() => ([...document.querySelectorAll('.snapshot-dialog button')].find((b) => b.textContent === '关闭') as HTMLButtonElement).click());

    // with control, the agent types into the protected taxpayer ID in the mirror: the taxpayer's
    // page refuses it and the console says why (the replay shows it as refused, below)
    await clickButton(agent, '请求操作', '.toolbar');
    await taxpayer.waitForFunction(() => [...(window as any).tp.share.ui.querySelectorAll('button')].some((b: HTMLButtonElement) => b.textContent === '允许'), {
      timeout: 10_000,
      polling: 100,
    });
    await taxpayer.evaluate(() =>
      ([...(window as any).tp.share.ui.querySelectorAll('button')].find((b: HTMLButtonElement) => b.textContent === '允许') as HTMLButtonElement).click(),
    );
    await agent.waitForSelector('.mirror-state[data-control="granted"]', { timeout: 10_000 });
    await clickButton(agent, '远程操作', '.toolbar');
    await agent.bringToFront();
    const protectedId = await mirrorPoint(agent, '#taxpayer-id');
    await agent.mouse.click(protectedId.x, protectedId.y);
    await agent.waitForFunction(() => document.activeElement?.classList.contains('etax-field-editor'), { timeout: 10_000, polling: 50 });
    await agent.keyboard.type('X');
    await agent.keyboard.press('Enter');
    await agent.waitForFunction(() => document.querySelector('.toast')?.textContent === '该元素不可操作：受保护字段', { timeout: 10_000, polling: 100 });
    await clickButton(agent, '停止操作', '.toolbar');
    await clickButton(agent, '查看', '.toolbar');

    // the agent's call: their own microphone level shows on the meter
    await agent.evaluate(() => ([...document.querySelectorAll('.call-controls button')].find((b) => b.textContent === '开始通话') as HTMLButtonElement).click());
    await agent.waitForFunction(() => document.querySelector('.call-state')?.textContent === '通话中', { timeout: 15_000, polling: 100 });
    await agent.waitForFunction(() => parseFloat(document.querySelector<HTMLElement>('.level-bar')?.style.width ?? '0') > 0, { timeout: 10_000, polling: 50 });
    await screenshot(agent, 'console-session-mirror');

    const ended = [...(await agent.$$('.actions button'))];
    for (const b of ended) if ((await b.evaluate((e) => e.textContent)) === '结束会话') await b.click();
    await agent.waitForSelector('form.wrap-up');
    // the wrap-up time counts down (DISPATCH_WRAP_UP_S, 60 s by default)
    expect(await agent.$eval('.wrap-timer', (e) => e.textContent)).toMatch(/^整理时间剩余 [01]:\d\d，/);
    await agent.type('form.wrap-up textarea', '已指导完成税务登记');
    await agent.select('form.wrap-up select', 'resolved');
    await screenshot(agent, 'console-wrap-up');
    await agent.click('form.wrap-up button[type="submit"]');
    await agent.waitForFunction((id) => !document.querySelector(`.session-panel[data-session-id="${id}"]`), {}, sessionId);
    expect(await t.service.redis.hGet(`sess:${sessionId}`, 'outcome')).toBe('resolved');
    // the taxpayer rates the session, with a comment (markup in it stays text for supervisors)
    await taxpayer.evaluate((id) => (window as any).tp.connection.request('session:rate', { sessionId: id, score: 4, comment: '<b>很耐心</b>，但等了一会儿' }), sessionId);
    // the whole session ran under the strict policy without a violation
    expect(violations).toEqual([]);
  });

  it('a supervisor sees the pool live, monitors a session silently and forces an agent away', async () => {
    // refunds: agent1's skill, not agent2's (still available from the test above)
    const live = await activeSession(t, 'tp-watched', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'voice', 'refund');
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await signInToConsole(page, t.url, 'super1', 'super1-pass');
    await page.waitForSelector('.tile-stat');
    await page.waitForFunction(
      () => [...document.querySelectorAll('.tile-stat')].some((e) => e.textContent?.includes('今日已服务') && e.querySelector('strong')?.textContent === '1'),
      { timeout: 10_000 },
    );
    expect(await page.$eval('.dashboard', (e) => e.textContent)).toContain('李强 Li Qiang');
    // the trend chart has its first sample, and today's outcomes count the resolved session
    await page.waitForSelector('.trend polyline');
    expect(await page.$eval('.outcomes', (e) => e.textContent)).toContain('已解决 1');
    await screenshot(page, 'console-supervisor-dashboard');

    await page.evaluate(() => ([...document.querySelectorAll('button')].find((b) => b.textContent === '静默监听') as HTMLButtonElement).click());
    await page.waitForSelector('.watch:not([hidden]) .mirror');
    expect(await t.service.redis.sIsMember(`sess:${live.sessionId}:monitors`, 'super1')).toBe(1);
    await screenshot(page, 'console-supervisor-monitoring');

    // joining: no longer silent; the supervisor's chat reaches the taxpayer, then leaves
    await page.evaluate(() => ([...document.querySelectorAll('button')].find((b) => b.textContent === '加入会话') as HTMLButtonElement).click());
    await page.waitForSelector('.watch:not([hidden]) .session-panel');
    expect(await t.service.redis.sIsMember(`sess:${live.sessionId}:monitors`, 'super1')).toBe(0);
    expect(await page.$$eval('.watch .actions button', (b) => b.length)).toBe(0);
    // the call starts by itself and its tiles push the chat down: click once it has settled
    await page.waitForFunction(() => document.querySelector('.watch .call-state')?.textContent === '通话中' && document.querySelector('.watch .tile.self'), { timeout: 15_000 });
    const fromSupervisor = live.taxpayer.log.next<{ text: string; from: { role: string } }>('chat:message', (m) => m.from.role === 'supervisor');
    await page.$eval('.watch .chat-form input', (input) => (input.value = '我是班长，来协助您'));
    await page.click('.watch .chat-form button[type="submit"]');
    // sent (it shows in the supervisor's own chat), or the console says why not
    await page
      .waitForFunction(() => document.querySelector('.watch .messages')?.textContent?.includes('我是班长'), { timeout: 10_000 })
      .catch(async (error: unknown) => {
        throw new Error(
          `the supervisor's message was not sent; console says "${await page.$eval('.toast', (e) => e.textContent)}"; input "${await page.$eval('.watch .chat-form input', (e) => e.value)}"`,
          { cause: error },
        );
      });
    expect((await fromSupervisor).text).toBe('我是班长，来协助您');
    await screenshot(page, 'console-supervisor-joined');
    await page.evaluate(() => ([...document.querySelectorAll('button')].find((b) => b.textContent === '离开会话') as HTMLButtonElement).click());
    await page.waitForSelector('.watch[hidden]');
    await expect.poll(() => t.service.redis.sIsMember(`sess:${live.sessionId}:participants`, 'supervisor:super1')).toBe(0);

    // the service's instances with their load; draining one takes two clicks
    const instanceId = t.service.app.registry.id;
    await page.waitForFunction((id) => [...document.querySelectorAll('tr')].some((r) => r.textContent?.includes(id) && r.textContent.includes('服务中')), {}, instanceId);
    await clickButton(page, '排空');
    await clickButton(page, '确认排空？');
    await page.waitForFunction(() => document.querySelector('.toast')?.textContent?.includes('正在排空'), { timeout: 10_000 });
    expect(t.service.app.registry.draining).toBe(true);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(503);
    await page.waitForFunction(
      (id) => [...document.querySelectorAll('tr')].some((r) => r.textContent?.includes(id) && r.textContent.includes('排空中')),
      { timeout: 10_000 },
      instanceId,
    );

    const row = (await page.$$('tbody tr')).length;
    expect(row).toBeGreaterThan(0);
    await page.evaluate(() => {
      const rows = [...document.querySelectorAll('tr')].filter((r) => r.textContent?.includes('王敏 Wang Min'));
      const away = rows.flatMap((r) => [...r.querySelectorAll('button')]).find((b) => b.textContent === '暂离') as HTMLButtonElement;
      away.click();
    });
    await expect.poll(() => t.service.redis.hGet('dp:agent:agent1', 'status')).toBe('away');

    // the rating of the session finished in the first test: the score out of five and the comment, as text
    await page.waitForFunction(() => [...document.querySelectorAll('tr')].find((r) => r.textContent?.includes('陈晨'))?.querySelector('.rating'), { timeout: 10_000 });
    expect(await page.evaluate(() => [...document.querySelectorAll('tr')].find((r) => r.textContent?.includes('陈晨'))?.querySelector('.rating')?.textContent)).toBe(
      '4/5 ★★★★☆<b>很耐心</b>，但等了一会儿',
    );
    expect(await page.$$eval('.rating b', (b) => b.length)).toBe(0);

    // that session is replayed from its recording: page, chat, timeline, the rating
    await page.evaluate(() => ([...document.querySelectorAll('button')].find((b) => b.textContent === '回放') as HTMLButtonElement).click());
    await page.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.replay-stage iframe')?.contentDocument?.querySelector('#applicant-name'), {
      timeout: 15_000,
      polling: 100,
    });
    expect(await page.$eval('.timeline', (e) => e.textContent)).toContain('<img src=x');
    expect(await page.$$eval('.timeline img', (imgs) => imgs.length)).toBe(0);
    expect(await page.$eval('.replay-rating', (e) => e.textContent)).toBe('纳税人评价 4/5 ★★★★☆ <b>很耐心</b>，但等了一会儿');
    // the typing and the Enter the page refused read as refused, with the reason (not as plain control inputs)
    expect(await page.$$eval('.timeline .entry.input.refused', (rows) => rows.map((r) => r.textContent?.replace(/^\d+:\d\d /, '')))).toEqual([
      '代操作 · 输入 — 被页面拒绝：受保护字段',
      '代操作 · 按键 — 被页面拒绝：受保护字段',
    ]);
    expect(await page.$$eval('.timeline .entry.control-refused', (rows) => rows.length)).toBe(0);
    // speeds 1×, 2×, 4× (the keys too): 1× to start with
    const pressedSpeed = () => page.$$eval('.speeds button[aria-pressed="true"]', (b) => b.map((x) => x.textContent));
    expect(await pressedSpeed()).toEqual(['1×']);
    await clickButton(page, '2×', '.replay');
    expect(await pressedSpeed()).toEqual(['2×']);
    await page.bringToFront();
    await page.focus('.replay-stage');
    await page.keyboard.press('4');
    expect(await pressedSpeed()).toEqual(['4×']);
    // Space plays from the keyboard
    await page.keyboard.press(' ');
    await page.waitForFunction(() => Number((document.querySelector('.scrubber') as HTMLInputElement).value) > 0, { timeout: 10_000, polling: 100 });
    await screenshot(page, 'console-supervisor-replay');
    live.taxpayer.socket.close();
    live.agent.socket.close();
  });

  it('the phone hotline: the taxpayer reads the code their widget shows, the agent types it and has the session', async () => {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width: 1100, height: 800 });
    await page.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
    await page.$eval('#login-form input[name="name"]', (el) => (el.value = '王芳'));
    await page.click('#login-form button[type="submit"]');
    await page.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher'));
    await page.evaluate(() => {
      const ui = () => (window as any).helpWidget.ui as ShadowRoot;
      (ui().querySelector('.launcher') as HTMLButtonElement).click();
      // refunds: nobody on duty has that skill now, so the request waits
      (ui().querySelector('select[name="topic"]') as HTMLSelectElement).value = 'refund';
      (ui().querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click();
    });
    await page.waitForFunction(() => (window as any).helpWidget.view === 'waiting');
    await page.evaluate(() =>
      ([...(window as any).helpWidget.ui.querySelectorAll('button')].find((b: HTMLButtonElement) => b.textContent === '电话坐席会话码') as HTMLButtonElement).click(),
    );
    await page.waitForFunction(() => /^\d{6}$/.test((window as any).helpWidget.ui.querySelector('.digits')?.textContent ?? ''));
    const code = await page.evaluate(() => (window as any).helpWidget.ui.querySelector('.digits').textContent as string);
    await screenshot(page, 'widget-session-code');

    await agent.type('.join-code input', code);
    await agent.click('.join-code button');
    await agent.waitForFunction(() => [...document.querySelectorAll('.taxpayer-card')].some((c) => c.textContent?.includes('王芳')), { timeout: 10_000 });
    await page.waitForFunction(() => (window as any).helpWidget.view === 'session', { timeout: 10_000 });
  });

  it('an agent whose session is reassigned sees it close, told why; the mirror stops', async () => {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width: 1280, height: 800 });
    await signInToConsole(page, t.url, 'agent3', 'agent3-pass');
    await page.select('.status-select', 'available');
    const taxpayerSocket = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-moved', name: '周敏' }));
    const asked = await request(taxpayerSocket, 'help:request', { language: 'zh', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: '/' } });
    if (!asked.ok) throw new Error(asked.error.message);
    const { sessionId } = asked.result;
    await page.waitForSelector('.offer button.primary');
    await page.click('.offer button.primary');
    await page.waitForSelector(`.session-panel[data-session-id="${sessionId}"]`);

    const expert = await connectSocket(t.url, await t.staffToken('expert1', DEV_PASSWORDS.expert1));
    const offered = new Promise<{ offerId: string }>((resolve) => expert.once('offer:new', resolve));
    await request(expert, 'agent:status', { status: 'available' });
    const supervisor = await connectSocket(t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    expect(await request(supervisor, 'supervisor:reassign', { sessionId, agentId: 'expert1' })).toMatchObject({ ok: true });
    expect(await request(expert, 'offer:accept', { offerId: (await offered).offerId })).toMatchObject({ ok: true });
    await page.waitForFunction((id) => !document.querySelector(`.session-panel[data-session-id="${id}"]`), { timeout: 10_000 }, sessionId);
    await page.waitForFunction(() => document.querySelector('.toast')?.textContent?.includes('已不再由您处理'), { timeout: 10_000 });
    await screenshot(page, 'console-session-reassigned-away');
    for (const socket of [taxpayerSocket, expert, supervisor]) socket.close();
    await page.close();
  });

  it('a reloaded console gets its open session back, with mirror and chat; the taxpayer is still served', async () => {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport({ width: 1280, height: 800 });
    await signInToConsole(page, t.url, 'agent3', 'agent3-pass');
    await page.select('.status-select', 'available');
    const tpPage = await b.browser.newPage();
    await tpPage.goto(`${t.url}/demo/refund.html`, { waitUntil: 'networkidle0' });
    const sessionId = await taxpayerAsksForHelp(tpPage, t.taxpayerToken({ sub: 'tp-reload', name: '吴刚' }), {
      language: 'zh',
      topic: 'refund',
      channel: 'text',
      entry: { kind: 'portal', page: '/refund.html' },
    });
    await page.waitForSelector('.offer button.primary');
    await page.click('.offer button.primary');
    await page.waitForSelector(`.session-panel[data-session-id="${sessionId}"]`);
    await tpPage.evaluate(async () => {
      const w = window as any;
      const answer = w.tp.share.offer();
      ([...w.tp.share.ui.querySelectorAll('button')].find((x: HTMLButtonElement) => x.textContent === '允许共享') as HTMLButtonElement).click();
      await answer;
      await w.tp.connection.request('chat:send', { sessionId: w.tp.share.sessionId, text: '刷新之前的问题' });
    });
    await page.waitForFunction(() => document.querySelector('.messages')?.textContent?.includes('刷新之前的问题'), { timeout: 10_000 });

    // F5: the console starts over at its sign-in form
    await page.reload({ waitUntil: 'networkidle0' });
    await page.type('input[name="username"]', 'agent3');
    await page.type('input[name="password"]', 'agent3-pass');
    await page.click('button[type="submit"]');
    await page.waitForSelector(`.session-panel[data-session-id="${sessionId}"]`, { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('.messages')?.textContent?.includes('刷新之前的问题'), { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.session-panel:not([hidden]) .mirror iframe')?.contentDocument?.querySelector('#applicant-name'), {
      timeout: 15_000,
      polling: 100,
    });
    expect(await page.$eval('.load', (e) => e.textContent)).toContain('1/5');
    await tpPage.evaluate(() => (window as any).tp.connection.request('chat:send', { sessionId: (window as any).tp.share.sessionId, text: '刷新之后还在吗' }));
    await page.waitForFunction(() => document.querySelector('.messages')?.textContent?.includes('刷新之后还在吗'), { timeout: 10_000 });
    await screenshot(page, 'console-reloaded-session');
    await tpPage.evaluate(() => (window as any).tp.connection.request('session:end', { sessionId: (window as any).tp.share.sessionId }));
    await tpPage.close();
    await page.close();
  });
});
