import { SIGNED_IN_ROLES, TIERS, type Catalog, type StaffEvent, type StaffList, type StaffMember, type StaffProfile, type StaffQuery } from '@etax-assist/protocol';
import { ApiError, createStaff, listStaff, setStaffActive, staffEvents, updateStaff } from '../api.js';
import { button, el, relabel, tl } from '../dom.js';
import { errorText, formatDate, formatTime, t } from '../i18n.js';
import { filterChoice } from './filter-choice.js';
import { pagingRow, resultTable } from './result-table.js';

const LEVELS = [1, 2, 3, 4, 5] as const;
const PAGE = 20;

/** A new member's form starts from these. */
const NEW_PROFILE: StaffProfile = { name: '', role: 'agent', tier: 'frontline', languages: [], topics: [], capacity: 5, halls: [] };

/**
 * The administrator's Staff view (the staff directory, GET/POST/PATCH /api/staff): search and a
 * page of members, a member's form (role, tier, languages, topics each with a level 1–5, text
 * capacity, halls), disable and enable, and the member's change history. A change applies to
 * routing at once; a disabled member is signed off and disconnected by the service.
 */
export class StaffView {
  readonly element: HTMLElement;
  readonly #search: HTMLFormElement;
  readonly #message = el('p', { className: 'records-message', role: 'status' });
  readonly #results = el('div', { className: 'records-results' });
  readonly #editor = el('div', { className: 'staff-editor-host' });
  #query: StaffQuery = { limit: PAGE };
  #cursors: (string | undefined)[] = [];
  #page: StaffList | undefined;
  /** The member being edited (undefined with the editor open: a new one), and their history. */
  #editing: { member: StaffMember | undefined; events: StaffEvent[]; eventsNext: string | undefined } | undefined;

  constructor(
    /** A current token for each call (a provider sign-in's is renewed). */
    private readonly token: () => Promise<string>,
    private readonly catalog: Catalog,
  ) {
    this.#search = this.#searchForm();
    this.element = el('section', { className: 'records staff' }, this.#search, this.#message, this.#results, this.#editor);
    void this.#show(undefined);
  }

  #searchForm(): HTMLFormElement {
    return el(
      'form',
      { className: 'records-search', onsubmit: (event: SubmitEvent) => (event.preventDefault(), void this.#find()) },
      el('label', {}, el('span', { text: tl('staff.q') }), el('input', { name: 'q', maxLength: 200, type: 'search' })),
      filterChoice(
        'role',
        'staff.role',
        SIGNED_IN_ROLES.map((r) => ({ value: r, label: `role.${r}` })),
      ),
      filterChoice(
        'topic',
        'records.topic',
        this.catalog.topics.map((c) => ({ value: c.id, label: `topic.${c.id}` })),
      ),
      filterChoice('active', 'staff.status', [
        { value: 'true', label: 'staff.active' },
        { value: 'false', label: 'staff.disabled' },
      ]),
      el('button', { type: 'submit', className: 'primary', text: tl('records.search') }),
      el('button', { type: 'button', text: tl('staff.new'), dataset: { action: 'new-member' }, onclick: () => void this.#edit(undefined) }),
    );
  }

  async #find(): Promise<void> {
    const form = new FormData(this.#search);
    // the form's fields are inputs and selects: their entries are strings
    const field = (name: string) => ((form.get(name) as string | null) ?? '').trim();
    const query: StaffQuery = { limit: PAGE };
    if (field('q')) query.q = field('q');
    if (field('role')) query.role = field('role') as StaffQuery['role'];
    if (field('topic')) query.topic = field('topic');
    if (field('active')) query.active = field('active') === 'true';
    this.#query = query;
    this.#cursors = [];
    await this.#show(undefined);
  }

  async #show(cursor: string | undefined): Promise<void> {
    try {
      this.#page = await listStaff(await this.token(), cursor ? { ...this.#query, cursor } : this.#query);
      this.#cursors.push(cursor);
      this.#say('');
      this.#renderResults();
    } catch (error) {
      this.#fail(error);
    }
  }

  /** The page shown again from its own start (after a change to one of its members). */
  async #refresh(): Promise<void> {
    const cursor = this.#cursors.pop();
    await this.#show(cursor);
  }

  #fail(error: unknown): void {
    this.#say(error instanceof ApiError ? errorText(error.code, error.message) : String(error));
  }

  /** Says what went wrong, or (`done`) what was just changed. */
  #say(message: string, done = false): void {
    this.#message.textContent = message;
    this.#message.classList.toggle('done', done);
  }

  #renderResults(): void {
    const page = this.#page;
    if (!page) return;
    const head = [
      t('staff.name'),
      t('staff.sub'),
      t('staff.role'),
      t('staff.tier'),
      t('card.language'),
      t('staff.topics'),
      t('staff.capacity'),
      t('staff.halls'),
      t('staff.status'),
      '',
    ];
    const next = page.next;
    this.#results.replaceChildren(
      resultTable(
        'staff-table',
        head,
        page.members.map((m) => ({
          dataset: { sub: m.sub },
          className: m.active ? '' : 'inactive',
          cells: [
            m.name,
            m.sub,
            t(`role.${m.role}`),
            t(`tier.${m.tier}`),
            m.languages.map((l) => t(`language.${l}`)).join(t('staff.separator')) || '—',
            topicsText(m.topics) || '—',
            String(m.capacity),
            m.halls.join(t('staff.separator')) || '—',
            m.active ? t('staff.active') : t('staff.disabled'),
            el(
              'div',
              { className: 'row staff-actions' },
              button(t('staff.edit'), () => void this.#edit(m)),
              button(m.active ? t('staff.disable') : t('staff.enable'), () => void this.#setActive(m, !m.active), m.active ? 'danger' : ''),
            ),
          ],
        })),
        t('staff.none'),
      ),
      pagingRow(this.#cursors.length, () => void this.#previous(), next ? () => void this.#show(next) : undefined),
    );
  }

  async #previous(): Promise<void> {
    this.#cursors.pop();
    await this.#show(this.#cursors.pop());
  }

  async #setActive(member: StaffMember, active: boolean): Promise<void> {
    if (!active && !window.confirm(t('staff.confirmDisable', { name: member.name }))) return;
    try {
      const changed = await setStaffActive(await this.token(), member.sub, active);
      await this.#refresh();
      if (this.#editing?.member?.sub === member.sub) await this.#edit(changed);
      // after the page is shown again, which clears the message line
      this.#say(t(active ? 'staff.enabledDone' : 'staff.disabledDone', { name: changed.name }), true);
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Opens the form for a member (with their history), or for a new one. */
  async #edit(member: StaffMember | undefined): Promise<void> {
    this.#editing = { member, events: [], eventsNext: undefined };
    if (member) {
      try {
        const history = await staffEvents(await this.token(), member.sub);
        this.#editing = { member, events: history.events, eventsNext: history.next };
      } catch (error) {
        this.#fail(error);
      }
    }
    this.#renderEditor();
    this.#editor.scrollIntoView({ block: 'start' });
  }

  async #moreEvents(): Promise<void> {
    const editing = this.#editing;
    if (!editing?.member || !editing.eventsNext) return;
    try {
      const more = await staffEvents(await this.token(), editing.member.sub, editing.eventsNext);
      this.#editing = { ...editing, events: [...editing.events, ...more.events], eventsNext: more.next };
      this.#renderEditor();
    } catch (error) {
      this.#fail(error);
    }
  }

  #renderEditor(): void {
    const editing = this.#editing;
    if (!editing) {
      this.#editor.replaceChildren();
      return;
    }
    const m = editing.member ?? { ...NEW_PROFILE, sub: '' };
    const levels = new Map(m.topics.map((s) => [s.topic, s.level]));
    const select = (name: string, value: string, options: { value: string; label: string }[]) =>
      el('select', { name }, ...options.map((o) => el('option', { value: o.value, text: tl(o.label), selected: o.value === value })));
    const field = (label: string, control: HTMLElement) => el('label', {}, el('span', { text: tl(label) }), control);
    const form = el(
      'form',
      { className: 'staff-form', onsubmit: (event: SubmitEvent) => (event.preventDefault(), void this.#save(form)) },
      el('h2', { textContent: editing.member ? t('staff.editing', { name: m.name }) : t('staff.new') }),
      el(
        'div',
        { className: 'staff-fields' },
        field('staff.sub', el('input', { name: 'sub', value: m.sub, required: true, maxLength: 128, readOnly: editing.member !== undefined })),
        field('staff.name', el('input', { name: 'name', value: m.name, required: true, maxLength: 200 })),
        field(
          'staff.role',
          select(
            'role',
            m.role,
            SIGNED_IN_ROLES.map((r) => ({ value: r, label: `role.${r}` })),
          ),
        ),
        field(
          'staff.tier',
          select(
            'tier',
            m.tier,
            TIERS.map((r) => ({ value: r, label: `tier.${r}` })),
          ),
        ),
        field('staff.capacity', el('input', { name: 'capacity', type: 'number', min: '1', max: '20', value: String(m.capacity), required: true })),
        field('staff.hallsHint', el('input', { name: 'halls', value: m.halls.join(', '), maxLength: 2000 })),
      ),
      el(
        'fieldset',
        { className: 'staff-languages' },
        el('legend', { text: tl('card.language') }),
        ...this.catalog.languages.map((l) =>
          el(
            'label',
            { className: 'check' },
            el('input', { type: 'checkbox', name: 'language', value: l.id, checked: m.languages.includes(l.id) }),
            el('span', { text: tl(`language.${l.id}`) }),
          ),
        ),
      ),
      el(
        'fieldset',
        { className: 'staff-topics' },
        el('legend', { text: tl('staff.topicsHint') }),
        ...this.catalog.topics.map((c) =>
          el(
            'div',
            { className: 'staff-topic' },
            el(
              'label',
              { className: 'check' },
              el('input', { type: 'checkbox', name: 'topic', value: c.id, checked: levels.has(c.id) }),
              el('span', { text: tl(`topic.${c.id}`) }),
            ),
            el(
              'select',
              { name: `level:${c.id}`, label: tl('staff.levelOf', { topic: t(`topic.${c.id}`) }) },
              ...LEVELS.map((n) => el('option', { value: String(n), text: tl('staff.level', { n }), selected: n === (levels.get(c.id) ?? 3) })),
            ),
          ),
        ),
      ),
      el(
        'div',
        { className: 'row' },
        el('button', { type: 'submit', className: 'primary', text: tl('staff.save') }),
        button(tl('staff.cancel'), () => ((this.#editing = undefined), this.#renderEditor())),
      ),
    );
    this.#editor.replaceChildren(el('div', { className: 'record-detail staff-editor' }, form, editing.member ? this.#history(editing.events, editing.eventsNext) : undefined));
  }

  #history(events: StaffEvent[], next: string | undefined): HTMLElement {
    return el(
      'div',
      { className: 'staff-history' },
      el('h3', { textContent: t('staff.history') }),
      events.length === 0
        ? el('p', { className: 'empty', textContent: t('staff.noHistory') })
        : el(
            'ul',
            { className: 'record-chat' },
            ...events.map((e) =>
              el(
                'li',
                { dataset: { kind: e.kind } },
                el('span', { className: 'from', textContent: `${formatDate(e.at)} ${formatTime(e.at)} · ${e.by} · ${t(`staff.kind.${e.kind}`)}` }),
                ...Object.entries(e.changes).map(([field, { before, after }]) =>
                  el('span', { textContent: t('staff.change', { field: t(`staff.field.${field}`), before: valueText(field, before), after: valueText(field, after) }) }),
                ),
              ),
            ),
          ),
      next ? button(t('records.moreTrail'), () => void this.#moreEvents(), 'history-more') : undefined,
    );
  }

  async #save(form: HTMLFormElement): Promise<void> {
    const data = new FormData(form);
    // the form's fields are inputs and selects: their entries are strings
    const text = (name: string) => ((data.get(name) as string | null) ?? '').trim();
    const profile: StaffProfile = {
      name: text('name'),
      role: text('role') as StaffProfile['role'],
      tier: text('tier') as StaffProfile['tier'],
      languages: data.getAll('language') as string[],
      topics: (data.getAll('topic') as string[]).map((topic) => ({ topic, level: Number(text(`level:${topic}`)) })),
      capacity: Number(text('capacity')),
      halls: text('halls')
        .split(/[,，\s]+/)
        .filter((h) => h.length > 0),
    };
    const editing = this.#editing;
    try {
      const saved = editing?.member ? await updateStaff(await this.token(), editing.member.sub, profile) : await createStaff(await this.token(), { sub: text('sub'), ...profile });
      await this.#refresh();
      await this.#edit(saved);
      this.#say(t('staff.saved', { name: saved.name }), true);
    } catch (error) {
      this.#fail(error);
    }
  }

  /** The administrator switched language: the form relabelled, results and editor composed again. */
  relabel(): void {
    relabel(this.#search);
    this.#renderResults();
    this.#renderEditor();
  }
}

function topicsText(topics: StaffMember['topics']): string {
  return topics.map((s) => `${t(`topic.${s.topic}`)} ${t('staff.level', { n: s.level })}`).join(t('staff.separator'));
}

/** A field's value in the history, as the list shows it. */
function valueText(field: string, value: unknown): string {
  if (value === null || value === undefined) return '—';
  if ((field === 'role' || field === 'tier') && typeof value === 'string') return t(`${field}.${value}`);
  if (field === 'active') return value === true ? t('staff.active') : t('staff.disabled');
  if (field === 'languages' && Array.isArray(value)) return value.map((l) => t(`language.${String(l)}`)).join(t('staff.separator')) || '—';
  if (field === 'topics' && Array.isArray(value)) return topicsText(value as StaffMember['topics']) || '—';
  if (Array.isArray(value)) return value.join(t('staff.separator')) || '—';
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}
