import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, mirrorPoint, signInToConsole } from '../harness/console-page.js';
import { withServiceAndBrowser } from '../harness/suite.js';
import { clickWidgetButton } from '../harness/portal-page.js';
import { DEV_PASSWORDS, type TestService } from '../harness/service.js';

/**
 * The whole story through the real UIs only: a taxpayer at a hall kiosk asks for help in English
 * about a refund; an English-speaking refund agent accepts, sees the page and the taxpayer,
 * highlights a field, gets control and fills the form; an expert takes the escalation and
 * finishes; the supervisor watches the queue and the session live and replays it; the kiosk resets.
 */
describe('a refund case from the kiosk to the replay, through the real screens', () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)));
  const pageErrors: string[] = [];

  async function page(width: number, height: number): Promise<Page> {
    const p = await (await b.browser.createBrowserContext()).newPage();
    await p.setViewport({ width, height });
    p.on('pageerror', (error) => pageErrors.push(`${p.url()}: ${String(error)}`));
    return p;
  }

  it('kiosk → English refund agent (highlight, control) → expert → supervisor live and replay → kiosk reset', async () => {
    // the supervisor's dashboard is open all along
    const supervisor = await page(1440, 1000);
    await signInToConsole(supervisor, t.url, 'super1', DEV_PASSWORDS.super1);

    // the taxpayer at the hall kiosk: English, sign-in, the refund form, "Human help"
    const kiosk = await page(1080, 1920);
    await kiosk.goto(`${t.url}/demo/kiosk`, { waitUntil: 'networkidle0' });
    await kiosk.click('#lang');
    await kiosk.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await kiosk.$eval('#login-view h1', (h) => h.textContent)).toBe('Taxpayer sign-in');
    await kiosk.$eval('#login-form input[name="name"]', (input) => (input.value = 'Emma Li'));
    await kiosk.click('#login-form button[type="submit"]');
    await kiosk.waitForSelector('#home-view:not([hidden])');
    await Promise.all([kiosk.waitForNavigation(), kiosk.click('a[href="refund.html"]')]);
    await kiosk.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher')?.textContent === 'Human help');
    expect(await kiosk.$eval('#next-1', (b) => b.textContent)).toBe('Next');
    await kiosk.evaluate(() => ((window as any).helpWidget.ui.querySelector('.launcher') as HTMLButtonElement).click());
    const picked = await kiosk.evaluate(() => {
      const ui = (window as any).helpWidget.ui as ShadowRoot;
      return [(ui.querySelector('select[name="topic"]') as HTMLSelectElement).value, (ui.querySelector('select[name="language"]') as HTMLSelectElement).value];
    });
    expect(picked).toEqual(['refund', 'en']);
    await screenshot(kiosk, 'scenario-1-kiosk-pick');
    await kiosk.evaluate(() => ((window as any).helpWidget.ui.querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click());
    await kiosk.waitForFunction(() => (window as any).helpWidget.view === 'waiting');
    const sessionId = await kiosk.evaluate(() => sessionStorage.getItem('etax-assist:session'));

    // the supervisor sees the request waiting, in its hall
    await supervisor.waitForFunction(
      () => [...document.querySelectorAll('.tile-stat')].some((e) => e.textContent?.includes('排队人数') && e.querySelector('strong')?.textContent === '1'),
      { timeout: 10_000 },
    );
    await supervisor.waitForFunction(() => document.querySelector('.dashboard')?.textContent?.includes('浦东新区办税服务厅'), { timeout: 10_000 });
    await screenshot(supervisor, 'scenario-2-supervisor-queue');

    // the English-speaking refund agent: console in English, available, gets the offer, accepts
    const agent = await page(1440, 1000);
    await signInToConsole(agent, t.url, 'agent3', 'agent3-pass', 'en');
    await agent.select('.status-select', 'available');
    await agent.waitForSelector('.offer .countdown', { timeout: 15_000 });
    expect(await agent.$eval('.offer', (e) => e.textContent)).toContain('Emma Li');
    expect(await agent.$eval('.offer', (e) => e.textContent)).toMatch(/Refund.*English/);
    await screenshot(agent, 'scenario-3-agent-offer');
    await clickButton(agent, 'Accept', '.offer');
    await agent.waitForSelector('.session-panel');
    expect(await agent.$eval('.taxpayer-card', (e) => e.textContent)).toContain('Emma Li');
    expect(await agent.$eval('.taxpayer-card', (e) => e.textContent)).toContain('K-01');

    // the kiosk shares its page; the agent sees it and the taxpayer's camera
    await kiosk.waitForFunction(() => (window as any).helpWidget.view === 'session', { timeout: 10_000 });
    await kiosk.waitForFunction(() => (window as any).helpWidget.share?.ui.querySelector('.dialog'), { timeout: 10_000 });
    expect(await clickWidgetButton(kiosk, 'Share')).toBe(true);
    await agent.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.mirror iframe')?.contentDocument?.querySelector('#applicant-name'), {
      timeout: 15_000,
      polling: 100,
    });
    // a video request: the agent's call starts by itself
    await agent.waitForFunction(() => document.querySelector('.call-state')?.textContent === 'in call', { timeout: 15_000, polling: 100 });
    await agent.waitForFunction(() => [...document.querySelectorAll<HTMLVideoElement>('.tiles video.tile:not(.self)')].some((v) => v.readyState >= 2 && v.videoWidth > 0), {
      timeout: 20_000,
      polling: 200,
    });

    // highlight: the taxpayer sees the frame around the field the agent pointed out
    await clickButton(agent, 'Highlight', '.toolbar');
    let at = await mirrorPoint(agent, '#applicant-name');
    await agent.mouse.click(at.x, at.y);
    await kiosk.waitForFunction(() => (window as any).helpWidget.share.overlay.highlightBox !== undefined, { timeout: 10_000, polling: 100 });
    await screenshot(kiosk, 'scenario-4-kiosk-highlight');

    // control: asked, allowed on the kiosk, then the agent types into the field
    await clickButton(agent, 'Request control', '.toolbar');
    await kiosk.waitForFunction(() => (window as any).helpWidget.share.ui.querySelector('.dialog')?.textContent?.includes('operate your page'), { timeout: 10_000, polling: 100 });
    expect(await clickWidgetButton(kiosk, 'Allow')).toBe(true);
    await agent.waitForSelector('.mirror-state[data-control="granted"]', { timeout: 10_000 });
    await clickButton(agent, 'Control', '.toolbar');
    at = await mirrorPoint(agent, '#applicant-name');
    await agent.mouse.click(at.x, at.y);
    await agent.waitForFunction(() => document.activeElement?.classList.contains('etax-field-editor'));
    await agent.keyboard.type('Emma Li');
    await agent.keyboard.press('Tab');
    await kiosk.waitForFunction(() => (document.querySelector('#applicant-name') as HTMLInputElement).value === 'Emma Li', { timeout: 10_000, polling: 100 });
    await screenshot(kiosk, 'scenario-5-kiosk-controlled');
    // a private field refuses the agent's typing, and the console says why
    at = await mirrorPoint(agent, '#taxpayer-id');
    await agent.mouse.click(at.x, at.y);
    await agent.waitForFunction(() => document.activeElement?.classList.contains('etax-field-editor'));
    await agent.keyboard.type('X');
    await agent.keyboard.press('Tab');
    await agent.waitForFunction(() => document.querySelector('.toast')?.textContent?.includes('protected field'), { timeout: 10_000, polling: 100 });
    expect(await kiosk.$eval('#taxpayer-id', (input) => (input as HTMLInputElement).value)).toBe('91310115MA1H7T3X2Q');
    // a checkbox toggles with one click; the page's own validation accepts the step: the agent moves the form on
    at = await mirrorPoint(agent, '#agree');
    await agent.mouse.click(at.x, at.y);
    await kiosk.waitForFunction(() => (document.querySelector('#agree') as HTMLInputElement).checked, { timeout: 10_000, polling: 100 });
    at = await mirrorPoint(agent, '#next-1');
    await agent.mouse.click(at.x, at.y);
    await kiosk.waitForSelector('#step-2:not([hidden])', { timeout: 10_000 });
    await agent.waitForFunction(() => !(document.querySelector('.mirror iframe') as HTMLIFrameElement).contentDocument!.querySelector('#step-2')!.hasAttribute('hidden'), {
      timeout: 10_000,
      polling: 100,
    });
    // a select opens as a list of the page's own options
    at = await mirrorPoint(agent, '#bank');
    await agent.mouse.click(at.x, at.y);
    await agent.waitForFunction(() => document.activeElement?.tagName === 'SELECT' && document.activeElement.classList.contains('etax-field-editor'));
    await agent.select('select.etax-field-editor', 'ccb');
    await kiosk.waitForFunction(() => (document.querySelector('#bank') as HTMLSelectElement).value === 'ccb', { timeout: 10_000, polling: 100 });
    await screenshot(agent, 'scenario-6-agent-mirror-control');

    // the supervisor sees the session live and watches it silently
    await supervisor.waitForFunction(() => document.querySelector('.dashboard')?.textContent?.includes('Emma Li'), { timeout: 10_000 });
    await clickButton(supervisor, '静默监听');
    await supervisor.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.watch:not([hidden]) .mirror iframe')?.contentDocument?.querySelector('#bank'), {
      timeout: 15_000,
      polling: 100,
    });
    await screenshot(supervisor, 'scenario-7-supervisor-monitoring');
    await clickButton(supervisor, '停止监听');

    // escalation: the agent writes the note; the expert accepts and finishes the case
    await clickButton(agent, 'Hand over', '.side-tabs');
    await agent.type('.handover-pane input[name="note"]', 'Refund to a joint account: needs an expert');
    await clickButton(agent, 'Escalate to expert', '.handover-pane');
    const expert = await page(1440, 1000);
    await signInToConsole(expert, t.url, 'expert1', DEV_PASSWORDS.expert1);
    await expert.select('.status-select', 'available');
    await expert.waitForSelector('.offer', { timeout: 15_000 });
    expect(await expert.$eval('.offer', (e) => e.textContent)).toContain('升级转专家');
    expect(await expert.$eval('.offer', (e) => e.textContent)).toContain('needs an expert');
    await clickButton(expert, '接受', '.offer');
    await expert.waitForSelector('.session-panel');
    expect(await expert.$eval('.taxpayer-card', (e) => e.textContent)).toContain('needs an expert');
    await expert.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.mirror iframe')?.contentDocument?.querySelector('#bank'), { timeout: 15_000, polling: 100 });
    await kiosk.waitForFunction(() => (window as any).helpWidget.ui.textContent.includes('赵磊'), { timeout: 10_000 });
    await screenshot(expert, 'scenario-8-expert-session');
    // the first agent leaves; the expert explains in chat and ends the session
    await clickButton(agent, 'Leave session', '.actions');
    await agent.waitForFunction(() => !document.querySelector('.session-panel'), { timeout: 10_000 });
    // the expert's call starts by itself and its tiles push the chat down: chat once it has settled
    await expert.waitForFunction(() => document.querySelector('.call-state')?.textContent === '通话中' && document.querySelector('.tile.self'), { timeout: 15_000 });
    await expert.type('.chat-form input', 'A joint account is accepted if you are the first holder.');
    await expert.click('.chat-form button[type="submit"]');
    await kiosk.waitForFunction(() => (window as any).helpWidget.ui.querySelector('.messages')?.textContent?.includes('first holder'), { timeout: 10_000 });
    await clickButton(expert, '结束会话', '.actions');
    await expert.waitForSelector('form.wrap-up');
    await expert.type('form.wrap-up textarea', 'Explained joint-account refunds');
    await expert.select('form.wrap-up select', 'resolved');
    await expert.click('form.wrap-up button[type="submit"]');
    await expert.waitForFunction(() => !document.querySelector('.session-panel'), { timeout: 10_000 });

    // the supervisor replays the finished session: the page, the chat and the agent's actions
    await supervisor.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent === '回放'), { timeout: 10_000 });
    await clickButton(supervisor, '回放');
    await supervisor.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.replay-stage iframe')?.contentDocument?.querySelector('#applicant-name'), {
      timeout: 15_000,
      polling: 100,
    });
    const timeline = await supervisor.$eval('.timeline', (e) => e.textContent ?? '');
    expect(timeline).toContain('first holder');
    expect(timeline).toContain('高亮元素');
    expect(timeline).toContain('代操作 · 输入');
    expect(timeline).toContain('共享状态 · 共享中 / 已允许代操作');
    await clickButton(supervisor, '播放', '.replay');
    await supervisor.waitForFunction(() => Number((document.querySelector('.scrubber') as HTMLInputElement).value) > 0, { timeout: 10_000, polling: 100 });
    await screenshot(supervisor, 'scenario-9-supervisor-replay');
    expect(await t.service.redis.hGet(`sess:${sessionId}`, 'outcome')).toBe('resolved');

    // the kiosk: rating, thanks, then a clean start page for the next visitor
    await kiosk.waitForFunction(() => (window as any).helpWidget.view === 'rating', { timeout: 10_000 });
    await kiosk.evaluate(() => ([...(window as any).helpWidget.ui.querySelectorAll('.stars button')][4] as HTMLButtonElement).click());
    const reset = kiosk.waitForNavigation({ timeout: 15_000 });
    expect(await clickWidgetButton(kiosk, 'Submit')).toBe(true);
    await reset;
    await kiosk.waitForSelector('#login-view:not([hidden])');
    expect(await kiosk.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    expect(await kiosk.evaluate(() => Object.keys(sessionStorage).filter((k) => k !== 'demo-portal:kiosk'))).toEqual([]);
    await screenshot(kiosk, 'scenario-10-kiosk-reset');
    // no screen threw along the way
    expect(pageErrors).toEqual([]);
  });
});
