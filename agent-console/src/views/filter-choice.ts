import { el, setOptions, tl } from '../dom.js';

/** A search form's filter: a labelled select whose first option, "any", filters nothing. */
export function filterChoice(name: string, label: string, options: readonly { value: string; label: string }[]): HTMLLabelElement {
  const select = el('select', { name });
  setFilterOptions(select, options);
  return el('label', {}, el('span', { text: tl(label) }), select);
}

/** A filter's options (again, when a new catalog lists others): "any" first; the one chosen stays chosen while it is offered. */
export function setFilterOptions(select: HTMLSelectElement, options: readonly { value: string; label: string }[]): void {
  setOptions(select, [{ value: '', text: tl('records.any') }, ...options.map((o) => ({ value: o.value, text: tl(o.label) }))]);
}
