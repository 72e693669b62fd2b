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
  const policy = asSent ? new (window as any).EtaxAssist.PrivacyPolicy() : undefined;
  const win = doc.defaultView!;
  const hidden = (el: Element) =>
    el.closest('[hidden],[data-cobrowse-block],script,style,noscript,template,head') !== null ||
    win.getComputedStyle(el).display === 'none' ||
    win.getComputedStyle(el).visibility === 'hidden';
  const texts: string[] = [];
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = (node.textContent ?? '').trim();
    const parent = node.parentElement;
    if (!text || !parent || hidden(parent) || parent.closest('textarea,select')) continue;
    texts.push(policy ? policy.maskText(text, parent) : text);
  }
  const fields = [...doc.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input,select,textarea')]
    .filter((field) => !hidden(field) && field.type !== 'hidden')
    .map((field) => {
      // a select whose choice is masked sends neither its value nor its selection
      const choiceMasked = policy !== undefined && field.tagName === 'SELECT' && !policy.valueVisible(field);
      const value = choiceMasked ? null : policy ? policy.maskInput(field.value, field) : field.value;
      const checked = (field as HTMLInputElement).checked === true && (!policy || policy.checkedVisible(field));
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

/** The mirrored document of a page driving a MirrorViewer itself (`window.ag.viewer`). */
export const VIEWER_MIRROR = 'window.ag?.viewer?.document';
/** The mirrored document of the console's visible mirror (agent's session panel, supervisor's monitor). */
export const CONSOLE_MIRROR = "[...document.querySelectorAll('.mirror iframe')].find((f) => f.getClientRects().length > 0)?.contentDocument";

/** What a staff member's mirror (the document `mirror` names in their page) shows, or null while it has no page. */
export function mirrorView(page: Page, mirror = VIEWER_MIRROR): Promise<PageView | null> {
  return page.evaluate(`(() => { const doc = ${mirror}; return doc?.body ? (${readView.toString()})(doc, false) : null; })()`) as Promise<PageView | null>;
}

/** A select whose choice never leaves the page shows whatever the mirror makes of it: not compared. */
function withoutMaskedChoices(view: PageView | null, expected: PageView): PageView | null {
  if (!view) return view;
  const masked = new Set(expected.fields.filter((f) => f.value === null).map((f) => f.id));
  return { ...view, fields: view.fields.map((f) => (masked.has(f.id) ? { ...f, value: null } : f)) };
}

/**
 * Waits until the staff member's mirror shows what the taxpayer's page shows (the joiner's mirror
 * is built from the live buffer as soon as it watches), and returns both views: equal unless the
 * mirror never caught up within the timeout.
 */
export async function mirrorCatchesUp(taxpayer: Page, staff: Page, mirror = VIEWER_MIRROR, timeoutMs = 10_000): Promise<{ expected: PageView; mirrored: PageView | null }> {
  const expected = await taxpayerView(taxpayer);
  const read = async () => withoutMaskedChoices(await mirrorView(staff, mirror), expected);
  const deadline = Date.now() + timeoutMs;
  let mirrored = await read();
  while (JSON.stringify(mirrored) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    mirrored = await read();
  }
  return { expected, mirrored };
}
