import { BLOCK_SELECTOR } from './privacy.js';

/** A scroll position as rrweb's incremental scroll event carries it. */
export interface ScrollPosition {
  id: number;
  x: number;
  y: number;
}

/**
 * Reports where each scrolled element (or the page itself) came to rest. rrweb samples scrolling
 * through one throttle shared by every element: when two scroll within its window — the page and
 * a list inside it, or a list shown again that the browser scrolls back — the later position of
 * one is never sent and the mirror stays where it was. This reports every element's own last
 * position once it has been still for `settleMs`. It listens on the document in the capture
 * phase (scroll events do not bubble), which covers the page's own elements; rrweb's sampling
 * still covers open shadow roots and same-origin frames.
 */
export class ScrollSettle {
  readonly #timers = new Map<EventTarget, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly doc: Document,
    private readonly idOf: (node: Node) => number,
    private readonly report: (position: ScrollPosition) => void,
    private readonly settleMs = 50,
  ) {
    doc.addEventListener('scroll', this.#onScroll, { capture: true, passive: true });
  }

  readonly #onScroll = (event: Event): void => {
    const target = event.target;
    if (!target) return;
    clearTimeout(this.#timers.get(target));
    this.#timers.set(
      target,
      setTimeout(() => {
        this.#timers.delete(target);
        this.#settled(target);
      }, this.settleMs),
    );
  };

  #settled(target: EventTarget): void {
    const node = target as Node;
    const id = this.idOf(node);
    if (id <= 0) return; // not recorded
    if (node === this.doc) {
      const win = this.doc.defaultView;
      this.report({ id, x: win?.scrollX ?? 0, y: win?.scrollY ?? 0 });
    } else if (node.nodeType === Node.ELEMENT_NODE && !(node as Element).closest(BLOCK_SELECTOR)) {
      const element = node as Element;
      this.report({ id, x: element.scrollLeft, y: element.scrollTop });
    }
  }

  stop(): void {
    this.doc.removeEventListener('scroll', this.#onScroll, { capture: true });
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
