import { maskNumbers } from './identifiers.js';
import { maskPageAddress } from './page-address.js';

/**
 * What may leave the taxpayer's browser. Safe by default:
 * - form values (inputs, textareas, selects and their options) and editable content
 *   (`contenteditable`, `role="textbox"`, design-mode documents: rich-text editors) are masked
 *   unless the page opts the element in (`data-cobrowse-unmask`): then they show as typed, but for
 *   identifier-like numbers;
 * - anything in `data-private` (or the configured selectors) is masked entirely — text, values,
 *   attributes, the state of checkboxes and radios — whatever opts in around or inside it;
 * - `data-cobrowse-block` is not recorded at all (a same-size placeholder is shown);
 * - other text and attribute text (title, alt, aria-label, placeholder…) shows;
 * - identifier-like numbers are masked everywhere, opted in or not (identifiers.ts): a card or
 *   phone number the taxpayer types or a script fills in never leaves;
 * - page addresses lose their query and fragment, but for the parameters the portal keeps.
 * These rules hold across open shadow roots and same-origin iframes.
 */
export interface PrivacyOptions {
  /** Extra selectors treated like `data-private`. */
  privateSelectors?: string[];
  /** Query parameters (by name) that may stay in page addresses, e.g. `['lang']`; all others go. */
  keepQueryParams?: string[];
}

/** Elements (and their subtrees) never recorded: the SDK's own UI and media players. */
export const BLOCK_ATTRIBUTE = 'data-cobrowse-block';
export const BLOCK_SELECTOR = `[${BLOCK_ATTRIBUTE}]`;
export const UNMASK_SELECTOR = '[data-cobrowse-unmask]';
export const NO_CONTROL_SELECTOR = '[data-cobrowse-no-control]';
/** Where the taxpayer types outside form fields: rich-text editors are built on these. */
const EDITABLE_SELECTOR = '[contenteditable]:not([contenteditable="false"]),[role="textbox"]';
const MASK = '*';

export function maskAll(text: string): string {
  return text.replace(/\S/g, MASK);
}

/** How much of a text may leave: nothing of it, or all but identifier-like numbers. */
/** How much of a text leaves the page: nothing, all but identifier-like numbers, or all of it (the page opted in). */
export type Exposure = 'masked' | 'numbers' | 'visible';

export function expose(text: string, exposure: Exposure): string {
  if (exposure === 'visible') return text;
  return exposure === 'masked' ? maskAll(text) : maskNumbers(text);
}

/** Attributes that carry structure, not content: left as they are (but numbers still masked). */
const STRUCTURAL = new Set(['class', 'id', 'style', 'type', 'name', 'role', 'rel', 'tabindex', 'dir', 'lang', 'for', 'width', 'height']);
/** Asset URLs and CSS (inlined images are long base64 runs) are never rewritten: the mirror loads them. */
const UNTOUCHED = new Set(['href', 'src', 'srcset', '_cssText', 'rr_dataURL', 'xmlns', 'viewBox', 'd', 'points', 'transform']);
/** Attributes holding the address of a page (not of an asset): masked like the page's own address. */
const PAGE_ADDRESSES: Record<string, readonly string[]> = {
  a: ['href'],
  area: ['href'],
  form: ['action'],
  button: ['formaction'],
  input: ['formaction'],
  iframe: ['src', 'rr_src'],
  frame: ['src'],
};
const LINKED_PAGE_RELS = /\b(canonical|alternate|prev|next)\b/i;

/** rrweb's input types, all masked by rrweb first (its maskAllInputs leaves hidden inputs out). */
const MASK_EVERY_INPUT = {
  color: true,
  date: true,
  'datetime-local': true,
  email: true,
  month: true,
  number: true,
  range: true,
  search: true,
  tel: true,
  text: true,
  time: true,
  url: true,
  week: true,
  textarea: true,
  select: true,
  password: true,
  hidden: true,
};

/** Element checks that also hold for nodes of same-origin iframes (another realm: no instanceof). */
export function asElement(node: Node | null | undefined): Element | null {
  if (!node) return null;
  return node.nodeType === 1 ? (node as Element) : node.parentElement;
}

export function inputType(element: Element): string | undefined {
  return element.tagName === 'INPUT' ? (element as HTMLInputElement).type : undefined;
}

/** `closest` that goes on past shadow roots (to their host) and same-origin frames (to the frame element). */
function closestAcross(element: Element, selector: string): Element | null {
  let current: Element | null = element;
  while (current) {
    const found = current.closest(selector);
    if (found) return found;
    const root = current.getRootNode() as Node & { host?: Element; defaultView?: Window | null };
    current = root.host ?? root.defaultView?.frameElement ?? null;
  }
  return null;
}

/**
 * Where an element sits, as far as the rules go: inside a private area, an opted-in one, an
 * editor (its own attributes and its ancestors', across shadow roots and frames).
 */
export interface Scope {
  readonly private: boolean;
  readonly optedIn: boolean;
  readonly editable: boolean;
}

const OUTSIDE: Scope = { private: false, optedIn: false, editable: false };

export class PrivacyPolicy {
  readonly privateSelector: string;
  /** What rrweb masks by itself (its maskTextFn then decides with `maskText`). */
  readonly maskTextSelector: string;
  readonly #keptParameters: ReadonlySet<string>;

  constructor(options: PrivacyOptions = {}) {
    this.privateSelector = ['[data-private]', ...(options.privateSelectors ?? [])].join(',');
    this.maskTextSelector = `${this.privateSelector},${EDITABLE_SELECTOR}`;
    this.#keptParameters = new Set(options.keepQueryParams ?? []);
  }

  /** The scope of an element, looked up through its ancestors (unknown elements: outside everything). */
  scopeOf(element: Element | null): Scope {
    if (!element) return OUTSIDE;
    return {
      private: closestAcross(element, this.privateSelector) !== null,
      optedIn: closestAcross(element, UNMASK_SELECTOR) !== null,
      editable: element.ownerDocument.designMode === 'on' || closestAcross(element, EDITABLE_SELECTOR) !== null,
    };
  }

  /** The scope of a child of an element in `scope`: a walk down a serialized tree needs no look back up. */
  enter(scope: Scope, element: Element): Scope {
    const entered: Scope = {
      private: scope.private || element.matches(this.privateSelector),
      optedIn: scope.optedIn || element.matches(UNMASK_SELECTOR),
      editable: scope.editable || element.matches(EDITABLE_SELECTOR) || element.ownerDocument.designMode === 'on',
    };
    return entered.private === scope.private && entered.optedIn === scope.optedIn && entered.editable === scope.editable ? scope : entered;
  }

  isPrivate(node: Node | null): boolean {
    const element = asElement(node);
    return Boolean(element && closestAcross(element, this.privateSelector));
  }

  /** May the value of this form field (or option) be shown as typed? */
  valueVisible(element: Element | null): boolean {
    return element !== null && this.valueVisibleIn(this.scopeOf(element), element);
  }

  valueVisibleIn(scope: Scope, element: Element): boolean {
    const type = inputType(element);
    return !scope.private && scope.optedIn && type !== 'password' && type !== 'hidden';
  }

  /** Checkboxes and radios say whether they are ticked, except inside private areas. */
  checkedVisible(element: Element | null): boolean {
    return element !== null && !this.isPrivate(element);
  }

  /** The rule for the text and attributes of an element (`tagName` lower case) in `scope`. */
  exposureIn(scope: Scope, tagName: string): Exposure {
    if (scope.private) return 'masked';
    // where the page opted in, it shows as it is: the agent reads the invoice it is helping with
    if (scope.optedIn) return 'visible';
    // a textarea's text is its value; an editor's text is typed input
    if (tagName === 'textarea' || scope.editable) return 'masked';
    return 'numbers';
  }

  /** The same for a real element (unknown elements: numbers masked). */
  exposure(element: Element | null): Exposure {
    return this.exposureIn(this.scopeOf(element), element?.tagName.toLowerCase() ?? '');
  }

  maskInput(value: string, element: Element | null): string {
    return this.valueVisible(element) ? value : maskAll(value);
  }

  maskText(text: string, element: Element | null): string {
    return expose(text, this.exposure(element));
  }

  maskPageAddress(address: string): string {
    return maskPageAddress(address, this.#keptParameters);
  }

  /** An attribute of an element (`tagName` lower case) whose text and attributes follow `exposure`. */
  maskAttribute(tagName: string, name: string, value: string, exposure: Exposure, rel?: string): string {
    if (PAGE_ADDRESSES[tagName]?.includes(name) || (tagName === 'link' && name === 'href' && LINKED_PAGE_RELS.test(rel ?? ''))) {
      return this.maskPageAddress(value);
    }
    if (UNTOUCHED.has(name) || name.startsWith('rr_')) return value;
    if (STRUCTURAL.has(name)) return maskNumbers(value);
    return expose(value, exposure);
  }

  /** rrweb's own masking options, shared by the live recorder and the chat's page snapshot. */
  rrwebMasking() {
    return {
      blockSelector: BLOCK_SELECTOR,
      maskTextSelector: this.maskTextSelector,
      maskInputOptions: MASK_EVERY_INPUT,
      maskInputFn: (text: string, element: HTMLElement) => this.maskInput(text, element),
      maskTextFn: (text: string, element: HTMLElement | null) => this.maskText(text, element),
    };
  }
}
