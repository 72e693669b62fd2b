import type { ControlInput } from '@etax-assist/protocol';
import { BLOCK_SELECTOR, NO_CONTROL_SELECTOR, asElement, inputType, type PrivacyPolicy } from './privacy.js';

export type Refusal = 'masked' | 'blocked' | 'no-control' | 'password' | 'not-found';

type Native = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/** Sets a form value through the element's native setter, so React/Vue see a real change. */
function setNativeValue(element: Native, value: string): void {
  const prototype = Object.getPrototypeOf(element) as object;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- taken off the prototype on purpose, called with the element as `this`
  const setter = Object.getOwnPropertyDescriptor(prototype, 'value')?.set;
  if (setter) setter.call(element, value);
  else element.value = value;
}

function fire(element: Element, type: string, init: EventInit & Record<string, unknown> = {}): void {
  const view = element.ownerDocument.defaultView ?? window;
  const base = { bubbles: true, cancelable: true, composed: true, ...init };
  const event = type.startsWith('pointer')
    ? new view.PointerEvent(type, { ...base, view, pointerType: 'mouse', isPrimary: true })
    : type.startsWith('mouse') || type === 'click'
      ? new view.MouseEvent(type, { ...base, view })
      : type.startsWith('key')
        ? new view.KeyboardEvent(type, base)
        : type === 'input'
          ? new view.InputEvent(type, base)
          : new view.Event(type, base);
  element.dispatchEvent(event);
}

/**
 * Applies one control input of the agent to the real element (found by rrweb node id), firing
 * the DOM events the page's own scripts listen for; refuses masked, blocked, password and
 * `data-cobrowse-no-control` targets. Returns the refusal, or undefined when applied.
 */
export function applyControl(input: ControlInput, node: Node | null, policy: PrivacyPolicy): Refusal | undefined {
  if (!node || !node.isConnected) return 'not-found';
  if (input.action === 'scroll' && (node.nodeType === Node.DOCUMENT_NODE || node === node.ownerDocument?.documentElement)) {
    (node.ownerDocument?.defaultView ?? window).scrollTo(input.x, input.y);
    return undefined;
  }
  const element = asElement(node);
  if (!element) return 'not-found';
  if (element.closest(BLOCK_SELECTOR)) return 'blocked';
  if (element.closest(NO_CONTROL_SELECTOR)) return 'no-control';
  if (inputType(element) === 'password') return 'password';
  const valueAction = input.action === 'input' || input.action === 'select' || input.action === 'check' || input.action === 'key';
  if ((valueAction && !policy.valueVisible(element)) || policy.isPrivate(element)) return 'masked';

  switch (input.action) {
    case 'click':
      (element as HTMLElement).focus?.({ preventScroll: true });
      for (const type of ['pointerdown', 'mousedown', 'pointerup', 'mouseup']) fire(element, type, { button: 0 });
      (element as HTMLElement).click();
      return undefined;
    case 'input':
    case 'select': {
      if (!['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName)) return 'not-found';
      const field = element as Native;
      field.focus({ preventScroll: true });
      setNativeValue(field, input.value);
      fire(field, 'input', { inputType: 'insertReplacementText', data: input.value });
      fire(field, 'change');
      return undefined;
    }
    case 'check': {
      if (element.tagName !== 'INPUT') return 'not-found';
      const box = element as HTMLInputElement;
      if (box.checked !== input.checked) box.click();
      return undefined;
    }
    case 'key':
      fire(element, 'keydown', { key: input.key });
      fire(element, 'keyup', { key: input.key });
      return undefined;
    case 'scroll':
      element.scrollTo(input.x, input.y);
      return undefined;
  }
}
