/** How far one arrow key moves the panel (px). */
const KEY_STEP = 24;

/**
 * Where the taxpayer put the help panel: moved by dragging its handle (mouse, finger or pen) or
 * with the arrow keys on its move button, always kept whole inside the viewport. The widget
 * re-renders the panel on every change, so the place lives here and each new panel is put there.
 */
export class PanelPlace {
  #at: { left: number; top: number } | undefined;
  #panel: HTMLElement | undefined;
  // a panel that grows (the session view, a chat message) or a turned phone stays on screen
  readonly #fit = new ResizeObserver(() => this.#keepInside());

  readonly #onResize = () => this.#keepInside();

  constructor() {
    window.addEventListener('resize', this.#onResize);
  }

  /** A newly rendered panel goes where the taxpayer put the last one; call once it is in the page. */
  apply(panel: HTMLElement): void {
    if (this.#panel) this.#fit.unobserve(this.#panel);
    this.#panel = panel;
    this.#fit.observe(panel);
    this.#keepInside();
  }

  /** Dragging `area` moves the panel; the arrow keys on `button` do too. */
  attach(panel: HTMLElement, area: HTMLElement, button: HTMLElement): void {
    area.addEventListener('pointerdown', (down) => {
      if (down.button !== 0 || (down.target as Element).closest('button:not([data-action="move"])')) return;
      const start = panel.getBoundingClientRect();
      const grab = { x: down.clientX - start.left, y: down.clientY - start.top };
      area.setPointerCapture(down.pointerId);
      const move = (event: PointerEvent) => this.#moveTo(panel, event.clientX - grab.x, event.clientY - grab.y);
      const end = () => {
        area.removeEventListener('pointermove', move);
        area.removeEventListener('pointerup', end);
        area.removeEventListener('pointercancel', end);
      };
      area.addEventListener('pointermove', move);
      area.addEventListener('pointerup', end);
      area.addEventListener('pointercancel', end);
      down.preventDefault();
    });
    button.addEventListener('keydown', (event) => {
      const by = ({ ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] } as Record<string, [number, number]>)[event.key];
      if (!by) return;
      event.preventDefault();
      const r = panel.getBoundingClientRect();
      this.#moveTo(panel, r.left + by[0] * KEY_STEP, r.top + by[1] * KEY_STEP);
    });
  }

  /** Back to the panel's own corner (a new visitor, a closed panel). */
  reset(): void {
    this.#at = undefined;
  }

  close(): void {
    window.removeEventListener('resize', this.#onResize);
    this.#fit.disconnect();
  }

  #keepInside(): void {
    if (this.#at && this.#panel?.isConnected) this.#moveTo(this.#panel, this.#at.left, this.#at.top);
  }

  #moveTo(panel: HTMLElement, left: number, top: number): void {
    const { width, height } = panel.getBoundingClientRect();
    const at = { left: clamp(left, innerWidth - width), top: clamp(top, innerHeight - height) };
    this.#at = at;
    Object.assign(panel.style, { left: `${at.left}px`, top: `${at.top}px`, right: 'auto', bottom: 'auto' });
  }
}

function clamp(value: number, max: number): number {
  return Math.round(Math.min(Math.max(0, max), Math.max(0, value)));
}
