import type { RecordEvent } from '@etax-assist/protocol';
import { el } from '../dom.js';
import { formatDate, formatTime, i18next, t } from '../i18n.js';

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
/** A catalog label (`topic.<id>`, `outcome.<id>`…) when the console has one, else the id itself. */
const label = (group: string, id: unknown): string => (i18next.exists(`${group}.${text(id)}`) ? t(`${group}.${text(id)}`) : text(id));

/** What happened, in words: one sentence per kind of audit row, the fields the row carries in it. */
export function describeEvent({ kind, details: d }: RecordEvent): string {
  switch (kind) {
    case 'state': {
      const parts = [t('audit.state', { state: label('state', d.state) })];
      if (d.topic !== undefined) parts.push(t('audit.request', { topic: label('topic', d.topic), language: label('language', d.language), channel: label('channel', d.channel) }));
      if (d.agent !== undefined) parts.push(t('audit.agent', { agent: text(d.agent) }));
      if (d.outcome !== undefined) parts.push(t('audit.outcome', { outcome: label('outcome', d.outcome) }));
      if (d.note !== undefined) parts.push(t('audit.note', { note: text(d.note) }));
      return parts.join(' · ');
    }
    case 'offer':
      return t('audit.offer', { kind: label('offer.kind', d.offer), agent: text(d.agent) });
    case 'left':
      return t('audit.left', { who: text(d.left) });
    case 'reassign':
      if (d.reassign === 'queue') return t('audit.reassignQueue');
      if (d.reassign === 'failed') return t('audit.reassignFailed');
      return t('audit.reassign', { agent: text(d.reassign) });
    case 'monitor':
    case 'join':
    case 'unobserve':
      return t(`audit.${kind}`);
    case 'taxpayer':
      return t('audit.taxpayerGone');
    case 'widened':
      return t('audit.widened', { skills: text(d.widened) });
    case 'record-listed':
      return t('audit.recordListed');
    case 'record-viewed':
      return t('audit.recordViewed');
    case 'history-viewed':
      return t('audit.historyViewed', { count: Array.isArray(d.sessions) ? d.sessions.length : 0 });
    default:
      // a kind this console does not know yet: said as it is, never left out
      return t('audit.other', { kind, details: JSON.stringify(d) });
  }
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
