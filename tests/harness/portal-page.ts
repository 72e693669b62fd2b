import type { Page } from 'puppeteer-core';
import type { Channel } from '@etax-assist/protocol';

/** Signs in at the demo portal's form (on the page it is on) and waits for the help widget. */
export async function signInAtPortal(page: Page): Promise<void> {
  await page.click('#login-form button[type="submit"]');
  await page.waitForFunction(() => (window as any).helpWidget?.ui.querySelector('.launcher'));
}

/** Through the widget, as a visitor would: opens it, asks (the form's defaults unless `choice` says), waits in the queue. */
export async function askThroughWidget(page: Page, choice: { topic?: string; channel?: Channel } = {}): Promise<void> {
  await page.evaluate(({ topic, channel }) => {
    const ui = (window as any).helpWidget.ui as ShadowRoot;
    (ui.querySelector('.launcher') as HTMLButtonElement).click();
    if (topic) (ui.querySelector('select[name="topic"]') as HTMLSelectElement).value = topic;
    if (channel) (ui.querySelector(`button[data-channel="${channel}"]`) as HTMLButtonElement).click();
    (ui.querySelector('form.pick button[type="submit"]') as HTMLButtonElement).click();
  }, choice);
  await page.waitForFunction(() => (window as any).helpWidget.view === 'waiting');
}

/** Clicks the button of the widget's (closed) shadow UIs — the panel's, the sharing dialogs' — whose text is `text`; false when there is none. */
export function clickWidgetButton(page: Page, text: string): Promise<boolean> {
  return page.evaluate((label) => {
    const w = window as any;
    const roots: ShadowRoot[] = [w.helpWidget.ui, w.helpWidget.share?.ui].filter(Boolean);
    const found = roots.flatMap((r) => [...r.querySelectorAll('button')]).find((button) => button.textContent === label);
    found?.click();
    return found !== undefined;
  }, text);
}

/** The session the page's widget is in (as it keeps it across reloads); throws when it is in none. */
export async function widgetSessionId(page: Page): Promise<string> {
  const id = await page.evaluate(() => sessionStorage.getItem('etax-assist:session'));
  if (id === null) throw new Error('the widget is in no session');
  return id;
}
