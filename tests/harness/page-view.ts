import type { Page } from 'puppeteer-core';

/** What a person sees of a page: its visible texts in order, its form fields, where it is scrolled. */
export interface PageView {
  texts: string[];
  /** Every visible field: its id (or name), value (null for a select whose choice is masked) and tick. */
  fields: { id: string; value: string | null; checked: boolean }[];
  scroll: { x: number; y: number };
  /** Inner scroll containers that are scrolled, by id, with their offset. */
  scrolled: Record<string, number>;
}

/**
 * Reads the view of `doc`. With `asSent`, of the taxpayer's own page as the privacy policy lets
 * it leave (masked values as the mirror shows them), so it compares with a mirror's view as is.
 * Runs in the browser (serialized with its body: nothing from outside it).
 */
function readView(doc: Document, asSent: boolean): PageView {
  // the mirror keeps the page's privacy attributes: the same policy tells which choices are masked
  const policy = new (window as any).EtaxAssist.PrivacyPolicy();
  const win = doc.defaultView!;
  const hidden = (el: Element) =>
    el.closest('[hidden],[data-cobrowse-block],script,style,noscript,template,head') !== null || win.getComputedStyle(el).display === 'none' || win.getComputedStyle(el).visibility === 'hidden';
  const texts: string[] = [];
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = (node.textContent ?? '').trim();
    const parent = node.parentElement;
    if (!text || !parent || hidden(parent) || parent.closest('textarea,select')) continue;
    texts.push(asSent ? policy.maskText(text, parent) : text);
  }
  const fields = [...doc.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input,select,textarea')]
    .filter((field) => !hidden(field) && field.type !== 'hidden')
    .map((field) => {
      // a select whose choice is masked sends neither its value nor its selection
      const choiceMasked = field.tagName === 'SELECT' && !policy.valueVisible(field);
      const value = choiceMasked ? null : asSent ? policy.maskInput(field.value, field) : field.value;
      const checked = (field as HTMLInputElement).checked === true && (!asSent || policy.checkedVisible(field));
      return { id: field.id || field.name, value, checked };
    });
  const scrolled: Record<string, number> = {};
  for (const el of doc.querySelectorAll('[id]')) if (el.scrollTop > 0) scrolled[el.id] = el.scrollTop;
  return { texts, fields, scroll: { x: win.scrollX, y: win.scrollY }, scrolled };
}

/** The taxpayer's page as it may be seen: what every mirror of it must show. */
export function taxpayerView(page: Page): Promise<PageView> {
  return page.evaluate(`(${readView.toString()})(document, true)`) as Promise<PageView>;
}

/** What the staff member's mirror (`window.ag.viewer`) shows, or null while it has no page. */
export function mirrorView(page: Page): Promise<PageView | null> {
  return page.evaluate(`(() => { const doc = window.ag?.viewer?.document; return doc?.body ? (${readView.toString()})(doc, false) : null; })()`) as Promise<PageView | null>;
}

/**
 * Waits until the staff member's mirror shows what the taxpayer's page shows (the joiner's mirror
 * is built from the live buffer as soon as it watches), and returns both views: equal unless the
 * mirror never caught up within the timeout.
 */
export async function mirrorCatchesUp(taxpayer: Page, staff: Page, timeoutMs = 10_000): Promise<{ expected: PageView; mirrored: PageView | null }> {
  const expected = await taxpayerView(taxpayer);
  const deadline = Date.now() + timeoutMs;
  let mirrored = await mirrorView(staff);
  while (JSON.stringify(mirrored) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    mirrored = await mirrorView(staff);
  }
  return { expected, mirrored };
}
