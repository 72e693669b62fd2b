import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import type { DeflectionFigures } from '@etax-assist/protocol';
import { isolatedPage, screenshot, type TestBrowser } from '../harness/browser.js';
import { clickButton, signInToConsole } from '../harness/console-page.js';
import { signInAtPortal } from '../harness/portal-page.js';
import { DEV_PASSWORDS, type TestService } from '../harness/service.js';
import { withServiceAndBrowser } from '../harness/suite.js';

/**
 * Issue 21, items 1–4 and 6 in Chromium: a supervisor writes and publishes an article in the
 * console; a taxpayer types a colloquial question in the widget and finds it ("answered" is
 * counted); a kiosk visitor's answer does not do and they still need a person: the agent's offer
 * shows their question, and the editors' list shows the article.
 */
describe('the knowledge base: the editor, the widget’s answers, and the figures (real Chromium)', () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)));

  const page = (width: number, height: number) => isolatedPage(b, width, height);
  /** Runs `script` with `ui`, the widget's shadow root. */
  const widget = <T>(p: Page, script: string) => p.evaluate(`(() => { const ui = window.helpWidget.ui; ${script} })()`) as Promise<T>;
  /** Opens the help form and types `question` into its question box, key by key. */
  async function typeQuestion(p: Page, question: string): Promise<void> {
    await widget(p, `ui.querySelector('.launcher').click()`);
    await p.waitForFunction(() => (window as any).helpWidget.ui.querySelector('textarea[name="question"]'));
    await widget(p, `ui.querySelector('textarea[name="question"]').focus()`);
    await p.keyboard.type(question, { delay: 40 });
  }
  const answerShown = (p: Page, question: string) =>
    p.waitForFunction((q) => [...(window as any).helpWidget.ui.querySelectorAll('.answer summary')].some((s: Element) => s.textContent === q), { timeout: 10_000 }, question);
  const clickAnswerButton = (p: Page, text: string) => widget(p, `[...ui.querySelectorAll('.answer[open] button')].find((b) => b.textContent === ${JSON.stringify(text)}).click()`);
  const today = async (): Promise<DeflectionFigures> => {
    const token = await t.staffToken('super1', DEV_PASSWORDS.super1);
    return (await (await fetch(`${t.url}/api/knowledge/deflection/today`, { headers: { authorization: `Bearer ${token}` } })).json()) as DeflectionFigures;
  };

  it('a supervisor writes, previews and publishes an article; a taxpayer’s colloquial question finds it, and “answered” is counted', async () => {
    const editor = await page(1440, 1000);
    await signInToConsole(editor, t.url, 'super1', DEV_PASSWORDS.super1);
    await editor.click('.pane-tab[data-pane="knowledge"]');
    await editor.waitForSelector('.knowledge .records-search');
    await editor.click('button[data-action="new-article"]');
    await editor.waitForSelector('.knowledge-form');
    await editor.select('.knowledge-form select[name="topic"]', 'refund');
    await editor.type('.knowledge-form input[name="questionZh"]', '个税年度汇算退税怎么申请？');
    await editor.type('.knowledge-form input[name="questionEn"]', 'How do I claim an income tax refund?');
    await editor.type('.knowledge-form textarea[name="answerZh"]', '登录个人所得税App，进入“综合所得年度汇算”，核对后提交，系统算出应退税额后选择银行卡申请退税。');
    await editor.type(
      '.knowledge-form textarea[name="answerEn"]',
      'Sign in to the IIT app, open the annual reconciliation, check and submit, then choose a bank card for the refund.',
    );
    await editor.type('.knowledge-form input[name="keywords"]', '退钱, 退个税, money back');
    await editor.type('.knowledge-form textarea[name="links"]', '/iit/reconciliation | 去办理 | Go to the service');
    await clickButton(editor, '保存', '.knowledge-form');
    await editor.waitForFunction(() => document.querySelector('.knowledge-history li')?.textContent?.includes('创建'));
    await clickButton(editor, '预览（纳税人看到的中文）', '.knowledge-form');
    await editor.waitForSelector('.knowledge-preview .answer');
    expect(await editor.$eval('.knowledge-preview', (e) => e.textContent)).toContain('个税年度汇算退税怎么申请？');
    await screenshot(editor, 'knowledge-preview-zh');
    await clickButton(editor, '发布', '.knowledge-table');
    await editor.waitForFunction(() => document.querySelector('.knowledge-history li')?.textContent?.includes('发布'));
    expect(await editor.$eval('.knowledge-table tbody tr', (e) => e.textContent)).toContain('已发布');
    await screenshot(editor, 'knowledge-editor-zh');

    const taxpayer = await page(1280, 900);
    await taxpayer.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
    await signInAtPortal(taxpayer);
    // a colloquial question in other words than the article's
    await typeQuestion(taxpayer, '我想退钱 个税咋弄');
    await answerShown(taxpayer, '个税年度汇算退税怎么申请？');
    await screenshot(taxpayer, 'knowledge-widget-answers-zh');
    await clickAnswerButton(taxpayer, '已解决我的问题');
    await taxpayer.waitForFunction(() => (window as any).helpWidget.ui.querySelector('.thanks'));
    expect((await today()).rows).toEqual([{ topic: 'refund', answered: 1, stillNeedPerson: 0 }]);
    await editor.close();
    await taxpayer.close();
  });

  it('at a kiosk in English the answer does not do: “I still need a person” queues the question, the agent’s offer shows it, the editors’ list and the dashboard count it', async () => {
    const agent = await page(1280, 900);
    await signInToConsole(agent, t.url, 'agent1', DEV_PASSWORDS.agent1);
    await agent.select('.status-select', 'available');

    const kiosk = await page(1080, 1920);
    await kiosk.goto(`${t.url}/demo/kiosk`, { waitUntil: 'networkidle0' });
    await kiosk.click('#lang');
    await signInAtPortal(kiosk);
    await typeQuestion(kiosk, 'my income tax refnd, how do i get the money back');
    await answerShown(kiosk, 'How do I claim an income tax refund?');
    await screenshot(kiosk, 'knowledge-kiosk-answers-en');
    await clickAnswerButton(kiosk, 'I still need a person');
    await kiosk.waitForFunction(() => (window as any).helpWidget.view === 'waiting', { timeout: 10_000 });

    await agent.waitForSelector('.offer .question', { timeout: 10_000 });
    expect(await agent.$eval('.offer .question', (e) => e.textContent)).toContain('my income tax refnd, how do i get the money back');
    await screenshot(agent, 'knowledge-offer-question');
    await agent.click('.offer button.primary');
    await agent.waitForSelector('.taxpayer-card .question');
    expect(await agent.$eval('.taxpayer-card .question', (e) => e.textContent)).toContain('how do i get the money back');

    expect((await today()).rows).toEqual([{ topic: 'refund', answered: 1, stillNeedPerson: 1 }]);
    const supervisor = await page(1440, 1000);
    await signInToConsole(supervisor, t.url, 'super1', DEV_PASSWORDS.super1, 'en');
    await supervisor.waitForSelector('.self-service-today .deflection-table', { timeout: 15_000 });
    expect(await supervisor.$eval('.self-service-today tr[data-topic="refund"]', (e) => e.textContent)).toContain('50%');
    await screenshot(supervisor, 'knowledge-dashboard-self-service-en');
    await supervisor.click('.pane-tab[data-pane="knowledge"]');
    await supervisor.waitForSelector('.knowledge-failing-table');
    expect(await supervisor.$eval('.knowledge-failing-table tbody tr', (e) => e.textContent)).toContain('How do I claim an income tax refund?');
    await screenshot(supervisor, 'knowledge-failing-en');
    await agent.close();
    await kiosk.close();
    await supervisor.close();
  });
});
