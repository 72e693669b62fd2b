import { icon, type IconName } from '../ui/icons.js';
import type { StringKey } from '../ui/strings.js';

/** The widget's strings in its current language. */
export type Translate = (key: StringKey, values?: Record<string, string>) => string;

export function button(label: string, onclick: () => void, primary = false): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.className = primary ? 'primary' : 'secondary';
  b.addEventListener('click', onclick);
  return b;
}

/** A button showing an icon; `label` names it for screen readers and as its tooltip; `action` keeps the keyboard's place across redraws. */
export function iconButton(name: IconName, label: string, action: string, onclick: () => void = () => {}): HTMLButtonElement {
  const b = button('', onclick);
  b.append(icon(name));
  b.setAttribute('aria-label', label);
  b.title = label;
  b.dataset.action = action;
  return b;
}

export function paragraph(content: string, className = 'status'): HTMLParagraphElement {
  return Object.assign(document.createElement('p'), { className, textContent: content });
}
