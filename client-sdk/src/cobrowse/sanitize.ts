import { asElement, expose, maskAll, type Exposure, type PrivacyPolicy, type Scope } from './privacy.js';

/*
 * A second line of defence over rrweb's own masking, applied to every event before it leaves:
 * rrweb masks input values and the text it is told to, but not attributes (placeholder, title,
 * aria-label, option values, data-*), nor hidden inputs, nor the ticks of private checkboxes, nor
 * page addresses, nor attribute changes made by scripts, and its text masking stops at shadow
 * roots. This pass walks the serialized nodes of snapshots and mutations and masks what the policy
 * says, using the real DOM (through rrweb's mirror) to know where a node sits.
 */

interface SerializedNode {
  type: number;
  id: number;
  tagName?: string;
  attributes?: Record<string, unknown>;
  textContent?: string;
  childNodes?: SerializedNode[];
  isStyle?: boolean;
}

const NODE_ELEMENT = 2;
const NODE_TEXT = 3;
/** Elements whose `value` attribute is a form value. */
const FORM_VALUES = new Set(['input', 'textarea', 'select', 'option']);

/** Input types whose value is the page's own label or data, not what the taxpayer entered. */
const NOT_ENTERED = new Set(['button', 'submit', 'reset', 'image', 'file', 'checkbox', 'radio']);

/**
 * A serialized form field's state as the taxpayer sees it, not as its markup had it: rrweb
 * serializes the attributes, writes the value only when it is not empty (a cleared field kept its
 * markup's value), the tick only when ticked (an unticked box kept its markup's `checked`), and
 * no selected option at all when selects are masked (a select rebuilt from a snapshot showed its
 * first option: the 9% rate chosen before sharing came out as 13%). What may leave is then
 * decided by the policy, as for any value.
 */
function formState(tagName: string, attributes: Record<string, unknown>, element: Element): void {
  if (tagName === 'option') {
    if ((element as HTMLOptionElement).selected) attributes.selected = true;
    else delete attributes.selected;
  } else if (tagName === 'input' || tagName === 'textarea' || tagName === 'select') {
    const field = element as HTMLInputElement;
    const type = tagName === 'input' ? field.type : '';
    if (type === 'checkbox' || type === 'radio') {
      if (field.checked) attributes.checked = true;
      else delete attributes.checked;
    } else if (!NOT_ENTERED.has(type) && tagName !== 'select') {
      attributes.value = field.value;
    }
  }
}

export interface NodeLookup {
  getNode(id: number): Node | null;
}

/** rrweb's event types and incremental sources the sanitizer rewrites. */
const EVENT = { FullSnapshot: 2, IncrementalSnapshot: 3, Meta: 4 } as const;
const SOURCE = { Mutation: 0, Input: 5 } as const;

export class EventSanitizer {
  constructor(
    private readonly policy: PrivacyPolicy,
    private readonly mirror: NodeLookup,
  ) {}

  sanitize(event: { type: number; data: unknown }): void {
    if (event.type === EVENT.Meta) {
      const data = event.data as { href?: string };
      if (typeof data.href === 'string') data.href = this.policy.maskPageAddress(data.href);
      return;
    }
    if (event.type === EVENT.FullSnapshot) {
      const data = event.data as { node: SerializedNode };
      this.#walkFrom(data.node, null);
      return;
    }
    if (event.type !== EVENT.IncrementalSnapshot) return;
    const data = event.data as { source: number } & Record<string, unknown>;
    if (data.source === SOURCE.Mutation) {
      const adds = (data.adds ?? []) as { parentId: number; node: SerializedNode }[];
      for (const add of adds) this.#walkFrom(add.node, this.#container(add.parentId));
      const texts = (data.texts ?? []) as { id: number; value: string | null }[];
      for (const text of texts) {
        if (text.value !== null) text.value = this.policy.maskText(text.value, this.#element(text.id));
      }
      const attributes = (data.attributes ?? []) as { id: number; attributes: Record<string, unknown> }[];
      for (const change of attributes) {
        const element = this.#element(change.id);
        this.#maskAttributes(element?.tagName.toLowerCase() ?? '', change.attributes, element, this.policy.scopeOf(element));
      }
    } else if (data.source === SOURCE.Input) {
      const input = data as unknown as { id: number; text: string; isChecked?: boolean };
      const element = this.#element(input.id);
      input.text = this.policy.maskInput(input.text, element);
      if (input.isChecked && !this.policy.checkedVisible(element)) input.isChecked = false;
    }
  }

  #element(id: number): Element | null {
    return asElement(this.mirror.getNode(id));
  }

  /** The element nodes are added into: for a frame's document, the frame element (its rules cover the frame). */
  #container(id: number): Element | null {
    const node = this.mirror.getNode(id);
    return node?.nodeType === 9 ? ((node as Document).defaultView?.frameElement ?? null) : asElement(node);
  }

  /** `element` is the real one (null when unknown), `scope` where it sits. */
  #maskAttributes(tagName: string, attributes: Record<string, unknown>, element: Element | null, scope: Scope): void {
    const exposure = this.policy.exposureIn(scope, tagName);
    const valueVisible = element !== null && this.policy.valueVisibleIn(scope, element);
    const rel = typeof attributes.rel === 'string' ? attributes.rel : (element?.getAttribute('rel') ?? undefined);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === 'checked' || name === 'selected') {
        // a tick or a selection is a value too: private ticks, and selections of masked selects, stay home
        const visible = name === 'checked' ? element !== null && !scope.private : valueVisible;
        if (!visible) delete attributes[name];
        continue;
      }
      if (typeof value !== 'string') continue;
      // a value attribute is masked like a form value (and masked outright when its element is unknown)
      if (name === 'value' && (element === null || FORM_VALUES.has(tagName))) attributes[name] = valueVisible ? value : maskAll(value);
      else attributes[name] = this.policy.maskAttribute(tagName, name, value, exposure, rel);
    }
  }

  /** Walks a serialized subtree whose parent is `parent` (null: the document itself). */
  #walkFrom(node: SerializedNode, parent: Element | null): void {
    const scope = this.policy.scopeOf(parent);
    this.#walk(node, scope, this.policy.exposureIn(scope, parent?.tagName.toLowerCase() ?? ''));
  }

  /** `scope` is where the node's parent sits, `textExposure` the rule for a text in it. */
  #walk(node: SerializedNode, scope: Scope, textExposure: Exposure): void {
    if (node.type === NODE_TEXT && typeof node.textContent === 'string' && !node.isStyle) {
      node.textContent = expose(node.textContent, textExposure);
    }
    if (node.type !== NODE_ELEMENT) {
      for (const child of node.childNodes ?? []) this.#walk(child, scope, textExposure);
      return;
    }
    const real = this.mirror.getNode(node.id);
    const element = real?.nodeType === 1 ? (real as Element) : null;
    // the walk carries the scope down, through shadow roots and frames too; an unknown element inherits it
    const inner = element ? this.policy.enter(scope, element) : scope;
    const tagName = node.tagName ?? '';
    if (node.attributes && element) formState(tagName, node.attributes, element);
    if (node.attributes) this.#maskAttributes(tagName, node.attributes, element, inner);
    const childText = this.policy.exposureIn(inner, tagName);
    for (const child of node.childNodes ?? []) this.#walk(child, inner, childText);
  }
}
