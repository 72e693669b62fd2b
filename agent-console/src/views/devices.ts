import type { DeviceEvent, Hall, HallInUse, IssuedKioskCredential, Kiosk } from '@etax-assist/protocol';
import { ApiError } from '../api.js';
import { DevicesApi } from '../devices-api.js';
import { button, el, setOptions, tl } from '../dom.js';
import { errorText, formatDate, formatTime, i18next, t } from '../i18n.js';

const ID_PATTERN = '[A-Za-z0-9][A-Za-z0-9_\\-]{0,63}';

/** The fields of a form, by name (every field here is a text input or a select: no files). */
function fields(form: HTMLFormElement): Record<string, string> {
  return Object.fromEntries([...new FormData(form).entries()].map(([name, value]) => [name, typeof value === 'string' ? value.trim() : '']));
}

/** A field of a change in the devices' audit trail, as the history names it. */
const FIELD_LABELS: Record<string, string> = {
  nameZh: 'devices.nameZh',
  nameEn: 'devices.nameEn',
  address: 'devices.address',
  region: 'devices.region',
  active: 'devices.status',
  hallId: 'devices.hall',
  location: 'devices.location',
};

/**
 * The administrator's halls and kiosks (docs/devices.md): the registry as lists, a form to add a
 * hall and one to register a kiosk; per hall an editor (names, address, region, in service), per
 * kiosk one (its hall, its place), a rotation and a disabling; the latest changes. A credential
 * the service issues is shown once, with a copy button, until the administrator dismisses it.
 */
export class DevicesView {
  readonly element: HTMLElement;
  readonly #api: DevicesApi;
  readonly #message = el('p', { className: 'devices-message', role: 'alert' });
  readonly #credential = el('div', { className: 'devices-credential', hidden: true });
  readonly #halls = el('div', { className: 'devices-halls' });
  readonly #kiosks = el('div', { className: 'devices-kiosks' });
  readonly #hallChoice = el('select', { name: 'hallId', required: true });
  readonly #editor = el('div', { className: 'devices-editor', hidden: true });
  readonly #history = el('div', { className: 'devices-history' });
  #hallList: Hall[] = [];
  #kioskList: Kiosk[] = [];
  #events: DeviceEvent[] = [];
  /** What the editor is open on. */
  #editing: { hall: Hall } | { kiosk: Kiosk } | undefined;

  constructor(token: () => Promise<string>) {
    this.#api = new DevicesApi(token);
    this.element = el(
      'section',
      { className: 'devices' },
      this.#message,
      this.#credential,
      this.#editor,
      el('h2', { text: tl('devices.kiosks') }),
      this.#kioskForm(),
      this.#kiosks,
      el('h2', { text: tl('devices.halls') }),
      this.#hallForm(),
      this.#halls,
      el('h2', { text: tl('devices.history') }),
      this.#history,
    );
    void this.refresh();
  }

  /** The tables again in the current language (hall names are zh or en); the static labels are relabelled by the view holding this one. */
  redraw(): void {
    this.#render();
  }

  async refresh(): Promise<void> {
    await this.#attempt(async () => {
      [this.#hallList, this.#kioskList, this.#events] = await Promise.all([this.#api.halls(), this.#api.kiosks(), this.#api.events()]);
      this.#render();
    });
  }

  #hallForm(): HTMLFormElement {
    const input = (name: string, label: string, props: { required?: boolean; pattern?: string; maxLength?: number } = {}) =>
      el('label', {}, el('span', { text: tl(label) }), el('input', { name, maxLength: 128, ...props }));
    const form: HTMLFormElement = el(
      'form',
      {
        className: 'devices-form',
        dataset: { form: 'hall' },
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault();
          const { id = '', nameZh = '', nameEn = '', address = '', region = '' } = fields(form);
          void this.#attempt(async () => {
            await this.#api.createHall({ id, nameZh, nameEn, address, region });
            form.reset();
            await this.refresh();
          });
        },
      },
      input('id', 'devices.hallId', { required: true, pattern: ID_PATTERN, maxLength: 64 }),
      input('nameZh', 'devices.nameZh', { required: true }),
      input('nameEn', 'devices.nameEn', { required: true }),
      input('address', 'devices.address', { maxLength: 500 }),
      input('region', 'devices.region'),
      el('button', { type: 'submit', className: 'primary', text: tl('devices.addHall') }),
    );
    return form;
  }

  #kioskForm(): HTMLFormElement {
    const form: HTMLFormElement = el(
      'form',
      {
        className: 'devices-form',
        dataset: { form: 'kiosk' },
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault();
          const { id = '', hallId = '', location = '' } = fields(form);
          void this.#attempt(async () => {
            this.#showCredential(await this.#api.registerKiosk({ id, hallId, location }));
            form.reset();
            await this.refresh();
          });
        },
      },
      el('label', {}, el('span', { text: tl('devices.kioskId') }), el('input', { name: 'id', required: true, pattern: ID_PATTERN, maxLength: 64 })),
      el('label', {}, el('span', { text: tl('devices.hall') }), this.#hallChoice),
      el('label', {}, el('span', { text: tl('devices.location') }), el('input', { name: 'location', maxLength: 200 })),
      el('button', { type: 'submit', className: 'primary', text: tl('devices.register') }),
    );
    return form;
  }

  #hallName(id: string): string {
    const hall = this.#hallList.find((h) => h.id === id);
    if (!hall) return id;
    return i18next.language === 'en' ? hall.nameEn : hall.nameZh;
  }

  #render(): void {
    const table = (className: string, head: string[], rows: HTMLTableRowElement[]) =>
      rows.length === 0
        ? el('p', { className: 'empty', text: tl('devices.none') })
        : el(
            'table',
            { className: `records-table devices-table ${className}` },
            el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { text: h })))),
            el('tbody', {}, ...rows),
          );
    const cell = (label: string, content: string | Node) => el('td', { dataset: { label } }, content);

    const hallHead = [t('devices.hallId'), t('devices.nameZh'), t('devices.nameEn'), t('devices.address'), t('devices.region'), t('devices.status'), t('devices.actions')];
    this.#halls.replaceChildren(
      table(
        'halls-table',
        hallHead,
        this.#hallList.map((h) =>
          el(
            'tr',
            { dataset: { hall: h.id }, className: h.active ? '' : 'disabled' },
            cell(hallHead[0]!, h.id),
            cell(hallHead[1]!, h.nameZh),
            cell(hallHead[2]!, h.nameEn),
            cell(hallHead[3]!, h.address || '—'),
            cell(hallHead[4]!, h.region || '—'),
            cell(hallHead[5]!, t(h.active ? 'devices.inService' : 'devices.outOfService')),
            cell(
              hallHead[6]!,
              el(
                'span',
                { className: 'row' },
                button(t('devices.edit'), () => this.#edit({ hall: h }), 'edit'),
              ),
            ),
          ),
        ),
      ),
    );

    const kioskHead = [t('devices.kioskId'), t('devices.hall'), t('devices.location'), t('devices.status'), t('devices.rotatedAt'), t('devices.actions')];
    this.#kiosks.replaceChildren(
      table(
        'kiosks-table',
        kioskHead,
        this.#kioskList.map((k) =>
          el(
            'tr',
            { dataset: { kiosk: k.id }, className: k.active ? '' : 'disabled' },
            cell(kioskHead[0]!, k.id),
            cell(kioskHead[1]!, this.#hallName(k.hallId)),
            cell(kioskHead[2]!, k.location || '—'),
            cell(kioskHead[3]!, t(k.active ? 'devices.active' : 'devices.disabled')),
            cell(kioskHead[4]!, `${formatDate(k.rotatedAt)} ${formatTime(k.rotatedAt, false)}`),
            cell(
              kioskHead[5]!,
              el(
                'span',
                { className: 'row' },
                button(t('devices.edit'), () => this.#edit({ kiosk: k }), 'edit'),
                button(t(k.active ? 'devices.rotate' : 'devices.enable'), () => void this.#rotate(k), 'rotate'),
                k.active ? button(t('devices.disable'), () => void this.#disable(k), 'disable') : undefined,
              ),
            ),
          ),
        ),
      ),
    );

    // a kiosk is registered only in a hall in service
    setOptions(this.#hallChoice, this.#hallOptions());
    this.#renderEditor();
    this.#renderHistory();
  }

  /** The halls a kiosk may be placed in (those in service; `keep`: its own, whatever it is). */
  #hallOptions(keep?: string): { value: string; text: string }[] {
    return this.#hallList.filter((h) => h.active || h.id === keep).map((h) => ({ value: h.id, text: `${this.#hallName(h.id)} (${h.id})` }));
  }

  #edit(what: { hall: Hall } | { kiosk: Kiosk }): void {
    this.#editing = what;
    this.#message.textContent = '';
    this.#renderEditor();
    this.#editor.scrollIntoView({ block: 'nearest' });
  }

  #closeEditor(): void {
    this.#editing = undefined;
    this.#renderEditor();
  }

  /** The editor of a hall or a kiosk, filled with what the registry has (drawn again after each refresh). */
  #renderEditor(): void {
    const editing = this.#editing;
    this.#editor.hidden = editing === undefined;
    if (!editing) return this.#editor.replaceChildren();
    const input = (name: string, label: string, value: string, maxLength = 128, required = false) =>
      el('label', {}, el('span', { text: tl(label) }), el('input', { name, value, maxLength, required }));
    const actions = el(
      'div',
      { className: 'row' },
      el('button', { type: 'submit', className: 'primary', text: tl('devices.save') }),
      button(tl('devices.cancel'), () => this.#closeEditor()),
    );
    if ('hall' in editing) {
      const { hall } = editing;
      const active = el('input', { type: 'checkbox', name: 'active', checked: hall.active });
      const form: HTMLFormElement = el(
        'form',
        {
          className: 'devices-form',
          dataset: { form: 'hall-edit', hall: hall.id },
          onsubmit: (event: SubmitEvent) => {
            event.preventDefault();
            const { nameZh = '', nameEn = '', address = '', region = '' } = fields(form);
            void this.#save(() => this.#api.updateHall(hall.id, { nameZh, nameEn, address, region, active: active.checked }));
          },
        },
        input('nameZh', 'devices.nameZh', hall.nameZh, 128, true),
        input('nameEn', 'devices.nameEn', hall.nameEn, 128, true),
        input('address', 'devices.address', hall.address, 500),
        input('region', 'devices.region', hall.region),
        el('label', { className: 'check' }, active, el('span', { text: tl('devices.inService') })),
        actions,
      );
      this.#editor.replaceChildren(el('h3', { text: tl('devices.editHall', { id: hall.id }) }), form);
      return;
    }
    const { kiosk } = editing;
    const hallId = el('select', { name: 'hallId', required: true });
    setOptions(hallId, this.#hallOptions(kiosk.hallId));
    hallId.value = kiosk.hallId;
    const form: HTMLFormElement = el(
      'form',
      {
        className: 'devices-form',
        dataset: { form: 'kiosk-edit', kiosk: kiosk.id },
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault();
          const { location = '' } = fields(form);
          void this.#save(() => this.#api.updateKiosk(kiosk.id, { hallId: hallId.value, location }));
        },
      },
      el('label', {}, el('span', { text: tl('devices.hall') }), hallId),
      input('location', 'devices.location', kiosk.location, 200),
      actions,
    );
    this.#editor.replaceChildren(el('h3', { text: tl('devices.editKiosk', { id: kiosk.id }) }), form);
  }

  async #save(change: () => Promise<unknown>): Promise<void> {
    await this.#attempt(async () => {
      await change();
      this.#editing = undefined;
      await this.refresh();
    });
  }

  /** The latest changes to halls and kiosks: who, when, what, each field before and after. */
  #renderHistory(): void {
    const value = (field: string, v: unknown): string => {
      if (v === null || v === undefined || v === '') return '—';
      if (field === 'active') return t(v === true ? 'devices.active' : 'devices.disabled');
      if (field === 'hallId' && typeof v === 'string') return this.#hallName(v);
      return typeof v === 'string' ? v : JSON.stringify(v);
    };
    this.#history.replaceChildren(
      this.#events.length === 0
        ? el('p', { className: 'empty', text: tl('devices.none') })
        : el(
            'ul',
            { className: 'record-chat' },
            ...this.#events.map((e) =>
              el(
                'li',
                { dataset: { kind: e.kind, device: e.device } },
                el('span', { className: 'from', textContent: `${formatDate(e.at)} ${formatTime(e.at)} · ${e.by} · ${t(`devices.kind.${e.kind}`, { id: e.device })}` }),
                ...Object.entries(e.changes).map(([field, { before, after }]) =>
                  el('span', { textContent: t('devices.change', { field: t(FIELD_LABELS[field] ?? field), before: value(field, before), after: value(field, after) }) }),
                ),
              ),
            ),
          ),
    );
  }

  async #rotate(kiosk: Kiosk): Promise<void> {
    if (!confirm(t('devices.confirmRotate', { id: kiosk.id }))) return;
    await this.#attempt(async () => {
      this.#showCredential(await this.#api.rotate(kiosk.id));
      await this.refresh();
    });
  }

  async #disable(kiosk: Kiosk): Promise<void> {
    if (!confirm(t('devices.confirmDisable', { id: kiosk.id }))) return;
    await this.#attempt(async () => {
      await this.#api.disable(kiosk.id);
      await this.refresh();
    });
  }

  /** The credential, this once: the service keeps only its hash. */
  #showCredential({ kiosk, credential }: IssuedKioskCredential): void {
    const code = el('code', { className: 'credential', textContent: credential });
    const copied = el('span', { className: 'copied', role: 'status' });
    this.#credential.replaceChildren(
      el('strong', { text: tl('devices.credentialFor', { id: kiosk.id }) }),
      el('p', { text: tl('devices.credentialOnce') }),
      code,
      el(
        'div',
        { className: 'row' },
        button(tl('devices.copy'), () => void navigator.clipboard.writeText(credential).then(() => (copied.textContent = t('devices.copied'))), 'primary copy'),
        button(tl('devices.dismiss'), () => ((this.#credential.hidden = true), this.#credential.replaceChildren())),
        copied,
      ),
    );
    this.#credential.hidden = false;
  }

  async #attempt(work: () => Promise<void>): Promise<void> {
    this.#message.textContent = '';
    try {
      await work();
    } catch (error) {
      const code = error instanceof ApiError ? error.code : 'network';
      this.#message.textContent =
        code === 'HALL_IN_USE'
          ? t('devices.hallInUse', { kiosks: ((error as ApiError).details as HallInUse).activeKiosks.join(', ') })
          : errorText(code, error instanceof Error ? error.message : undefined);
    }
  }
}
