import jwt from 'jsonwebtoken';
import type { Page, Viewport } from 'puppeteer-core';
import type { OfferEvent } from '@etax-assist/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, openShadowRootsForAxe } from '../harness/axe.js';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, mirrorPoint, signInToConsole } from '../harness/console-page.js';
import { clickWidgetButton, signInAtPortal, widgetSessionId } from '../harness/portal-page.js';
import { CLUSTER_SECRETS, DEV_PASSWORDS, type TestService } from '../harness/service.js';
import { connectSocket, request, type TestSocket } from '../harness/socket.js';
import { agentTakesNextOffer } from '../harness/session.js';
import { withServiceAndBrowser } from '../harness/suite.js';

type Lang = 'zh' | 'en';

/** What a person reads on the buttons the walk presses, and what the live regions say. */
const WORDS = {
  zh: {
    accept: '接受',
    shareAllow: '允许共享',
    controlAllow: '允许',
    highlight: '高亮元素',
    requestControl: '请求操作',
    end: '结束会话',
    submit: '提交',
    next: '马上轮到您',
    oneAhead: '您前面还有 1 位',
    joined: '坐席 王敏 Wang Min 正在为您服务',
    highlighted: '坐席为您标出了：',
    controlStarted: '坐席开始操作您的页面。按 Esc 键可随时收回控制。',
    controlStopped: '您已收回控制，坐席不能再操作您的页面',
    offer: '新的求助（新会话）：张伟',
    signedOut: '门户登录已结束',
  },
  en: {
    accept: 'Accept',
    shareAllow: 'Share',
    controlAllow: 'Allow',
    highlight: 'Highlight',
    requestControl: 'Request control',
    end: 'End session',
    submit: 'Submit',
    next: 'You are next',
    oneAhead: '1 ahead of you',
    joined: 'Agent 王敏 Wang Min is helping you',
    highlighted: 'The agent highlighted: ',
    controlStarted: 'The agent is now operating your page. Press Esc at any time to take control back.',
    controlStopped: 'You have control of your page again: the agent can no longer operate it',
    offer: 'New request (New session): 张伟',
    signedOut: 'portal sign-in has ended',
  },
} as const;

/**
 * axe-core over every screen and state of the product, in Chinese and in English: the taxpayer's
 * widget step by step (and its consent and control dialogs), the kiosk, the agent's console
 * through a whole session, the supervisor's dashboard, records, reports and replay — no serious or
 * critical violation anywhere. The live regions are read at each event they announce.
 */
describe('accessibility of every screen, in both languages', () => {
  let t: TestService;
  let b: TestBrowser;
  // the portal's key known to the test: a token it can sign out (the signed-out state)
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)), CLUSTER_SECRETS);

  async function newPage(viewport: Viewport): Promise<Page> {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport(viewport);
    await openShadowRootsForAxe(page);
    return page;
  }

  /** The demo portal in `lang`, signed in, the widget's launcher shown. */
  async function portal(lang: Lang, viewport: Viewport): Promise<Page> {
    const page = await newPage(viewport);
    await page.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
    if (lang === 'en') await page.click('#lang');
    await signInAtPortal(page);
    return page;
  }

  /** What the SDK's live regions (the widget's, the dialogs' and banners') say now. */
  const announced = (page: Page) =>
    page.evaluate(() => {
      const w = window as any;
      return [w.helpWidget.ui, w.helpWidget.share?.ui]
        .filter(Boolean)
        .map((root: ShadowRoot) => root.querySelector('.announcer')?.textContent ?? '')
        .filter(Boolean);
    });
  /** Runs `script` with `ui`, the widget's shadow root (as a string: CDP's evaluation, which no page CSP blocks). */
  const widget = (page: Page, script: string) => page.evaluate(`(() => { const ui = window.helpWidget.ui; ${script} })()`);
  const view = (page: Page, name: string) => page.waitForFunction((v) => (window as any).helpWidget.view === v, { timeout: 15_000 }, name);

  it("sees inside the widget's closed shadow root (a violation put there is reported)", async () => {
    const page = await portal('zh', { width: 1280, height: 900 });
    await widget(page, `ui.append(Object.assign(document.createElement('button'), { className: 'deliberate' }))`);
    const problems = await accessibilityProblems(page, 'deliberate');
    expect(problems.join('\n')).toMatch(/button-name \(critical\) at \[\[".*",".*\.deliberate"\]\]/);
    await page.close();
    // and why the roots are opened: in a closed one, axe would not have seen it
    const closed = await (await b.browser.createBrowserContext()).newPage();
    await closed.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
    await signInAtPortal(closed);
    await widget(closed, `ui.append(Object.assign(document.createElement('button'), { className: 'deliberate' }))`);
    expect((await accessibilityProblems(closed, 'deliberate')).join('\n')).not.toContain('deliberate');
    await closed.close();
  });

  for (const lang of ['zh', 'en'] as const) {
    it(`the taxpayer's widget and the agent's console through a whole session (${lang})`, async () => {
      const w = WORDS[lang];
      const problems: string[] = [];
      const check = async (page: Page, state: string) => problems.push(...(await accessibilityProblems(page, `${lang} ${state}`)));

      const agent = await newPage({ width: 1440, height: 1000 });
      await agent.goto(`${t.url}/console/`, { waitUntil: 'networkidle0' });
      if (lang === 'en') await agent.click('button[data-action="language"]');
      await check(agent, 'console sign-in');
      // away (the walk before this one left agent1 available): no request is offered to it yet
      const agentSocket = await connectSocket(t.url, await t.staffToken('agent1', DEV_PASSWORDS.agent1));
      await request(agentSocket, 'agent:status', { status: 'away' });
      agentSocket.close();
      await signInToConsole(agent, t.url, 'agent1', DEV_PASSWORDS.agent1, lang);
      await check(agent, 'console workspace idle');

      const taxpayer = await portal(lang, { width: 1280, height: 900 });
      await check(taxpayer, 'widget launcher');
      await widget(taxpayer, `ui.querySelector('.launcher').click()`);
      await check(taxpayer, 'ask form');
      // help in Chinese whatever the screen's language: the queue agent2 serves
      await widget(taxpayer, `ui.querySelector('select[name="language"]').value = 'zh'; ui.querySelector('button[data-channel="voice"]').click()`);
      const topic = (await widget(taxpayer, `return ui.querySelector('select[name="topic"]').value`)) as string;
      await check(taxpayer, 'ask form, voice chosen');

      // agent2 is on duty but busy with a chat, and someone else waits for a call first: this
      // taxpayer hears their place, then that it moved up
      if (lang === 'zh') {
        const chatting = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-chatting' }));
        const chat = request(chatting, 'help:request', { language: 'zh', topic, channel: 'text', entry: { kind: 'portal', page: '/' } });
        await agentTakesNextOffer(t, 'agent2', DEV_PASSWORDS.agent2);
        if (!(await chat).ok) throw new Error('the chat was not asked for');
      }
      const before = await connectSocket(t.url, t.taxpayerToken({ sub: `tp-first-${lang}` }));
      const first = await request(before, 'help:request', { language: 'zh', topic, channel: 'voice', entry: { kind: 'portal', page: '/' } });
      if (!first.ok) throw new Error(first.error.message);
      await widget(taxpayer, `ui.querySelector('form.pick button[type="submit"]').click()`);
      await view(taxpayer, 'waiting');
      expect(await announced(taxpayer)).toEqual([w.oneAhead]);
      await check(taxpayer, 'waiting in the queue');
      await request(before, 'help:cancel', { sessionId: first.result.sessionId });
      await taxpayer.waitForFunction((text) => (window as any).helpWidget.ui.querySelector('.announcer')?.textContent === text, { timeout: 10_000 }, w.next);
      before.close();

      await agent.select('.status-select', 'available');
      await agent.waitForSelector('.offer .countdown');
      expect(await agent.$eval('.offer-announcer', (e) => [e.textContent, e.getAttribute('aria-live')])).toEqual([expect.stringContaining(w.offer), 'assertive']);
      await check(agent, 'console offer');
      await clickButton(agent, w.accept, '.offer');
      await agent.waitForSelector('.session-panel');

      await view(taxpayer, 'session');
      await taxpayer.waitForFunction(() => (window as any).helpWidget.share?.ui.querySelector('.dialog'), { timeout: 10_000 });
      expect(await announced(taxpayer)).toEqual([w.joined]);
      await check(taxpayer, 'sharing consent dialog');
      await clickWidgetButton(taxpayer, w.shareAllow);
      await agent.waitForSelector('.mirror-state[data-sharing="sharing"]', { timeout: 10_000 });
      await taxpayer.waitForFunction(() => [...(window as any).helpWidget.ui.querySelectorAll('button')].length > 2, { timeout: 15_000 });
      await check(taxpayer, 'session: call, chat, sharing banner');
      await check(agent, 'console session with the mirror tools');

      // the agent highlights the portal's heading: the taxpayer hears what
      await clickButton(agent, w.highlight, '.toolbar');
      const at = await mirrorPoint(agent, '#home-view h1');
      await agent.mouse.click(at.x, at.y);
      await taxpayer.waitForFunction(() => (window as any).helpWidget.share.overlay.highlightBox !== undefined, { timeout: 10_000, polling: 100 });
      const heading = await taxpayer.$eval('#home-view h1', (e) => e.textContent.replace(/\s+/g, ' ').trim());
      expect(await announced(taxpayer)).toContain(`${w.highlighted}${heading}`);
      await check(agent, 'console highlight tool');
      await check(taxpayer, 'a highlight on the page');

      await clickButton(agent, w.requestControl);
      await taxpayer.waitForFunction(() => (window as any).helpWidget.share.ui.querySelector('.dialog'), { timeout: 10_000 });
      await check(taxpayer, 'control consent dialog');
      await clickWidgetButton(taxpayer, w.controlAllow);
      await taxpayer.waitForFunction((text) => (window as any).helpWidget.share.ui.querySelector('.announcer').textContent === text, { timeout: 10_000 }, w.controlStarted);
      await check(taxpayer, 'under the agent’s control');
      await taxpayer.keyboard.press('Escape');
      await taxpayer.waitForFunction((text) => (window as any).helpWidget.share.ui.querySelector('.announcer').textContent === text, { timeout: 10_000 }, w.controlStopped);

      await agent.type('.chat-form input', '您好 hello');
      await agent.click('.chat-form button[type="submit"]');
      await taxpayer.waitForFunction(() => (window as any).helpWidget.ui.querySelector('.messages li'), { timeout: 10_000 });
      await check(taxpayer, 'chat');
      await check(agent, 'console chat');
      await screenshot(taxpayer, `a11y-widget-session-${lang}`);

      await clickButton(agent, w.end, '.actions');
      await agent.waitForSelector('form.wrap-up');
      await check(agent, 'console wrap-up');
      await view(taxpayer, 'rating');
      await check(taxpayer, 'rating');
      await agent.select('form.wrap-up select', 'resolved');
      await agent.click('form.wrap-up button[type="submit"]');
      await widget(taxpayer, `ui.querySelectorAll('.stars button')[4].click()`);
      await clickWidgetButton(taxpayer, w.submit);
      await view(taxpayer, 'thanks');
      await check(taxpayer, 'thanks');
      await taxpayer.close();
      await agent.close();

      expect(problems).toEqual([]);
    });
  }

  it('the widget once the portal sign-in has ended, in both languages', async () => {
    const problems: string[] = [];
    for (const lang of ['zh', 'en'] as const) {
      const w = WORDS[lang];
      // the portal's sign-in ended while waiting: only the notice stays
      const token = jwt.sign({ sub: `tp-out-${lang}`, role: 'taxpayer', name: '孙丽' }, CLUSTER_SECRETS.PORTAL_JWT_SECRET, {
        algorithm: 'HS256',
        issuer: 'etax-portal',
        audience: 'etax-assist',
        expiresIn: 600,
        jwtid: `a11y-${lang}`,
      });
      const out = await newPage({ width: 1280, height: 900 });
      await out.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
      await out.evaluate(
        async (tokenInPage, l) => {
          const win = window as any;
          win.helpWidget = await win.EtaxAssist.HelpWidget.mount({ fetchToken: async () => tokenInPage, lang: l });
          const ui = win.helpWidget.ui as ShadowRoot;
          (ui.querySelector('.launcher') as HTMLButtonElement).click();
          (ui.querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click();
        },
        token,
        lang,
      );
      await view(out, 'waiting');
      await fetch(`${t.url}/api/auth/sign-out`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      await out.waitForFunction((text) => (window as any).helpWidget.ui.querySelector('.panel')?.textContent?.includes(text), { timeout: 10_000 }, w.signedOut);
      problems.push(...(await accessibilityProblems(out, `${lang} signed out`)));
      await out.close();
    }
    expect(problems).toEqual([]);
  });

  /** Nothing of the widget's layers reaches past the screen's width, nor scrolls sideways inside. */
  const sidewaysOverflow = (page: Page) =>
    page.evaluate(() => {
      const w = window as any;
      const roots = [w.helpWidget.ui, w.helpWidget.share?.ui].filter(Boolean) as ShadowRoot[];
      const wide = roots.flatMap((root) =>
        [...root.querySelectorAll<HTMLElement>('.launcher, .text-size, .panel, .panel *, .dialog, .dialog *, .banner, .banner *')].filter((e) => {
          const r = e.getBoundingClientRect();
          return r.width > 0 && (r.left < -0.5 || r.right > innerWidth + 0.5 || e.scrollWidth > e.clientWidth + 1);
        }),
      );
      return wide.map((e) => {
        const r = e.getBoundingClientRect();
        return `${e.tagName.toLowerCase()}.${e.className}: ${Math.round(r.left)}–${Math.round(r.right)} of ${innerWidth} px, ${e.scrollWidth} px wide in ${e.clientWidth}`;
      });
    });

  let kioskAgent: TestSocket | undefined;
  afterAll(() => kioskAgent?.close());
  for (const lang of ['zh', 'en'] as const) {
    it(`the kiosk, with and without larger text, at kiosk and phone widths (${lang})`, async () => {
      const problems: string[] = [];
      for (const size of [
        { name: 'kiosk', width: 1080, height: 1920 },
        { name: 'phone', width: 375, height: 812, isMobile: true, hasTouch: true },
      ]) {
        const label = lang === 'zh' ? '大字' : 'Larger text';
        let page = await newPage(size);
        await page.goto(`${t.url}/demo/?kiosk=1&lang=${lang}`, { waitUntil: 'networkidle0' });
        await signInAtPortal(page);
        const state = async (name: string) => {
          problems.push(...(await accessibilityProblems(page, `${lang} ${size.name} ${name}`)));
          expect(await sidewaysOverflow(page), `${lang} ${size.name} ${name}`).toEqual([]);
          await screenshot(page, `a11y-kiosk-${size.name}-${name.replaceAll(' ', '-')}-${lang}`);
        };
        const switchState = () => widget(page, `const b = ui.querySelector('.text-size'); return [b.textContent, b.getAttribute('aria-pressed')]`);
        expect(await switchState()).toEqual([label, 'false']);
        await state('launcher');
        await widget(page, `ui.querySelector('.text-size').click()`);
        expect(await switchState()).toEqual([label, 'true']);
        // the type is larger, on the launcher and on the form
        expect(await widget(page, `return getComputedStyle(ui.querySelector('.launcher')).fontSize`)).toBe('36px');
        await state('launcher large');
        await widget(page, `ui.querySelector('.launcher').click()`);
        expect(await widget(page, `return getComputedStyle(ui.querySelector('.panel')).fontSize`)).toBe('30px');
        await state('form large');
        // the next visitor at this kiosk (a fresh tab of its browser) keeps it: it is the kiosk's setting, not the visitor's
        await page.close();
        page = await page.browserContext().newPage();
        await page.setViewport(size);
        await openShadowRootsForAxe(page);
        await page.goto(`${t.url}/demo/?kiosk=1&lang=${lang}`, { waitUntil: 'networkidle0' });
        await signInAtPortal(page);
        expect(await switchState()).toEqual([label, 'true']);
        if (size.name === 'kiosk') {
          await widget(
            page,
            `ui.querySelector('.launcher').click(); ui.querySelector('select[name="topic"]').value = 'refund'; ui.querySelector('form.pick button[type="submit"]').click()`,
          );
          await view(page, 'waiting');
          await state('waiting large');
          // agent3 (refund, zh and en), one connection for both languages' walks
          kioskAgent ??= await connectSocket(t.url, await t.staffToken('agent3', 'agent3-pass' /* the dev account's, README */));
          const agent = kioskAgent;
          const offer = new Promise<OfferEvent>((resolve) => agent.once('offer:new', resolve));
          await request(agent, 'agent:status', { status: 'available' });
          const accepted = await request(agent, 'offer:accept', { offerId: (await offer).offerId });
          if (!accepted.ok) throw new Error(accepted.error.message);
          await view(page, 'session');
          await page.waitForFunction(() => (window as any).helpWidget.share?.ui.querySelector('.dialog'), { timeout: 10_000 });
          expect(await page.evaluate(() => getComputedStyle((window as any).helpWidget.share.ui.querySelector('.dialog')).fontSize)).toBe('30px');
          await state('sharing dialog large');
          await clickWidgetButton(page, lang === 'zh' ? '允许共享' : 'Share');
          await page.waitForFunction(() => (window as any).helpWidget.share.ui.querySelector('.banner'), { timeout: 10_000 });
          await state('session large');
          const sessionId = await widgetSessionId(page);
          await request(agent, 'session:end', { sessionId });
          await view(page, 'rating');
          await state('rating large');
          // wrapped up and away: the next walk's visitor is offered only once it listens again
          await request(agent, 'session:wrap-up', { sessionId, notes: '', outcome: 'resolved' });
          await request(agent, 'agent:status', { status: 'away' });
        }
        // and off again
        await widget(page, `ui.querySelector('.text-size').click()`);
        expect(await switchState()).toEqual([label, 'false']);
        expect(await widget(page, `return getComputedStyle(ui.querySelector('.text-size')).fontSize`)).toBe('22px');
        await page.close();
      }
      expect(problems).toEqual([]);
    });
  }

  for (const lang of ['zh', 'en'] as const) {
    it(`the supervisor's dashboard, records, reports and replay (${lang})`, async () => {
      const words = {
        zh: { replay: '回放', records: '会话档案', search: '查询', open: '档案', reports: '统计报表', show: '生成报表' },
        en: { replay: 'Replay', records: 'Records', search: 'Search', open: 'Record', reports: 'Reports', show: 'Show report' },
      }[lang];
      const problems: string[] = [];
      const page = await newPage({ width: 1280, height: 900 });
      const check = async (state: string) => problems.push(...(await accessibilityProblems(page, `${lang} ${state}`)));
      await signInToConsole(page, t.url, 'super1', DEV_PASSWORDS.super1, lang);
      // the sessions the walks above had are the dashboard's recent ones, with their recordings
      await page.waitForFunction((label) => [...document.querySelectorAll('button')].some((b) => b.textContent === label), { timeout: 10_000 }, words.replay);
      await check('supervisor dashboard');
      await clickButton(page, words.replay);
      await page.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.replay-stage iframe')?.contentDocument?.body?.childElementCount, {
        timeout: 15_000,
        polling: 100,
      });
      await check('replay');
      await clickButton(page, words.records, '.dashboard-tabs');
      await check('records search');
      await clickButton(page, words.search, '.records-search');
      await page.waitForSelector('.records-table tbody tr');
      await check('records found');
      await clickButton(page, words.open, '.records-table');
      await page.waitForSelector('.record-detail .audit-trail');
      await check('a record');
      await clickButton(page, words.reports, '.dashboard-tabs');
      await check('reports form');
      // this month: the walks' sessions are in it (once the record has them: else the "none" line)
      await page.evaluate(
        (today) => {
          for (const name of ['from', 'to'])
            (document.querySelector(`.report-form input[name="${name}"]`) as HTMLInputElement).value = name === 'from' ? `${today.slice(0, 8)}01` : today;
        },
        new Date().toISOString().slice(0, 10),
      );
      await clickButton(page, words.show, '.report-form');
      await page.waitForSelector('.report-table-host > *');
      await check('a report');
      await screenshot(page, `a11y-supervisor-report-${lang}`);
      await page.close();
      expect(problems).toEqual([]);
    });
  }

  for (const lang of ['zh', 'en'] as const) {
    it(`the widget's answers as the question is typed, and the Knowledge view with an article's form, preview and history (${lang})`, async () => {
      const problems: string[] = [];
      const check = async (page: Page, state: string) => problems.push(...(await accessibilityProblems(page, `${lang} ${state}`)));
      const supervisor = await t.staffToken('super1', DEV_PASSWORDS.super1);
      const api = (path: string, body?: unknown) =>
        fetch(`${t.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${supervisor}`, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
      const created = (await (
        await api('/api/knowledge/articles', {
          topic: 'invoice',
          question: { zh: `发票开错了怎么红冲？（${lang}）`, en: `How do I reverse a wrong invoice? (${lang})` },
          answer: { zh: '开具红字发票冲销原发票。', en: 'Issue a red-letter invoice against it.' },
          links: [{ url: '/invoice/red', label: { zh: '去红冲', en: 'Reverse an invoice' } }],
          keywords: ['作废'],
        })
      ).json()) as { id: string };
      await api(`/api/knowledge/articles/${created.id}/publish`);

      const taxpayer = await portal(lang, { width: 1280, height: 900 });
      await widget(taxpayer, `ui.querySelector('.launcher').click()`);
      await widget(taxpayer, `ui.querySelector('textarea[name="question"]').focus()`);
      await taxpayer.keyboard.type(lang === 'zh' ? '发票开错了' : 'wrong invoice', { delay: 30 });
      await taxpayer.waitForFunction(() => (window as any).helpWidget.ui.querySelector('.answer'), { timeout: 10_000 });
      await check(taxpayer, 'widget answers');
      await taxpayer.close();

      const page = await newPage({ width: 1280, height: 900 });
      await signInToConsole(page, t.url, 'super1', DEV_PASSWORDS.super1, lang);
      await page.click('.pane-tab[data-pane="knowledge"]');
      await page.waitForSelector('.knowledge-table');
      await check(page, 'knowledge list');
      await page.click(`.knowledge-table tr[data-article="${created.id}"] button`);
      await page.waitForSelector('.knowledge-history li');
      await page.click('.knowledge-form .row button:nth-of-type(2)');
      await page.waitForSelector('.knowledge-preview');
      await check(page, 'knowledge article, preview and history');
      await screenshot(page, `a11y-knowledge-${lang}`);
      await page.close();
      expect(problems).toEqual([]);
    });
  }

  for (const lang of ['zh', 'en'] as const) {
    it(`a supervisor's call-in and the back-office agent's banner (${lang})`, async () => {
      const words = { zh: { send: '发出召回', decline: '暂不加入' }, en: { send: 'Call in', decline: 'Decline' } }[lang];
      const problems: string[] = [];
      const agent = await newPage({ width: 1280, height: 800 });
      await signInToConsole(agent, t.url, 'agent3', DEV_PASSWORDS.agent3, lang);
      await agent.select('.status-select', 'back-office');
      const supervisor = await newPage({ width: 1280, height: 900 });
      await signInToConsole(supervisor, t.url, 'super1', DEV_PASSWORDS.super1, lang);
      await supervisor.waitForSelector('button.call-in-open', { timeout: 10_000 });
      await supervisor.click('button.call-in-open');
      await supervisor.waitForSelector('.call-in-form:not([hidden])');
      problems.push(...(await accessibilityProblems(supervisor, `${lang} call-in form`)));
      await clickButton(supervisor, words.send, '.call-in-form');
      await agent.waitForSelector('.call-in:not([hidden])', { timeout: 10_000 });
      problems.push(...(await accessibilityProblems(agent, `${lang} call-in banner`)));
      await clickButton(agent, words.decline, '.call-in');
      await agent.waitForFunction(() => (document.querySelector('.call-in') as HTMLElement).hidden);
      await agent.close();
      await supervisor.close();
      expect(problems).toEqual([]);
    });
  }

  // last: it sets agent1 and agent2 away and back
  for (const lang of ['zh', 'en'] as const) {
    it(`a callback: the place kept, the chip on another page of the portal, the prompt when an agent is ready (${lang})`, async () => {
      const problems: string[] = [];
      const check = async (page: Page, state: string) => problems.push(...(await accessibilityProblems(page, `${lang} ${state}`)));
      const staff = await Promise.all(['agent1', 'agent2'].map(async (id) => connectSocket(t.url, await t.staffToken(id, DEV_PASSWORDS[id as 'agent1' | 'agent2']))));
      for (const agent of staff) await request(agent, 'agent:status', { status: 'away' });
      const taxpayer = await portal(lang, { width: 1280, height: 900 });
      await widget(taxpayer, `ui.querySelector('.launcher').click()`);
      await widget(taxpayer, `ui.querySelector('select[name="language"]').value = 'zh'; ui.querySelector('form.pick button[type="submit"]').click()`);
      await taxpayer.waitForFunction(() => (window as any).helpWidget.ui.querySelector('[data-action="callback"]'), { timeout: 15_000 });
      await check(taxpayer, 'waiting, the callback offered');
      await widget(taxpayer, `ui.querySelector('[data-action="callback"]').click()`);
      await taxpayer.waitForFunction(() => (window as any).helpWidget.ui.querySelector('.panel [data-action="callback"]') === null, { timeout: 15_000 });
      await check(taxpayer, 'callback: the place kept');
      // another page of the portal, the same taxpayer: the chip
      const other = await taxpayer.browserContext().newPage();
      await other.setViewport({ width: 1280, height: 900 });
      await openShadowRootsForAxe(other);
      await other.goto(`${t.url}/demo/${lang === 'en' ? '?lang=en' : ''}`, { waitUntil: 'networkidle0' });
      await other.click('#login-form button[type="submit"]');
      await other.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.bar'), { timeout: 15_000 });
      await check(other, 'callback: the chip');
      await request(staff[0]!, 'agent:status', { status: 'available' });
      await other.waitForFunction(() => (window as any).helpWidget.ui.querySelector('[data-action="answer-callback"]'), { timeout: 15_000 });
      await check(other, 'callback: an agent is ready');
      await widget(other, `[...ui.querySelectorAll('.panel button')].at(-1).click()`);
      await view(other, 'closed');
      await request(staff[1]!, 'agent:status', { status: 'available' });
      staff.forEach((s) => s.close());
      await taxpayer.browserContext().close();
      expect(problems).toEqual([]);
    });
  }
});
