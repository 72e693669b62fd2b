import { t } from './i18n.js';

/**
 * A translated label: rendered in the current language and re-rendered in place by `relabel`
 * when the agent switches language, so open sessions (mirror, call, chat) are never rebuilt.
 */
export interface Translated {
  key: string;
  args?: Record<string, unknown>;
}

export type Label = string | Translated;

/** Seconds as m:ss, for a countdown. */
export const minutesSeconds = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;

export function tl(key: string, args?: Record<string, unknown>): Translated {
  return args ? { key, args } : { key };
}

/** Sets a node's text (or one attribute) from a label, remembering the key for `relabel`. */
export function setLabel(node: HTMLElement, label: Label, attribute?: 'placeholder' | 'aria-label' | 'title'): void {
  const memory = `data-i18n-${attribute ?? 'text'}`;
  if (typeof label === 'string') {
    node.removeAttribute(memory);
  } else {
    node.setAttribute(memory, JSON.stringify(label));
  }
  const text = typeof label === 'string' ? label : t(label.key, label.args);
  if (attribute) node.setAttribute(attribute, text);
  else node.textContent = text;
}

/** Re-renders every translated label under `root` in the current language. */
export function relabel(root: ParentNode): void {
  for (const slot of ['text', 'placeholder', 'aria-label', 'title'] as const) {
    const memory = `data-i18n-${slot}`;
    for (const node of root.querySelectorAll<HTMLElement>(`[${memory}]`)) {
      setLabel(node, JSON.parse(node.getAttribute(memory) as string) as Translated, slot === 'text' ? undefined : slot);
    }
  }
}

type Props<K extends keyof HTMLElementTagNameMap> = Partial<Omit<HTMLElementTagNameMap[K], 'title' | 'placeholder' | 'text' | 'label'>> & {
  dataset?: Record<string, string>;
  text?: Label;
  placeholder?: Label;
  label?: Label;
  title?: Label;
};

/** A tiny element builder: the console renders plain DOM, no framework needed at this size. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props<K> = {}, ...children: (Node | Label | undefined | false)[]): HTMLElementTagNameMap[K] {
  const { dataset, text, placeholder, label, title, ...rest } = props;
  const node = Object.assign(document.createElement(tag), rest);
  if (dataset) Object.assign(node.dataset, dataset);
  if (text !== undefined) setLabel(node, text);
  if (placeholder !== undefined) setLabel(node, placeholder, 'placeholder');
  if (label !== undefined) setLabel(node, label, 'aria-label');
  if (title !== undefined) setLabel(node, title, 'title');
  for (const child of children) {
    if (child === undefined || child === false) continue;
    if (typeof child === 'object' && !(child instanceof Node)) node.append(el('span', { text: child }));
    else node.append(child);
  }
  return node;
}

/** Sets a select's options, keeping the chosen one when it is still among them (a list drawn again under a form being filled). */
export function setOptions(select: HTMLSelectElement, options: readonly { value: string; text: Label }[]): void {
  const chosen = select.value;
  select.replaceChildren(...options.map((o) => el('option', { value: o.value, text: o.text })));
  if (options.some((o) => o.value === chosen)) select.value = chosen;
}

export function button(label: Label, onclick: () => void, className = ''): HTMLButtonElement {
  return el('button', { type: 'button', text: label, className, onclick });
}
