import type { ControlInput } from '@etax-assist/protocol';

type Scrollable = Element | Document;

/** How far a wheel event means, in CSS pixels (its delta may be in lines or pages). */
export function wheelPixels(event: WheelEvent, pageHeight: number): { dx: number; dy: number } {
  const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? pageHeight : 1;
  return { dx: event.deltaX * unit, dy: event.deltaY * unit };
}

function scrollOf(target: Scrollable): { x: number; y: number; maxX: number; maxY: number } {
  if (target.nodeType === Node.DOCUMENT_NODE) {
    const doc = target as Document;
    const win = doc.defaultView;
    const root = doc.scrollingElement ?? doc.documentElement;
    return { x: win?.scrollX ?? 0, y: win?.scrollY ?? 0, maxX: root.scrollWidth - (win?.innerWidth ?? 0), maxY: root.scrollHeight - (win?.innerHeight ?? 0) };
  }
  const element = target as Element;
  return { x: element.scrollLeft, y: element.scrollTop, maxX: element.scrollWidth - element.clientWidth, maxY: element.scrollHeight - element.clientHeight };
}

/** The innermost element under the pointer that can scroll that way (a list, a text box), else the page. */
function scrollTargetOf(under: Element | null, doc: Document, dx: number, dy: number): Scrollable {
  for (let element = under; element && element !== doc.documentElement && element !== doc.body; element = element.parentElement) {
    const style = doc.defaultView?.getComputedStyle(element);
    const scrolls = (overflow: string | undefined) => overflow === 'auto' || overflow === 'scroll' || overflow === 'overlay';
    const { x, y, maxX, maxY } = scrollOf(element);
    const vertical = dy !== 0 && scrolls(style?.overflowY) && (dy > 0 ? y < maxY : y > 0);
    const horizontal = dx !== 0 && scrolls(style?.overflowX) && (dx > 0 ? x < maxX : x > 0);
    if (vertical || horizontal) return element;
  }
  return doc;
}

const clamp = (value: number, max: number) => Math.round(Math.max(0, Math.min(value, Math.max(0, max))));

/**
 * Scrolling under control: the agent's wheel over the mirror becomes a `scroll` control input for
 * the element under the pointer that can scroll that way, or the page, so a field below the
 * taxpayer's viewport (a phone) comes within reach. The mirror itself only follows the
 * taxpayer's page; positions are absolute, so a burst of wheel events is sent as its latest
 * target, at most once per `everyMs`, each building on the target last sent (the mirror shows it
 * only once the taxpayer's page has scrolled).
 */
export class RemoteScroll {
  #target: { node: Scrollable; nodeId: number; x: number; y: number; at: number } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly nodeIdOf: (node: Node) => number | undefined,
    private readonly send: (input: ControlInput) => void,
    private readonly everyMs = 50,
  ) {}

  /** A wheel movement over `under` in the mirrored document; false when there is nothing to scroll. */
  wheel(under: Element | null, doc: Document, dx: number, dy: number): boolean {
    const node = scrollTargetOf(under, doc, dx, dy);
    const nodeId = this.nodeIdOf(node);
    if (!nodeId) return false;
    const current = scrollOf(node);
    // the target last sent, while the taxpayer's page (and so the mirror) is still on its way there
    const recent = this.#target?.node === node && Date.now() - this.#target.at < 1000 ? this.#target : undefined;
    const x = clamp((recent?.x ?? current.x) + dx, current.maxX);
    const y = clamp((recent?.y ?? current.y) + dy, current.maxY);
    if (x === (recent?.x ?? current.x) && y === (recent?.y ?? current.y)) return false;
    // another element: what is pending for the previous one goes first
    if (this.#target && this.#target.node !== node) this.#flush();
    this.#target = { node, nodeId, x, y, at: Date.now() };
    this.#timer ??= setTimeout(() => this.#flush(), this.everyMs);
    return true;
  }

  #flush(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const target = this.#target;
    if (target) this.send({ action: 'scroll', nodeId: target.nodeId, x: target.x, y: target.y });
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#target = undefined;
  }
}
