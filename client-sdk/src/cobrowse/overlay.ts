import type { Annotation } from '@etax-assist/protocol';
import { adoptStyles } from '../ui/shadow-styles.js';

const POINTER_FADE_MS = 1500;
const STROKE_FADE_MS = 4000;
const SVG = 'http://www.w3.org/2000/svg';

/** Page position of a node's box, across same-origin iframes. */
function pageRect(element: Element): DOMRect {
  const rect = element.getBoundingClientRect();
  let x = rect.left + window.scrollX;
  let y = rect.top + window.scrollY;
  let frame = element.ownerDocument.defaultView?.frameElement ?? null;
  while (frame) {
    const frameRect = frame.getBoundingClientRect();
    x += frameRect.left;
    y += frameRect.top;
    frame = frame.ownerDocument.defaultView?.frameElement ?? null;
  }
  return new DOMRect(x, y, rect.width, rect.height);
}

/** What a highlighted element is called, as a screen reader would name it (its label, else its own text). */
function nameOf(element: Element): string {
  const labelled = element.getAttribute('aria-label') ?? (element as HTMLInputElement).labels?.[0]?.textContent ?? element.textContent ?? '';
  const name = labelled.replace(/\s+/g, ' ').trim();
  return name.length > 80 ? `${name.slice(0, 80)}…` : name || ((element as HTMLInputElement).placeholder ?? '');
}

/**
 * The agent's annotations on the taxpayer's page: laser pointer, freehand strokes that fade, and
 * an element highlight with a caption that follows the element through scrolls, resizes and
 * page changes (a ring around it: the rest of the page stays as it is, not dimmed).
 * Drawn in page coordinates on a layer that never takes the taxpayer's clicks.
 */
export class AnnotationOverlay {
  readonly #host: HTMLElement;
  readonly #svg: SVGSVGElement;
  readonly #pointer: HTMLElement;
  readonly #highlight: HTMLElement;
  readonly #caption: HTMLElement;
  readonly #strokes = new Map<string, SVGPolylineElement>();
  #highlighted: Element | undefined;
  #frame = 0;
  #pointerTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly resolveNode: (id: number) => Node | null,
    /** A highlight was drawn: its caption, else the element's name, for the screen reader (the layer itself is hidden from it). */
    private readonly onHighlight: (what: string) => void,
  ) {
    this.#host = document.createElement('div');
    this.#host.setAttribute('data-cobrowse-block', '');
    this.#host.setAttribute('aria-hidden', 'true');
    this.#host.style.cssText = 'position:absolute;left:0;top:0;width:0;height:0;overflow:visible;pointer-events:none;z-index:2147482000';
    // closed: the recorder must not mirror the agent's own annotations back to the agent
    const root = this.#host.attachShadow({ mode: 'closed' });
    adoptStyles(
      root,
      `
      .pointer{position:absolute;width:18px;height:18px;margin:-9px 0 0 -9px;border-radius:50%;background:#e5393599;box-shadow:0 0 0 4px #e5393544;transition:opacity .4s;opacity:0}
      .highlight{position:absolute;border:3px solid #f0a500;border-radius:4px;box-shadow:0 0 0 3px #f0a50055,0 0 12px 4px #f0a50066;transition:all .15s;display:none}
      .caption{position:absolute;background:#f0a500;color:#1d2733;font:600 15px/1.4 "Noto Sans CJK SC",system-ui,sans-serif;padding:4px 10px;border-radius:4px;display:none;width:max-content;max-width:320px}
      svg{position:absolute;left:0;top:0;overflow:visible}
      polyline{fill:none;stroke-width:4;stroke-linecap:round;stroke-linejoin:round;transition:opacity .8s}
    `,
    );
    this.#svg = document.createElementNS(SVG, 'svg');
    this.#svg.setAttribute('width', '1');
    this.#svg.setAttribute('height', '1');
    this.#pointer = Object.assign(document.createElement('div'), { className: 'pointer' });
    this.#highlight = Object.assign(document.createElement('div'), { className: 'highlight' });
    this.#caption = Object.assign(document.createElement('div'), { className: 'caption' });
    root.append(this.#svg, this.#highlight, this.#caption, this.#pointer);
    document.body.append(this.#host);
  }

  show(annotation: Annotation): void {
    switch (annotation.kind) {
      case 'pointer':
        this.#pointer.style.left = `${annotation.x}px`;
        this.#pointer.style.top = `${annotation.y}px`;
        this.#pointer.style.opacity = '1';
        clearTimeout(this.#pointerTimer);
        this.#pointerTimer = setTimeout(() => (this.#pointer.style.opacity = '0'), POINTER_FADE_MS);
        break;
      case 'stroke': {
        let line = this.#strokes.get(annotation.strokeId);
        if (!line) {
          line = document.createElementNS(SVG, 'polyline');
          line.setAttribute('stroke', annotation.color ?? '#e53935');
          this.#svg.append(line);
          this.#strokes.set(annotation.strokeId, line);
        }
        const points = `${line.getAttribute('points') ?? ''} ${annotation.points.map(([x, y]) => `${x},${y}`).join(' ')}`.trim();
        line.setAttribute('points', points);
        if (annotation.done) {
          const done = line;
          setTimeout(() => {
            done.style.opacity = '0';
            setTimeout(() => done.remove(), 800);
          }, STROKE_FADE_MS);
          this.#strokes.delete(annotation.strokeId);
        }
        break;
      }
      case 'highlight': {
        const node = this.resolveNode(annotation.nodeId);
        const element = node ? (node.nodeType === 1 ? (node as Element) : node.parentElement) : null;
        if (!element) return;
        this.#highlighted = element;
        this.#caption.textContent = annotation.caption ?? '';
        this.onHighlight(annotation.caption ?? nameOf(element));
        element.scrollIntoView({ block: 'center', behavior: 'smooth' });
        this.#follow(Boolean(annotation.caption));
        break;
      }
      case 'clear':
        this.clear();
        break;
    }
  }

  /**
   * Keeps the highlight on its element while the page scrolls (nested containers too), resizes
   * or changes: hidden while the element is not shown (another step of a form: its box would be
   * 0,0), back when it is, gone with the element.
   */
  #follow(caption: boolean): void {
    cancelAnimationFrame(this.#frame);
    const step = () => {
      const element = this.#highlighted;
      if (!element || !element.isConnected) {
        this.#clearHighlight();
        return;
      }
      const shown = element.getClientRects().length > 0;
      this.#highlight.style.display = shown ? 'block' : 'none';
      this.#caption.style.display = shown && caption ? 'block' : 'none';
      if (shown) {
        const r = pageRect(element);
        Object.assign(this.#highlight.style, { left: `${r.x - 4}px`, top: `${r.y - 4}px`, width: `${r.width + 2}px`, height: `${r.height + 2}px` });
        Object.assign(this.#caption.style, { left: `${r.x}px`, top: `${r.y + r.height + 8}px` });
      }
      this.#frame = requestAnimationFrame(step);
    };
    step();
  }

  /** Where the highlight box is drawn (page coordinates), for tests and diagnostics. */
  get highlightBox(): DOMRect | undefined {
    if (this.#highlight.style.display !== 'block') return undefined;
    return new DOMRect(
      parseFloat(this.#highlight.style.left) + 4,
      parseFloat(this.#highlight.style.top) + 4,
      parseFloat(this.#highlight.style.width) - 2,
      parseFloat(this.#highlight.style.height) - 2,
    );
  }

  get strokeCount(): number {
    return this.#svg.querySelectorAll('polyline').length;
  }

  #clearHighlight(): void {
    cancelAnimationFrame(this.#frame);
    this.#highlighted = undefined;
    this.#highlight.style.display = 'none';
    this.#caption.style.display = 'none';
  }

  clear(): void {
    this.#clearHighlight();
    this.#pointer.style.opacity = '0';
    this.#svg.replaceChildren();
    this.#strokes.clear();
  }

  remove(): void {
    this.clear();
    this.#host.remove();
  }
}
