import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { request, type TestSocket } from '../harness/socket.js';
import { agentTakesNextOffer } from '../harness/session.js';
import { widgetSessionId } from '../harness/portal-page.js';
import { withServiceAndBrowser } from '../harness/suite.js';
import { DEV_PASSWORDS, type TestService } from '../harness/service.js';

type Lang = 'zh' | 'en';
interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
}
const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true };
const DESKTOP = { width: 1280, height: 800 };
const KIOSK = { width: 1920, height: 1080 };

/**
 * The taxpayer's widget at the sizes people use it (phone 390×844 with touch, desktop 1280×800,
 * kiosk 1920×1080), in both languages: everything inside the screen, the panel minimisable and
 * movable, both answers of a consent question visible and on top, the call's controls in view,
 * and a waiting view that tells the truth. Screenshots of each go to test-artifacts/.
 */
describe('the help widget on a phone, a desktop and a kiosk', () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)));

  async function signedIn(viewport: typeof PHONE | typeof DESKTOP | typeof KIOSK, lang: Lang, kiosk = false): Promise<Page> {
    const page = await (await b.browser.createBrowserContext()).newPage();
    await page.setViewport(viewport);
    await page.goto(`${t.url}/demo/?lang=${lang}${kiosk ? '&kiosk=1' : ''}`, { waitUntil: 'networkidle0' });
    await page.click('#login-form button[type="submit"]');
    await page.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher'));
    return page;
  }
  const widget = (page: Page, script: string) => page.evaluate(`(() => { const ui = window.helpWidget.ui; ${script} })()`);
  const open = (page: Page) => widget(page, `ui.querySelector('.launcher').click();`);
  const ask = async (page: Page, channel: 'video' | 'voice' | 'text') => {
    await widget(page, `ui.querySelector('button[data-channel="${channel}"]').click(); ui.querySelector('form.pick button[type="submit"]').click();`);
    await page.waitForFunction(() => (window as any).helpWidget.view === 'waiting');
  };
  /** Boxes of what the selector matches in the widget's (or the sharing layer's) shadow root. */
  const boxes = (page: Page, selector: string, layer: 'widget' | 'share' = 'widget') =>
    page.evaluate(
      (selector, layer) => {
        const w = (window as any).helpWidget;
        const root = (layer === 'widget' ? w.ui : w.share.ui) as ShadowRoot;
        return [...root.querySelectorAll(selector)]
          .filter((e) => (e as HTMLElement).offsetParent !== null || getComputedStyle(e).position === 'fixed')
          .map((e) => {
            const r = e.getBoundingClientRect();
            return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height };
          });
      },
      selector,
      layer,
    ) as Promise<Box[]>;
  const inside = (box: Box, area: { width: number; height: number }) => {
    expect(box.left).toBeGreaterThanOrEqual(0);
    expect(box.top).toBeGreaterThanOrEqual(0);
    expect(box.right).toBeLessThanOrEqual(area.width);
    expect(box.bottom).toBeLessThanOrEqual(area.height);
  };
  /**
   * The buttons with these labels are on screen and on top: what is drawn at each one's centre is
   * that button (no banner, panel or other dialog over it).
   */
  const onTop = (page: Page, labels: string[], layer: 'widget' | 'share') =>
    page.evaluate(
      (labels, layer) => {
        const w = (window as any).helpWidget;
        const root = (layer === 'widget' ? w.ui : w.share.ui) as ShadowRoot;
        const host = root.host;
        return labels.map((label) => {
          const button = [...root.querySelectorAll('button')].find((b) => b.textContent === label || b.getAttribute('aria-label') === label);
          if (!button) return `${label}: missing`;
          const r = button.getBoundingClientRect();
          const x = r.left + r.width / 2;
          const y = r.top + r.height / 2;
          if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return `${label}: off screen at ${Math.round(x)},${Math.round(y)}`;
          if (document.elementFromPoint(x, y) !== host) return `${label}: covered by the page or another layer`;
          const hit = root.elementFromPoint(x, y);
          return hit === button || button.contains(hit) ? 'ok' : `${label}: covered by ${hit?.className || hit?.tagName}`;
        });
      },
      labels,
      layer,
    );
  const panelText = (page: Page) => widget(page, `return ui.querySelector('.panel')?.textContent ?? '';`) as Promise<string>;
  const endSession = async (page: Page, agent: TestSocket) => {
    const sessionId = await widgetSessionId(page);
    await request(agent, 'session:end', { sessionId });
    await request(agent, 'session:wrap-up', { sessionId, notes: 'ok', outcome: 'resolved' });
    // away before its socket goes: the next request must not be offered to a console nobody watches
    await request(agent, 'agent:status', { status: 'away' });
    agent.close();
    await page.waitForFunction(() => (window as any).helpWidget.view === 'rating');
  };

  it('fits a phone and a desktop, minimises to a bar, moves by drag and keys, and says when nobody is on duty', async () => {
    for (const [size, viewport] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      for (const lang of ['zh', 'en'] as const) {
        const page = await signedIn(viewport, lang);
        await open(page);
        const [panel] = await boxes(page, '.panel');
        inside(panel!, viewport);
        // every title, label, choice and button of the form is on screen, none clipped at a side
        for (const box of await boxes(page, '.panel :is(h2, label, select, button)')) {
          expect(box.left).toBeGreaterThanOrEqual(panel!.left);
          expect(box.right).toBeLessThanOrEqual(panel!.right);
        }
        await screenshot(page, `widget-${size}-pick-${lang}`);

        // nobody is signed in: the waiting view says so and what else there is, not "you are next"
        await ask(page, 'voice');
        const waiting = await panelText(page);
        expect(waiting).toContain(lang === 'zh' ? '目前没有坐席值班' : 'No agent is on duty right now');
        expect(waiting).not.toMatch(/马上轮到您|You are next|预计等待|min to wait/);
        expect(await onTop(page, lang === 'zh' ? ['电话坐席会话码', '取消求助'] : ['Code for the phone agent', 'Cancel'], 'widget')).toEqual(['ok', 'ok']);
        await screenshot(page, `widget-${size}-waiting-nobody-${lang}`);

        // minimised: a small bar that restores the panel
        const [shown] = await boxes(page, '.panel');
        await widget(page, `ui.querySelector('.panel button[data-action="minimise"]').click();`);
        expect(await boxes(page, '.panel')).toEqual([]);
        const [bar] = await boxes(page, '.bar');
        inside(bar!, viewport);
        expect(bar!.height).toBeLessThanOrEqual(72);
        expect(bar!.width * bar!.height).toBeLessThan((viewport.width * viewport.height) / 10);
        await screenshot(page, `widget-${size}-minimised-${lang}`);
        await widget(page, `ui.querySelector('.bar button[data-action="restore"]').click();`);
        const [restored] = await boxes(page, '.panel');
        expect(restored).toEqual(shown);

        // moved by dragging its handle (a finger on the phone, the mouse on the desktop)
        const [handle] = await boxes(page, '.panel .head');
        const from = { x: handle!.left + 40, y: handle!.top + handle!.height / 2 };
        if (viewport === PHONE) {
          await page.touchscreen.touchStart(from.x, from.y);
          for (let dy = 50; dy <= 300; dy += 50) await page.touchscreen.touchMove(from.x, from.y - dy);
          await page.touchscreen.touchEnd();
        } else {
          await page.mouse.move(from.x, from.y);
          await page.mouse.down();
          await page.mouse.move(from.x - 300, from.y - 150, { steps: 5 });
          await page.mouse.up();
        }
        // the panel follows on the next frames (a loaded machine draws late)
        await expect.poll(async () => (await boxes(page, '.panel'))[0]!.top, { timeout: 5000 }).toBeLessThan(restored!.top - 100);
        const [dragged] = await boxes(page, '.panel');
        inside(dragged!, viewport);
        // and with the keys, from the move button; never past the edge of the screen
        await widget(page, `ui.querySelector('.panel button[data-action="move"]').focus();`);
        // down first: a drag as far as the top edge leaves no room above (the English waiting panel is that tall on a phone)
        await page.keyboard.press('ArrowDown');
        const [lower] = await boxes(page, '.panel');
        expect(lower!.top).toBeGreaterThan(dragged!.top);
        await page.keyboard.press('ArrowUp');
        const [up] = await boxes(page, '.panel');
        expect(up!.top).toBeLessThan(lower!.top);
        for (let i = 0; i < 60; i++) await page.keyboard.press('ArrowDown');
        const [down] = await boxes(page, '.panel');
        expect(down!.bottom).toBeGreaterThan(viewport.height - 30);
        inside(down!, viewport);
        // the place is kept as the view changes
        await widget(page, `[...ui.querySelectorAll('.panel button')].find((b) => b.textContent === '${lang === 'zh' ? '电话坐席会话码' : 'Code for the phone agent'}').click();`);
        await page.waitForFunction(() => (window as any).helpWidget.ui.querySelector('.code .digits'));
        inside((await boxes(page, '.panel'))[0]!, viewport);
        await screenshot(page, `widget-${size}-moved-${lang}`);
        await widget(page, `[...ui.querySelectorAll('.panel button')].find((b) => b.textContent === '${lang === 'zh' ? '取消求助' : 'Cancel'}').click();`);
        await page.waitForFunction(() => (window as any).helpWidget.view === 'closed');
        await page.close();
      }
    }
  }, 120_000);

  it('on a phone, a video session: self-view, short banners, both consent answers on top, the rating on screen', async () => {
    for (const lang of ['zh', 'en'] as const) {
      const page = await signedIn(PHONE, lang);
      await open(page);
      await ask(page, 'video');
      const agent = await agentTakesNextOffer(t);
      await page.waitForFunction(() => (window as any).helpWidget.view === 'session');
      await page.waitForFunction(() => (window as any).helpWidget.share?.ui.querySelector('.dialog'), { timeout: 10_000 });
      expect(await onTop(page, lang === 'zh' ? ['暂不共享', '允许共享'] : ['Not now', 'Share'], 'share')).toEqual(['ok', 'ok']);
      await widget(page, `[...window.helpWidget.share.ui.querySelectorAll('.dialog button')].find((b) => b.textContent === '${lang === 'zh' ? '允许共享' : 'Share'}').click();`);
      await page.waitForFunction(() => (window as any).helpWidget.share.ui.querySelector('.banner'));
      // the sharing banner is one short line, not a column of single words over the page's header
      const [sharing] = await boxes(page, '.banner', 'share');
      inside(sharing!, PHONE);
      expect(sharing!.height).toBeLessThanOrEqual(64);

      // a self-view beside the agent's picture, and the call's controls on screen
      await page.waitForFunction(() => ((window as any).helpWidget.ui.querySelector('.tiles video.self') as HTMLVideoElement | null)?.srcObject, { timeout: 15_000 });
      expect(await onTop(page, lang === 'zh' ? ['静音', '关闭摄像头', '结束服务'] : ['Mute', 'Camera off', 'End'], 'widget')).toEqual(['ok', 'ok', 'ok']);
      inside((await boxes(page, '.panel'))[0]!, PHONE);
      await screenshot(page, `widget-phone-session-${lang}`);

      // minimised mid-session, the bar says when the agent writes; opened again, the message is there
      const sessionId = await widgetSessionId(page);
      await widget(page, `ui.querySelector('.panel button[data-action="minimise"]').click();`);
      await request(agent, 'chat:send', { sessionId, text: lang === 'zh' ? '请看第二栏' : 'Look at the second field' });
      await page.waitForFunction(() => (window as any).helpWidget.ui.querySelector('.bar .unread'), { timeout: 10_000 });
      expect(await widget(page, `return ui.querySelector('.bar').textContent;`)).toContain(lang === 'zh' ? '新消息' : 'New message');
      await screenshot(page, `widget-phone-minimised-session-${lang}`);
      await widget(page, `ui.querySelector('.bar button[data-action="restore"]').click();`);
      expect(await widget(page, `return ui.querySelector('.messages').textContent;`)).toContain(lang === 'zh' ? '请看第二栏' : 'Look at the second field');

      // the agent asks for control: both answers visible and on top of everything
      await request(agent, 'cobrowse:control-request', { sessionId });
      await page.waitForFunction(() => (window as any).helpWidget.share.ui.querySelector('.dialog'), { timeout: 10_000 });
      expect(await onTop(page, lang === 'zh' ? ['拒绝', '允许'] : ['Refuse', 'Allow'], 'share')).toEqual(['ok', 'ok']);
      await screenshot(page, `widget-phone-control-question-${lang}`);
      await widget(page, `[...window.helpWidget.share.ui.querySelectorAll('.dialog button')].find((b) => b.textContent === '${lang === 'zh' ? '允许' : 'Allow'}').click();`);
      await page.waitForFunction(() => (window as any).helpWidget.share.state.control === 'granted');
      const [control] = await boxes(page, '.banner', 'share');
      inside(control!, PHONE);
      expect(control!.height).toBeLessThanOrEqual(64);
      await screenshot(page, `widget-phone-control-${lang}`);

      await endSession(page, agent);
      const [panel] = await boxes(page, '.panel');
      inside(panel!, PHONE);
      expect(await onTop(page, [lang === 'zh' ? '1 分（满分 5 分）' : '1 of 5', lang === 'zh' ? '提交' : 'Submit'], 'widget')).toEqual(['ok', 'ok']);
      await screenshot(page, `widget-phone-rating-${lang}`);
      await page.close();
    }
  }, 120_000);

  it('at a kiosk: both answers to the control request on top, the call controls in the upper half, kiosk-sized status', async () => {
    for (const lang of ['zh', 'en'] as const) {
      const page = await signedIn(KIOSK, lang, true);
      await open(page);
      await widget(page, `ui.querySelector('form.pick button[type="submit"]').click();`);
      await page.waitForFunction(() => (window as any).helpWidget.view === 'waiting');
      const agent = await agentTakesNextOffer(t);
      await page.waitForFunction(() => (window as any).helpWidget.view === 'session');
      await page.waitForFunction(() => (window as any).helpWidget.share?.ui.querySelector('.dialog'), { timeout: 10_000 });
      await widget(page, `[...window.helpWidget.share.ui.querySelectorAll('.dialog button')].find((b) => b.textContent === '${lang === 'zh' ? '允许共享' : 'Share'}').click();`);
      await page.waitForFunction(() => (window as any).helpWidget.share.ui.querySelector('.banner'));
      // the kiosk's camera and microphone start by themselves
      const cameraOff = lang === 'zh' ? '关闭摄像头' : 'Camera off';
      await page.waitForFunction(
        (label) => [...(window as any).helpWidget.ui.querySelectorAll('.panel.session button')].some((b: HTMLButtonElement) => b.textContent === label),
        { timeout: 15_000 },
        cameraOff,
      );

      // mute, camera off and end service are in view in the upper half
      const controls = lang === 'zh' ? ['静音', '关闭摄像头', '结束服务'] : ['Mute', 'Camera off', 'End'];
      expect(await onTop(page, controls, 'widget')).toEqual(['ok', 'ok', 'ok']);
      const panelBottom = (await boxes(page, '.panel'))[0]!.bottom;
      for (const label of controls) {
        const bottom = await page.evaluate(
          (label) => [...(window as any).helpWidget.ui.querySelectorAll('button')].find((b: HTMLButtonElement) => b.textContent === label).getBoundingClientRect().bottom,
          label,
        );
        expect(bottom).toBeLessThanOrEqual(Math.min(panelBottom, KIOSK.height / 2));
      }
      // type sized for a kiosk screen
      const statusSize = await widget(page, `return parseFloat(getComputedStyle(ui.querySelector('.panel .status')).fontSize);`);
      expect(statusSize).toBeGreaterThanOrEqual(24);
      await screenshot(page, `widget-kiosk-session-${lang}`);

      // the agent asks for control: Refuse is as reachable as Allow
      await request(agent, 'cobrowse:control-request', { sessionId: await widgetSessionId(page) });
      await page.waitForFunction(() => (window as any).helpWidget.share.ui.querySelector('.dialog'), { timeout: 10_000 });
      const answers = lang === 'zh' ? ['拒绝', '允许'] : ['Refuse', 'Allow'];
      expect(await onTop(page, answers, 'share')).toEqual(['ok', 'ok']);
      await screenshot(page, `widget-kiosk-control-question-${lang}`);
      const refuse = await page.evaluate((label) => {
        const r = [...(window as any).helpWidget.share.ui.querySelectorAll('.dialog button')].find((b: HTMLButtonElement) => b.textContent === label).getBoundingClientRect();
        return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
      }, answers[0]!);
      // a real click (a finger on the kiosk) where Refuse is drawn
      await page.mouse.click(refuse.x, refuse.y);
      await page.waitForFunction(() => !(window as any).helpWidget.share.ui.querySelector('.dialog') && (window as any).helpWidget.share.state.control === 'none');
      await endSession(page, agent);
      await page.close();
    }
  }, 120_000);

  it('the green-channel group the taxpayer chose is on the offer and the taxpayer card of the agent, in both languages', async () => {
    const page = await signedIn(DESKTOP, 'zh');
    await open(page);
    // the choice is offered once the service said a page may make it (GET /api/help/options)
    await page.waitForFunction(() => (window as any).helpWidget.ui.querySelector('select[name="priority"]'), { timeout: 10_000 });
    await widget(page, `const s = ui.querySelector('select[name="priority"]'); s.value = 'pregnant';`);
    await ask(page, 'text');
    const agent = await (await b.browser.createBrowserContext()).newPage();
    await agent.setViewport({ width: 1280, height: 800 });
    await signInToConsole(agent, t.url, 'agent1', DEV_PASSWORDS.agent1);
    await agent.select('.status-select', 'available');
    await agent.waitForSelector('.offer .priority');
    expect(await agent.$eval('.offer .priority', (e) => e.textContent)).toBe('绿色通道 · 孕妇');
    await screenshot(agent, 'widget-green-channel-offer-zh');
    await clickButton(agent, '接受', '.offer');
    await agent.waitForSelector('.taxpayer-card .priority');
    expect(await agent.$eval('.taxpayer-card .priority', (e) => e.textContent)).toBe('绿色通道孕妇');
    await agent.click('button[data-action="language"]');
    await agent.waitForFunction(() => document.querySelector('.taxpayer-card .priority')?.textContent === 'Green channelPregnant');
    await screenshot(agent, 'widget-green-channel-card-en');
    // the server has the group the taxpayer chose, not a stand-in for every green-channel visitor
    const sessionId = await page.evaluate(() => sessionStorage.getItem('etax-assist:session'));
    expect(await t.service.redis.hGet(`sess:${sessionId}`, 'priority')).toBe('pregnant');
    await agent.close();
    await page.close();
  });
});
