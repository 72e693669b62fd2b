import type { Hall, IssuedKioskCredential, Kiosk } from '@etax-assist/protocol';
import { ApiError } from '../api.js';
import { DevicesApi } from '../devices-api.js';
import { button, el, tl } from '../dom.js';
import { errorText, formatDate, formatTime, i18next, t } from '../i18n.js';

const ID_PATTERN = '[A-Za-z0-9][A-Za-z0-9_\\-]{0,63}';

/** The fields of a form, by name (every field here is a text input or a select: no files). */
function fields(form: HTMLFormElement): Record<string, string> {
  return Object.fromEntries([...new FormData(form).entries()].map(([name, value]) => [name, typeof value === 'string' ? value.trim() : '']));
}

/**
 * The administrator's halls and kiosks (docs/devices.md): the registry as lists, a form to add a
 * hall and one to register a kiosk, and per kiosk a rotation and a disabling. A credential the
 * service issues is shown once, with a copy button, until the administrator dismisses it.
 */
export class DevicesView {
  readonly element: HTMLElement;
  readonly #api: DevicesApi;
  readonly #message = el('p', { className: 'devices-message', role: 'alert' });
  readonly #credential = el('div', { className: 'devices-credential', hidden: true });
  readonly #halls = el('div', { className: 'devices-halls' });
  readonly #kiosks = el('div', { className: 'devices-kiosks' });
  readonly #hallChoice = el('select', { name: 'hallId', required: true });
  #hallList: Hall[] = [];
  #kioskList: Kiosk[] = [];

  constructor(token: () => Promise<string>) {
    this.#api = new DevicesApi(token);
    this.element = el(
      'section',
      { className: 'devices' },
      this.#message,
      this.#credential,
      el('h2', { text: tl('devices.kiosks') }),
      this.#kioskForm(),
      this.#kiosks,
      el('h2', { text: tl('devices.halls') }),
      this.#hallForm(),
      this.#halls,
    );
    void this.refresh();
  }

  /** The tables again in the current language (hall names are zh or en); the static labels are relabelled by the view holding this one. */
  redraw(): void {
    this.#render();
  }

  async refresh(): Promise<void> {
    await this.#attempt(async () => {
      [this.#hallList, this.#kioskList] = await Promise.all([this.#api.halls(), this.#api.kiosks()]);
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

    const hallHead = [t('devices.hallId'), t('devices.nameZh'), t('devices.nameEn'), t('devices.address'), t('devices.region')];
    this.#halls.replaceChildren(
      table(
        'halls-table',
        hallHead,
        this.#hallList.map((h) =>
          el(
            'tr',
            { dataset: { hall: h.id } },
            cell(hallHead[0]!, h.id),
            cell(hallHead[1]!, h.nameZh),
            cell(hallHead[2]!, h.nameEn),
            cell(hallHead[3]!, h.address),
            cell(hallHead[4]!, h.region),
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
                button(t(k.active ? 'devices.rotate' : 'devices.enable'), () => void this.#rotate(k), 'rotate'),
                k.active ? button(t('devices.disable'), () => void this.#disable(k), 'disable') : undefined,
              ),
            ),
          ),
        ),
      ),
    );

    const chosen = this.#hallChoice.value;
    this.#hallChoice.replaceChildren(...this.#hallList.map((h) => el('option', { value: h.id, textContent: `${this.#hallName(h.id)} (${h.id})` })));
    if (chosen) this.#hallChoice.value = chosen;
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
      this.#message.textContent = errorText(code, error instanceof Error ? error.message : undefined);
    }
  }
}
