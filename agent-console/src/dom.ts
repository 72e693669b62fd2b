/** A tiny element builder: the console renders plain DOM, no framework needed at this size. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {},
  ...children: (Node | string | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const { dataset, ...rest } = props;
  const node = Object.assign(document.createElement(tag), rest);
  if (dataset) Object.assign(node.dataset, dataset);
  for (const child of children) if (child !== undefined && child !== false) node.append(child);
  return node;
}

export function button(label: string, onclick: () => void, className = ''): HTMLButtonElement {
  return el('button', { type: 'button', textContent: label, className, onclick });
}
