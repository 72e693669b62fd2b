import { relabel, tl } from '../dom.js';
import { DevicesView } from './devices.js';
import { PaneTabs } from './pane-tabs.js';

/**
 * What an administrator sees: the administration views, one tab each. Administrators hold no
 * realtime connection (protocol/src/auth.ts), so every view here works over HTTP with the token.
 */
export class AdminView {
  readonly element: HTMLElement;
  readonly #devices: DevicesView;

  constructor(token: string) {
    this.#devices = new DevicesView(token);
    this.element = new PaneTabs('admin-tabs', [{ id: 'devices', label: tl('devices.tab'), content: this.#devices.element }]).element;
  }

  relabel(): void {
    relabel(this.element);
    this.#devices.redraw();
  }
}
