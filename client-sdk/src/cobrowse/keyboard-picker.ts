/** What a keyboard user can pick on the mirrored page: what the taxpayer could focus or click. */
const PICKABLE = 'input:not([type="hidden"]), select, textarea, button, a[href], [tabindex]:not([tabindex="-1"]), [role="button"]';

type Box = { left: number; top: number; width: number; height: number };

/**
 * The mirror's tools without a mouse: with the mirror focused, Tab / Shift+Tab (or the arrow keys)
 * walk the mirrored page's fields, buttons and links — a ring shows where — and Enter or Space
 * applies the current tool there (highlight it, or operate it under control).
 */
export class KeyboardPicker {
  readonly #ring: HTMLElement;
  #current: Element | undefined;

  constructor(
    private readonly layer: HTMLElement,
    private readonly documentOf: () => Document | undefined,
    private readonly boxOf: (element: Element) => Box,
    private readonly apply: (element: Element) => void,
  ) {
    this.#ring = document.createElement('div');
    this.#ring.className = 'etax-keyboard-ring';
    this.#ring.style.cssText = 'position:absolute;display:none;pointer-events:none;border:3px solid #f0a500;border-radius:4px;box-shadow:0 0 0 2px #fff;z-index:2';
    layer.append(this.#ring);
    layer.addEventListener('keydown', (event) => this.#onKey(event));
    layer.addEventListener('blur', () => this.#show(undefined));
  }

  /** Only the mirror's own layer is a tab stop, and only while a tool is chosen. */
  setEnabled(enabled: boolean): void {
    if (enabled) this.layer.tabIndex = 0;
    else this.layer.removeAttribute('tabindex');
    if (!enabled) this.#show(undefined);
  }

  #targets(): Element[] {
    const doc = this.documentOf();
    if (!doc) return [];
    const view = doc.defaultView;
    const width = view?.innerWidth ?? Infinity;
    const height = view?.innerHeight ?? Infinity;
    // what is on the taxpayer's screen now (the mirror follows their scrolling, not ours)
    return [...doc.querySelectorAll(PICKABLE)].filter((element) => {
      if ((element as HTMLInputElement).disabled) return false;
      const rect = element.getBoundingClientRect();
      return rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.right > 0 && rect.top < height && rect.left < width;
    });
  }

  #onKey(event: KeyboardEvent): void {
    // keys typed into the field editor (a child of the layer) are not for the picker
    if (event.target !== this.layer) return;
    const forward = event.key === 'ArrowDown' || event.key === 'ArrowRight' || (event.key === 'Tab' && !event.shiftKey);
    const backward = event.key === 'ArrowUp' || event.key === 'ArrowLeft' || (event.key === 'Tab' && event.shiftKey);
    if (forward || backward) {
      const targets = this.#targets();
      if (targets.length === 0) return;
      const at = this.#current ? targets.indexOf(this.#current) : -1;
      const next = at + (forward ? 1 : -1);
      // past either end, Tab leaves the mirror as usual
      if (event.key === 'Tab' && (next < 0 || next >= targets.length)) {
        this.#show(undefined);
        return;
      }
      event.preventDefault();
      this.#show(targets[(next + targets.length) % targets.length]);
    } else if ((event.key === 'Enter' || event.key === ' ') && this.#current) {
      event.preventDefault();
      this.apply(this.#current);
    } else if (event.key === 'Escape') {
      this.#show(undefined);
    }
  }

  #show(element: Element | undefined): void {
    this.#current = element;
    if (!element) {
      this.#ring.style.display = 'none';
      return;
    }
    const box = this.boxOf(element);
    Object.assign(this.#ring.style, { display: 'block', left: `${box.left - 3}px`, top: `${box.top - 3}px`, width: `${box.width}px`, height: `${box.height}px` });
  }
}
