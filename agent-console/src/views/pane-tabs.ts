import { el, type Label } from '../dom.js';

export interface Pane {
  id: string;
  label: Label;
  content: HTMLElement;
}

/**
 * Panes sharing one place, one shown at a time behind a tab list (WAI-ARIA tabs: the arrow keys
 * move between tabs). Panes stay in the DOM when hidden, so what they hold (a chat being typed)
 * survives switching.
 */
export class PaneTabs {
  readonly element: HTMLElement;
  readonly #tabs = new Map<string, HTMLButtonElement>();
  readonly #panes = new Map<string, HTMLElement>();
  #current: string;

  constructor(className: string, panes: Pane[]) {
    const list = el('div', { className: 'pane-tabs', role: 'tablist' });
    list.addEventListener('keydown', (event) => this.#onKey(event));
    const body = el('div', { className: 'pane-body' });
    for (const { id, label, content } of panes) {
      const tab = el('button', { type: 'button', role: 'tab', className: 'pane-tab', text: label, dataset: { pane: id }, onclick: () => this.show(id) });
      const pane = el('div', { className: 'pane', role: 'tabpanel', dataset: { pane: id } }, content);
      this.#tabs.set(id, tab);
      this.#panes.set(id, pane);
      list.append(tab);
      body.append(pane);
    }
    this.#current = panes[0]?.id ?? '';
    this.element = el('div', { className }, list, body);
    this.show(this.#current);
  }

  get current(): string {
    return this.#current;
  }

  show(id: string): void {
    if (!this.#tabs.has(id)) return;
    this.#current = id;
    for (const [paneId, tab] of this.#tabs) {
      const selected = paneId === id;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      (this.#panes.get(paneId) as HTMLElement).hidden = !selected;
    }
  }

  /** A pane that does not apply (hand-over in wrap-up): its tab goes, and the first pane shows instead. */
  setAvailable(id: string, available: boolean): void {
    const tab = this.#tabs.get(id);
    if (!tab) return;
    tab.hidden = !available;
    if (!available && this.#current === id) this.show(this.#tabs.keys().next().value as string);
  }

  #onKey(event: KeyboardEvent): void {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const visible = [...this.#tabs.entries()].filter(([, tab]) => !tab.hidden);
    const at = visible.findIndex(([id]) => id === this.#current);
    const next = visible[(at + (event.key === 'ArrowRight' ? 1 : visible.length - 1)) % visible.length];
    if (!next) return;
    event.preventDefault();
    this.show(next[0]);
    next[1].focus();
  }
}
