import { EntryPoint, ProtocolError, SESSION_STATES, parse, type OutboxSessionRecord, type SessionState } from '@etax-assist/protocol';

type StateColumn = `${string}_at`;

/** A row of `sessions` (server/migrations/0001_records.sql), as jsonb_populate_recordset reads it. */
export type SessionRow = Record<string, string | number | string[] | null>;

/** The `sessions` column of the last entry into a state. */
export const stateColumn = (state: SessionState): StateColumn => `${state.replace('-', '_')}_at`;

/** The columns the archiver writes (the others keep their defaults: archived_at). */
export const SESSION_COLUMNS = [
  'id',
  'state',
  'created_at',
  ...SESSION_STATES.map(stateColumn),
  'taxpayer_sub',
  'taxpayer_name',
  'taxpayer_id',
  'company',
  'entry_kind',
  'entry_page',
  'kiosk_id',
  'hall',
  'hall_id',
  'topic',
  'language',
  'channel',
  'priority',
  'tier',
  'agent',
  'agents',
  'experts',
  'wait_ms',
  'handling_ms',
  'notes',
  'outcome',
  'rating',
  'rating_comment',
  'question',
];

function entryPoint(json: string): EntryPoint {
  try {
    return parse(EntryPoint, JSON.parse(json), 'entry of the session');
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('VALIDATION_FAILED', 'Invalid entry of the session: not JSON');
  }
}

const served = (record: OutboxSessionRecord, role: 'agent' | 'expert') => record.served.filter((p) => p.startsWith(`${role}:`)).map((p) => p.slice(role.length + 1));

/** The `sessions` row of a session that closed, from the record its closing outbox entry carries. */
export function sessionRow(id: string, record: OutboxSessionRecord): SessionRow {
  const { fields } = record;
  const entry = entryPoint(fields.entry);
  // the stateAt:<state> fields are among the hash's others (ClosedSessionFields)
  const all: Record<string, string | undefined> = fields;
  const times = Object.fromEntries(
    SESSION_STATES.map((state) => {
      const ms = all[`stateAt:${state}`];
      if (ms !== undefined && !/^\d+$/.test(ms)) throw new ProtocolError('VALIDATION_FAILED', `Invalid stateAt:${state} of the session: ${ms}`);
      return [stateColumn(state), ms === undefined ? null : new Date(Number(ms)).toISOString()];
    }),
  );
  const optionalNumber = (value: string | undefined) => (value === undefined || value === '' ? null : Number(value));
  return {
    id,
    state: fields.state,
    created_at: fields.createdAt,
    ...times,
    taxpayer_sub: fields.taxpayerSub,
    taxpayer_name: fields.taxpayerName,
    taxpayer_id: fields.taxpayerId,
    company: fields.company,
    entry_kind: entry.kind,
    entry_page: entry.kind === 'portal' ? entry.page : null,
    kiosk_id: entry.kind === 'kiosk' ? entry.kioskId : null,
    hall_id: entry.kind === 'kiosk' && 'hallId' in entry ? entry.hallId : null,
    // an entry from before entries carried the hall's id (a session in flight across the upgrade)
    hall: entry.kind === 'kiosk' && 'hall' in entry ? entry.hall : null,
    topic: fields.topic,
    language: fields.language,
    channel: fields.channel,
    priority: fields.priority,
    tier: fields.tier || 'general',
    agent: fields.agent || null,
    agents: served(record, 'agent'),
    experts: served(record, 'expert'),
    wait_ms: optionalNumber(fields.waitMs),
    handling_ms: optionalNumber(fields.durationMs),
    notes: fields.notes ?? '',
    outcome: fields.outcome || null,
    rating: optionalNumber(fields.rating),
    rating_comment: fields.ratingComment ?? '',
    question: fields.question ?? '',
  };
}
