import type { ControlInput } from '@etax-assist/protocol';

/** Input types an agent types into; the rest (buttons, files, colours…) are clicked. */
const TEXT_TYPES = new Set(['text', 'search', 'email', 'tel', 'url', 'number', 'date', 'datetime-local', 'month', 'time', 'week', '']);

export interface FieldEditorOptions {
  /** Quiet time before what the agent typed is sent (each send carries the whole value). */
  sendDelayMs?: number;
}

/**
 * The keyboard side of remote control: when the agent clicks a mirrored form field with the
 * control tool, a real field opens over it on the agent's screen; what they type or pick is sent
 * as control input for that node. The mirror itself stays a passive replay (no scripts, no focus).
 */
export class FieldEditor {
  #open: { field: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement; flush: () => void } | undefined;

  constructor(
    private readonly layer: HTMLElement,
    private readonly send: (input: ControlInput) => void,
    private readonly options: FieldEditorOptions = {},
  ) {}

  get isOpen(): boolean {
    return this.#open !== undefined;
  }

  /**
   * Handles a control-tool click on a mirrored element: a text field or select opens an editor,
   * a checkbox or radio is toggled; anything else is a click. `box` is where the element shows,
   * in the layer's coordinates.
   */
  activate(element: Element, nodeId: number, box: { left: number; top: number; width: number; height: number }): void {
    this.close();
    const tag = element.tagName;
    const type = tag === 'INPUT' ? (element.getAttribute('type') ?? '').toLowerCase() : '';
    if (tag === 'INPUT' && (type === 'checkbox' || type === 'radio')) {
      this.send({ action: 'check', nodeId, checked: type === 'radio' ? true : !(element as HTMLInputElement).checked });
    } else if (tag === 'SELECT') {
      this.#openSelect(element as HTMLSelectElement, nodeId, box);
    } else if (tag === 'TEXTAREA' || (tag === 'INPUT' && TEXT_TYPES.has(type))) {
      this.#openText(element as HTMLInputElement | HTMLTextAreaElement, nodeId, box);
    } else {
      this.send({ action: 'click', nodeId });
    }
  }

  #place(field: HTMLElement, box: { left: number; top: number; width: number; height: number }): void {
    field.className = 'etax-field-editor';
    field.style.cssText =
      `position:absolute;left:${box.left}px;top:${box.top}px;width:${Math.max(box.width, 120)}px;min-height:${Math.max(box.height, 28)}px;` +
      'box-sizing:border-box;font:inherit;font-size:15px;padding:4px 6px;border:2px solid #1565c0;border-radius:4px;background:#fff;color:#111;' +
      'box-shadow:0 2px 10px rgba(0,0,0,.25);z-index:3';
    // clicks inside the editor are typing, not control clicks on the mirror below it
    field.addEventListener('pointerdown', (event) => event.stopPropagation());
    this.layer.append(field);
    // after the click's own focus change (mousedown on the layer), or that would blur it again
    setTimeout(() => field.isConnected && field.focus(), 0);
  }

  #openText(target: HTMLInputElement | HTMLTextAreaElement, nodeId: number, box: { left: number; top: number; width: number; height: number }): void {
    const field = document.createElement(target.tagName === 'TEXTAREA' ? 'textarea' : 'input');
    field.value = target.value;
    field.setAttribute('aria-label', target.getAttribute('aria-label') ?? target.getAttribute('name') ?? 'field');
    let timer: ReturnType<typeof setTimeout> | undefined;
    let sent = target.value;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      if (field.value === sent) return;
      sent = field.value;
      this.send({ action: 'input', nodeId, value: field.value });
    };
    field.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(flush, this.options.sendDelayMs ?? 150);
    });
    field.addEventListener('keydown', (event) => {
      const key = (event as KeyboardEvent).key;
      if (key === 'Escape') {
        event.preventDefault();
        this.close();
      } else if (key === 'Enter' && field.tagName === 'INPUT') {
        event.preventDefault();
        flush();
        this.send({ action: 'key', nodeId, key: 'Enter' });
        this.close();
      } else if (key === 'Tab') {
        this.close();
      }
    });
    field.addEventListener('blur', () => this.#open?.field === field && this.close());
    this.#open = { field, flush };
    this.#place(field, box);
  }

  #openSelect(target: HTMLSelectElement, nodeId: number, box: { left: number; top: number; width: number; height: number }): void {
    const field = document.createElement('select');
    for (const option of target.options) field.append(new Option(option.text, option.value, false, option.selected));
    field.addEventListener('change', () => {
      this.send({ action: 'select', nodeId, value: field.value });
      this.close();
    });
    field.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.close();
    });
    field.addEventListener('blur', () => this.#open?.field === field && this.close());
    this.#open = { field, flush: () => {} };
    this.#place(field, box);
  }

  /** Removes the editor, first sending what is still pending (unless the target refused it). */
  close(send = true): void {
    const open = this.#open;
    if (!open) return;
    this.#open = undefined;
    if (send) open.flush();
    open.field.remove();
  }
}
