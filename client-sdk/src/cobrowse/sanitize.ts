import { asElement, maskAll, maskDigits, type PrivacyPolicy } from './privacy.js';

/*
 * A second line of defence over rrweb's own masking, applied to every event before it leaves:
 * rrweb masks input values and text, but not attributes (placeholder, title, aria-label, option
 * values, data-*), nor hidden inputs, nor attribute changes made by scripts. This pass walks the
 * serialized nodes of snapshots and mutations and masks what the policy says, using the real DOM
 * (through rrweb's mirror) to know whether a node sits inside a private area.
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

export interface NodeLookup {
  getNode(id: number): Node | null;
}

/** rrweb's event types and incremental sources the sanitizer rewrites. */
const EVENT = { FullSnapshot: 2, IncrementalSnapshot: 3 } as const;
const SOURCE = { Mutation: 0, Input: 5 } as const;

export class EventSanitizer {
  constructor(
    private readonly policy: PrivacyPolicy,
    private readonly mirror: NodeLookup,
  ) {}

  sanitize(event: { type: number; data: unknown }): void {
    if (event.type === EVENT.FullSnapshot) {
      const data = event.data as { node: SerializedNode };
      this.#walk(data.node, false);
      return;
    }
    if (event.type !== EVENT.IncrementalSnapshot) return;
    const data = event.data as { source: number } & Record<string, unknown>;
    if (data.source === SOURCE.Mutation) {
      const adds = (data.adds ?? []) as { parentId: number; node: SerializedNode }[];
      for (const add of adds) this.#walk(add.node, this.policy.isPrivate(this.mirror.getNode(add.parentId)));
      const texts = (data.texts ?? []) as { id: number; value: string | null }[];
      for (const text of texts) {
        if (text.value !== null) text.value = this.policy.maskText(text.value, this.#element(text.id));
      }
      const attributes = (data.attributes ?? []) as { id: number; attributes: Record<string, unknown> }[];
      for (const change of attributes) {
        const element = this.#element(change.id);
        const inside = this.policy.isPrivate(element);
        for (const [name, value] of Object.entries(change.attributes)) {
          if (typeof value !== 'string') continue;
          // a value attribute is masked like a form value (and masked outright when its element is unknown)
          change.attributes[name] = name === 'value' ? this.policy.maskInput(value, element) : this.policy.maskAttribute(name, value, inside);
        }
      }
    } else if (data.source === SOURCE.Input) {
      const input = data as unknown as { id: number; text: string };
      input.text = this.policy.maskInput(input.text, this.#element(input.id));
    }
  }

  #element(id: number): Element | null {
    return asElement(this.mirror.getNode(id));
  }

  #walk(node: SerializedNode, insidePrivate: boolean): void {
    let inside = insidePrivate;
    if (node.type === NODE_ELEMENT && node.attributes) {
      const real = this.mirror.getNode(node.id);
      const element = real?.nodeType === 1 ? (real as Element) : null;
      inside = inside || Boolean(element?.matches(this.policy.privateSelector));
      const formValue = node.tagName === 'input' || node.tagName === 'textarea' || node.tagName === 'select';
      for (const [name, value] of Object.entries(node.attributes)) {
        if (typeof value !== 'string') continue;
        node.attributes[name] =
          name === 'value' && formValue
            ? inside ? maskAll(value) : this.policy.maskInput(value, element)
            : this.policy.maskAttribute(name, value, inside);
      }
    } else if (node.type === NODE_TEXT && typeof node.textContent === 'string' && !node.isStyle) {
      node.textContent = inside ? maskAll(node.textContent) : maskDigits(node.textContent);
    }
    for (const child of node.childNodes ?? []) this.#walk(child, inside);
  }
}
