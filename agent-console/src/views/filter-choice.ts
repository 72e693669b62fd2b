import { el, tl } from '../dom.js';

/** A search form's filter: a labelled select whose first option, "any", filters nothing. */
export function filterChoice(name: string, label: string, options: readonly { value: string; label: string }[]): HTMLLabelElement {
  return el(
    'label',
    {},
    el('span', { text: tl(label) }),
    el('select', { name }, el('option', { value: '', text: tl('records.any') }), ...options.map((o) => el('option', { value: o.value, text: tl(o.label) }))),
  );
}
