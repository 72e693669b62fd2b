import type { AuditEventKind, RecordEvent, StaffNames } from '@etax-assist/protocol';
import { el } from '../dom.js';
import { formatDate, formatTime, i18next, t } from '../i18n.js';

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
/** A catalog label (`topic.<id>`, `outcome.<id>`…) when the console has one, else the id itself. */
const label = (group: string, id: unknown): string => (i18next.exists(`${group}.${text(id)}`) ? t(`${group}.${text(id)}`) : text(id));

type Details = RecordEvent['details'];
/** A staff member a row's details name, by the directory's current name (else as the row keeps them). */
type Person = (value: unknown) => string;

/**
 * What happened, in words: one sentence per kind of audit row, with the fields the row carries.
 * Keyed by every kind the protocol declares: a new kind does not compile until it is worded here.
 */
const DESCRIBE: Record<AuditEventKind, (d: Details, person: Person) => string> = {
  state: (d, person) => {
    const parts = [t('audit.state', { state: label('state', d.state) })];
    if (d.topic !== undefined) parts.push(t('audit.request', { topic: label('topic', d.topic), language: label('language', d.language), channel: label('channel', d.channel) }));
    if (d.agent !== undefined) parts.push(t('audit.agent', { agent: person(d.agent) }));
    if (d.outcome !== undefined) parts.push(t('audit.outcome', { outcome: label('outcome', d.outcome) }));
    if (d.note !== undefined) parts.push(t('audit.note', { note: text(d.note) }));
    return parts.join(' · ');
  },
  offer: (d, person) => t('audit.offer', { kind: label('offer.kind', d.offer), agent: person(d.agent) }),
  left: (d, person) => t('audit.left', { who: person(d.left) }),
  reassign: (d, person) =>
    d.reassign === 'queue' ? t('audit.reassignQueue') : d.reassign === 'failed' ? t('audit.reassignFailed') : t('audit.reassign', { agent: person(d.reassign) }),
  monitor: () => t('audit.monitor'),
  join: () => t('audit.join'),
  unobserve: () => t('audit.unobserve'),
  taxpayer: () => t('audit.taxpayerGone'),
  widened: (d) => t('audit.widened', { skills: text(d.widened) }),
  relaxed: (d) => t('audit.relaxed', { level: text(d.relaxed) }),
  recall: (d, person) => t('audit.recall', { agent: person(d.recall) }),
  callback: (d, person) => (d.callback === 'expired' ? t('audit.callbackExpired') : t('audit.callbackUnanswered', { agent: person(d.agent) })),
  rated: (d) => [t('audit.rated', { score: text(d.rated) }), ...(d.comment ? [text(d.comment)] : [])].join(' · '),
  'consent-given': () => t('audit.consentGiven'),
  'consent-withdrawn': () => t('audit.consentWithdrawn'),
  'control-requested': () => t('audit.controlRequested'),
  'control-granted': (d, person) => t('audit.controlGranted', { who: person(d.requester) }),
  'control-refused': (d, person) => t('audit.controlRefused', { who: person(d.requester) }),
  'control-revoked': (d, person) => t('audit.controlRevoked', { who: person(d.controller) }),
  'control-stopped': () => t('audit.controlStopped'),
  'control-ended': (d) => t('audit.controlEnded', { why: label('audit.controlEndedWhy', d.reason) }),
  'card-viewed': () => t('audit.cardViewed'),
  'mirror-watched': () => t('audit.mirrorWatched'),
  'mirror-unwatched': (d) => t(d.ended === 'disconnected' ? 'audit.mirrorDisconnected' : 'audit.mirrorUnwatched'),
  'recording-replayed': (d) => t('audit.recordingReplayed', { entries: text(d.entries) }),
  'attachment-downloaded': (d) => t('audit.attachmentDownloaded', { id: text(d.attachment) }),
  'record-listed': () => t('audit.recordListed'),
  'record-viewed': () => t('audit.recordViewed'),
  'history-viewed': (d) => t('audit.historyViewed', { count: Array.isArray(d.sessions) ? d.sessions.length : 0 }),
};

export function describeEvent({ kind, details }: RecordEvent, names: StaffNames): string {
  const describe = Object.hasOwn(DESCRIBE, kind) ? DESCRIBE[kind as AuditEventKind] : undefined;
  const person: Person = (value) => (typeof value === 'string' ? (names[value] ?? value) : text(value));
  // a kind this console does not know yet (a newer service): said as it is, never left out
  return describe ? describe(details, person) : t('audit.other', { kind, details: JSON.stringify(details) });
}

/**
 * Who did it: a person by role and name (staff: the directory's current name, then the sub the
 * row keeps, for audit; a taxpayer: the id), or the service itself (the sweep, a timer).
 */
export function describeActor(event: RecordEvent, names: StaffNames): string {
  if (!event.actor) return t('audit.service');
  const { role, id } = event.actor;
  const name = role === 'taxpayer' ? undefined : names[id];
  return `${label('role', role)} ${name === undefined ? id : `${name} (${id})`}`;
}

/** The audit trail as a table: when, who, what — in time order, as the record keeps it. */
export function auditTrailTable(events: RecordEvent[], names: StaffNames): HTMLElement {
  const head = [t('audit.when'), t('audit.who'), t('audit.what')];
  return el(
    'table',
    { className: 'audit-trail records-table' },
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { textContent: h })))),
    el(
      'tbody',
      {},
      ...events.map((e) =>
        el(
          'tr',
          { dataset: { kind: e.kind } },
          el('td', { dataset: { label: head[0] as string }, textContent: `${formatDate(e.at)} ${formatTime(e.at)}` }),
          el('td', { dataset: { label: head[1] as string }, textContent: describeActor(e, names) }),
          el('td', { dataset: { label: head[2] as string }, textContent: describeEvent(e, names) }),
        ),
      ),
    ),
  );
}
