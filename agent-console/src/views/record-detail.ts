import { SESSION_STATES, type RecordChatMessage, type RecordEvent, type RecordSession, type StaffNames } from '@etax-assist/protocol';
import { openRecord } from '../api.js';
import { button, el } from '../dom.js';
import { formatDate, formatRating, formatTime, t } from '../i18n.js';
import { entryText } from '../entry-labels.js';
import { auditTrailTable } from './audit-trail.js';
import type { SessionRating } from './replay.js';

const when = (at: string): string => `${formatDate(at)} ${formatTime(at)}`;
const seconds = (ms: number | undefined): string => (ms === undefined ? '—' : t('records.seconds', { s: Math.round(ms / 1000) }));

/** A staff member by the directory's current name (their sub when it holds none), the sub on hover for audit. */
export function staffName(names: StaffNames, sub: string): HTMLElement {
  return el('span', { className: 'staff-name', title: sub, dataset: { sub }, textContent: names[sub] ?? sub });
}

/** Everyone who served the session, by name: agents, then experts. */
export function servedBy(session: Pick<RecordSession, 'agents' | 'experts'>, names: StaffNames): HTMLElement {
  const people = [...session.agents.map((sub) => staffName(names, sub)), ...session.experts.map((sub) => el('span', {}, `${t('role.expert')} `, staffName(names, sub)))];
  if (people.length === 0) return el('span', { textContent: '—' });
  return el('span', { className: 'served-by' }, ...people.flatMap((person, i) => (i === 0 ? [person] : [document.createTextNode('、'), person])));
}

/**
 * One ended session as the record keeps it, for a supervisor: the facts (times, wait, handling,
 * who served it, outcome, rating), the audit trail (who saw and did what, when; more pages on
 * request), the chat, and the replay. Opening it, and each further page, is itself in the trail.
 */
export class RecordDetail {
  readonly element = el('section', { className: 'record-detail' });
  #session: RecordSession | undefined;
  #events: RecordEvent[] = [];
  #chat: RecordChatMessage[] = [];
  #next: string | undefined;
  #names: StaffNames = {};

  constructor(
    /** The current bearer token (it is renewed while the console is open). */
    private readonly token: () => string,
    readonly sessionId: string,
    private readonly onClose: () => void,
    private readonly onReplay: (sessionId: string, rating: SessionRating | undefined) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The record, or the trail's next page (after the last one shown). */
  async load(more = false): Promise<void> {
    const record = await openRecord(this.token(), this.sessionId, more ? this.#next : undefined);
    this.#session = record.session;
    this.#events = more ? [...this.#events, ...record.events] : record.events;
    this.#chat = record.chat;
    this.#next = record.eventsNext;
    // a later page names its own rows' staff; the earlier pages' names stay
    this.#names = more ? { ...this.#names, ...record.staffNames } : record.staffNames;
    this.render();
  }

  render(): void {
    const s = this.#session;
    if (!s) return;
    const rating = s.rating === undefined ? undefined : { score: s.rating, comment: s.ratingComment || undefined };
    const fact = (name: string, value: string | HTMLElement) => [el('dt', { textContent: name }), el('dd', {}, value)];
    const states = SESSION_STATES.filter((state) => s.stateTimes[state] !== undefined).map((state) => `${t(`state.${state}`)} ${formatTime(s.stateTimes[state] as string)}`);
    this.element.replaceChildren(
      el(
        'div',
        { className: 'row' },
        el('h2', { textContent: t('records.detail', { name: s.taxpayer.name || s.taxpayer.sub }) }),
        button(t('records.replay'), () => this.onReplay(s.sessionId, rating), 'primary'),
        button(t('records.close'), () => this.onClose()),
      ),
      el(
        'dl',
        { className: 'record-facts' },
        ...fact(t('records.sessionId'), s.sessionId),
        ...fact(t('card.taxpayer'), `${s.taxpayer.name} (${s.taxpayer.sub})`),
        ...fact(t('card.taxpayerId'), s.taxpayer.taxpayerId || '—'),
        ...fact(t('card.company'), s.taxpayer.company || '—'),
        ...fact(t('card.entry'), entryText(s.entry)),
        ...fact(t('card.topic'), t(`topic.${s.topic}`)),
        ...fact(t('card.language'), t(`language.${s.language}`)),
        ...fact(t('card.channel'), t(`channel.${s.channel}`)),
        ...fact(t('records.created'), when(s.createdAt)),
        ...fact(t('records.times'), states.join(' → ')),
        ...fact(t('records.wait'), seconds(s.waitMs)),
        ...fact(t('records.handling'), seconds(s.handlingMs)),
        // the record's own page shows each sub beside the name, for audit
        ...fact(t('records.servedBy'), servedBy(s, this.#names)),
        ...fact(t('records.staffSubs'), [...s.agents, ...s.experts].join('、') || '—'),
        ...fact(t('records.state'), t(`state.${s.state}`)),
        ...fact(t('records.outcome'), s.outcome ? t(`outcome.${s.outcome}`) : '—'),
        ...fact(t('records.notes'), s.notes || '—'),
        // the taxpayer's own words: text, never markup
        ...fact(t('records.rating'), rating ? `${formatRating(rating.score)} ${rating.comment ?? ''}` : '—'),
      ),
      el('h3', { textContent: t('records.trail') }),
      auditTrailTable(this.#events, this.#names),
      ...(this.#next ? [button(t('records.moreTrail'), () => void this.load(true).catch(this.onError), 'more-trail')] : []),
      el('h3', { textContent: t('records.chat') }),
      this.#chat.length === 0
        ? el('p', { className: 'empty', textContent: t('records.noChat') })
        : el(
            'ol',
            { className: 'record-chat' },
            ...this.#chat.map((m) =>
              el(
                'li',
                { className: m.from.role === 'taxpayer' ? 'theirs' : 'mine' },
                el('span', { className: 'from', textContent: `${formatTime(m.at)} · ${m.from.name || m.from.id} · ${t(`role.${m.from.role}`)}` }),
                el('span', { className: 'text', textContent: m.text }),
              ),
            ),
          ),
    );
  }
}
