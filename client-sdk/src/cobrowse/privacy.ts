/**
 * What may leave the taxpayer's browser. Safe by default: every input value is masked unless the
 * page opts the field in (`data-cobrowse-unmask`); anything in `data-private` (or the configured
 * selectors) is masked entirely; `data-cobrowse-block` is not recorded at all (a same-size
 * placeholder is shown); any run of 6+ digits (taxpayer IDs, bank accounts) is masked wherever it
 * appears — text, attributes, input values.
 */
export interface PrivacyOptions {
  /** Extra selectors treated like `data-private`. */
  privateSelectors?: string[];
}

/** Elements (and their subtrees) never recorded: the SDK's own UI and media players. */
export const BLOCK_ATTRIBUTE = 'data-cobrowse-block';
export const BLOCK_SELECTOR = `[${BLOCK_ATTRIBUTE}]`;
export const UNMASK_SELECTOR = '[data-cobrowse-unmask]';
export const NO_CONTROL_SELECTOR = '[data-cobrowse-no-control]';
const DIGIT_RUN = /\d{6,}/g;
const MASK = '*';

export function maskDigits(text: string): string {
  return text.replace(DIGIT_RUN, (run) => MASK.repeat(run.length));
}

export function maskAll(text: string): string {
  return text.replace(/\S/g, MASK);
}

/** Attributes that carry structure, not content: left as they are (but still digit-masked). */
const STRUCTURAL = new Set(['class', 'id', 'style', 'type', 'name', 'role', 'rel', 'tabindex', 'dir', 'lang', 'for', 'width', 'height']);
/** URLs and CSS (inlined images are long base64 runs) are never rewritten. */
const UNTOUCHED = new Set(['href', 'src', 'srcset', '_cssText', 'rr_dataURL', 'xmlns', 'viewBox', 'd', 'points', 'transform']);

/** Element checks that also hold for nodes of same-origin iframes (another realm: no instanceof). */
export function asElement(node: Node | null | undefined): Element | null {
  if (!node) return null;
  return node.nodeType === 1 ? (node as Element) : node.parentElement;
}

export function inputType(element: Element): string | undefined {
  return element.tagName === 'INPUT' ? (element as HTMLInputElement).type : undefined;
}

export class PrivacyPolicy {
  readonly privateSelector: string;

  constructor(options: PrivacyOptions = {}) {
    this.privateSelector = ['[data-private]', ...(options.privateSelectors ?? [])].join(',');
  }

  isPrivate(node: Node | null): boolean {
    return Boolean(asElement(node)?.closest(this.privateSelector));
  }

  /** May the value of this form field be shown as typed? */
  valueVisible(element: Element | null): boolean {
    if (!element || this.isPrivate(element)) return false;
    const type = inputType(element);
    if (type === 'password' || type === 'hidden') return false;
    return Boolean(element.closest(UNMASK_SELECTOR));
  }

  maskInput(value: string, element: Element | null): string {
    return this.valueVisible(element) ? maskDigits(value) : maskAll(value);
  }

  maskText(text: string, element: Element | null): string {
    return this.isPrivate(element) ? maskAll(text) : maskDigits(text);
  }

  maskAttribute(name: string, value: string, insidePrivate: boolean): string {
    if (UNTOUCHED.has(name) || name.startsWith('rr_')) return value;
    if (STRUCTURAL.has(name)) return maskDigits(value);
    return insidePrivate ? maskAll(value) : maskDigits(value);
  }
}
