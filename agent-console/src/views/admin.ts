import { relabel, tl } from '../dom.js';
import { CatalogAdmin } from './catalog-admin.js';
import type { Catalog } from '@etax-assist/protocol';
import { DevicesView } from './devices.js';
import { KnowledgeView } from './knowledge.js';
import { StaffView } from './staff.js';
import { PaneTabs } from './pane-tabs.js';
import { ReportsView } from './reports.js';

/**
 * What an administrator sees: the administration views, one tab each. Administrators hold no
 * realtime connection (protocol/src/auth.ts), so every view here works over HTTP with the token.
 */
export class AdminView {
  readonly element: HTMLElement;
  readonly #staff: StaffView;
  readonly #catalog: CatalogAdmin;
  readonly #devices: DevicesView;
  readonly #reports: ReportsView;
  readonly #knowledge: KnowledgeView;

  /** `token`: a current token for each call (a provider sign-in's is renewed); `catalog`: the published one, for the staff's and the reports' topics and languages. */
  constructor(token: () => Promise<string>, catalog: Catalog) {
    this.#staff = new StaffView(token, catalog);
    this.#catalog = new CatalogAdmin(token);
    this.#devices = new DevicesView(token);
    // the published catalog as loaded (the administrators' tabs do not follow publications live)
    this.#reports = new ReportsView(token, { current: catalog });
    this.#knowledge = new KnowledgeView(token, catalog);
    this.element = new PaneTabs('admin-tabs', [
      { id: 'staff', label: tl('staff.tab'), content: this.#staff.element },
      { id: 'catalog', label: tl('catalogAdmin.title'), content: this.#catalog.element },
      { id: 'devices', label: tl('devices.tab'), content: this.#devices.element },
      { id: 'reports', label: tl('reports.tab'), content: this.#reports.element },
      { id: 'knowledge', label: tl('knowledge.tab'), content: this.#knowledge.element },
    ]).element;
  }

  relabel(): void {
    relabel(this.element);
    this.#staff.relabel();
    this.#catalog.relabel();
    this.#devices.redraw();
    this.#reports.relabel();
    this.#knowledge.relabel();
  }
}
