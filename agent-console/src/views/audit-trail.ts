import type { AuditEventKind, RecordEvent } from '@etax-assist/protocol';
import { el } from '../dom.js';
import { formatDate, formatTime, i18next, t } from '../i18n.js';

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
/** A catalog label (`topic.<id>`, `outcome.<id>`…) when the console has one, else the id itself. */
const label = (group: string, id: unknown): string => (i18next.exists(`${group}.${text(id)}`) ? t(`${group}.${text(id)}`) : text(id));

type Details = RecordEvent['details'];

/**
 * What happened, in words: one sentence per kind of audit row, with the fields the row carries.
 * Keyed by every kind the protocol declares: a new kind does not compile until it is worded here.
 */
const DESCRIBE: Record<AuditEventKind, (d: Details) => string> = {
  state: (d) => {
    const parts = [t('audit.state', { state: label('state', d.state) })];
    if (d.topic !== undefined) parts.push(t('audit.request', { topic: label('topic', d.topic), language: label('language', d.language), channel: label('channel', d.channel) }));
    if (d.agent !== undefined) parts.push(t('audit.agent', { agent: text(d.agent) }));
    if (d.outcome !== undefined) parts.push(t('audit.outcome', { outcome: label('outcome', d.outcome) }));
    if (d.note !== undefined) parts.push(t('audit.note', { note: text(d.note) }));
    return parts.join(' · ');
  },
  offer: (d) => t('audit.offer', { kind: label('offer.kind', d.offer), agent: text(d.agent) }),
  left: (d) => t('audit.left', { who: text(d.left) }),
  reassign: (d) => (d.reassign === 'queue' ? t('audit.reassignQueue') : d.reassign === 'failed' ? t('audit.reassignFailed') : t('audit.reassign', { agent: text(d.reassign) })),
  monitor: () => t('audit.monitor'),
  join: () => t('audit.join'),
  unobserve: () => t('audit.unobserve'),
  taxpayer: () => t('audit.taxpayerGone'),
  widened: (d) => t('audit.widened', { skills: text(d.widened) }),
  relaxed: (d) => t('audit.relaxed', { level: text(d.relaxed) }),
  rated: (d) => [t('audit.rated', { score: text(d.rated) }), ...(d.comment ? [text(d.comment)] : [])].join(' · '),
  'consent-given': () => t('audit.consentGiven'),
  'consent-withdrawn': () => t('audit.consentWithdrawn'),
  'control-requested': () => t('audit.controlRequested'),
  'control-granted': (d) => t('audit.controlGranted', { who: text(d.requester) }),
  'control-refused': (d) => t('audit.controlRefused', { who: text(d.requester) }),
  'control-revoked': (d) => t('audit.controlRevoked', { who: text(d.controller) }),
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

export function describeEvent({ kind, details }: RecordEvent): string {
  const describe = Object.hasOwn(DESCRIBE, kind) ? DESCRIBE[kind as AuditEventKind] : undefined;
  // a kind this console does not know yet (a newer service): said as it is, never left out
  return describe ? describe(details) : t('audit.other', { kind, details: JSON.stringify(details) });
}

/** Who did it: a person by role and id, or the service itself (the sweep, a timer). */
export function describeActor(event: RecordEvent): string {
  return event.actor ? `${label('role', event.actor.role)} ${event.actor.id}` : t('audit.service');
}

/** The audit trail as a table: when, who, what — in time order, as the record keeps it. */
export function auditTrailTable(events: RecordEvent[]): HTMLElement {
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
          el('td', { dataset: { label: head[1] as string }, textContent: describeActor(e) }),
          el('td', { dataset: { label: head[2] as string }, textContent: describeEvent(e) }),
        ),
      ),
    ),
  );
}
