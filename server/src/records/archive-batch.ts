import { OutboxEntry, OutboxSessionEvent, ProtocolError, parse } from '@etax-assist/protocol';
import type { DatabasePool } from '../database/pool.js';
import { mendEmptyArrays } from '../redis/empty-arrays.js';
import { SESSION_COLUMNS, sessionRow, type SessionRow } from './session-row.js';

type Row = Record<string, unknown>;

const EVENT_COLUMNS = ['event_id', 'session_id', 'at', 'kind', 'actor_role', 'actor_id', 'details'];
const CHAT_COLUMNS = ['session_id', 'id', 'at', 'from_role', 'from_id', 'from_name', 'text', 'attachment_id'];

/**
 * Rows in, keyed by what identifies them, so that a batch written again writes nothing: events
 * by their outbox id, chat messages by session and message id, sessions by id (a session closes
 * once, and only its closing entry writes its row, so the order entries arrive in does not matter).
 */
const insert = (table: string, columns: string[], key: string) => {
  const list = columns.join(', ');
  return `INSERT INTO ${table} (${list}) SELECT ${list} FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb) ON CONFLICT (${key}) DO NOTHING`;
};
const STATEMENTS: [keyof ArchiveBatch['rows'], string][] = [
  ['events', insert('session_events', EVENT_COLUMNS, 'event_id')],
  ['chat', insert('chat_messages', CHAT_COLUMNS, 'session_id, id')],
  ['sessions', insert('sessions', SESSION_COLUMNS, 'id')],
];

/** The outbox entry a stream entry's `entry` field holds, or VALIDATION_FAILED saying what is wrong with it. */
export function outboxEntry(json: string | undefined): OutboxEntry {
  let value: unknown;
  try {
    value = JSON.parse(json ?? '');
  } catch {
    throw new ProtocolError('VALIDATION_FAILED', 'Invalid outbox entry: not JSON');
  }
  // cjson writes an empty Lua table as {}: the record's `served` may be an empty array
  if (typeof value === 'object' && value !== null && (value as Row).t === 'event') mendEmptyArrays(OutboxSessionEvent, value);
  return parse(OutboxEntry, value, 'outbox entry');
}

/** One batch of outbox entries, as rows of the system of record, written in one transaction. */
export class ArchiveBatch {
  readonly rows: { events: Row[]; chat: Row[]; sessions: SessionRow[] } = { events: [], chat: [], sessions: [] };

  /** Adds the entry of outbox id `id`; throws (adding nothing) when it does not make valid rows. */
  add(id: string, entry: OutboxEntry): void {
    if (entry.t === 'chat') {
      const { session, id: messageId, at, fromRole, fromId, fromName, text, attachmentId } = entry;
      this.rows.chat.push({ session_id: session, id: messageId, at, from_role: fromRole, from_id: fromId, from_name: fromName, text, attachment_id: attachmentId ?? null });
      return;
    }
    const session = entry.record ? sessionRow(entry.session, entry.record) : undefined;
    this.rows.events.push({
      event_id: id,
      session_id: entry.session,
      at: new Date(entry.at).toISOString(),
      kind: entry.kind,
      actor_role: entry.actor?.role ?? null,
      actor_id: entry.actor?.id ?? null,
      details: entry.details,
    });
    if (session) this.rows.sessions.push(session);
  }

  get size(): number {
    return this.rows.events.length + this.rows.chat.length;
  }

  async write(database: DatabasePool): Promise<void> {
    const client = await database.connect();
    try {
      await client.query('BEGIN');
      for (const [rows, statement] of STATEMENTS) {
        if (this.rows[rows].length > 0) await client.query(statement, [JSON.stringify(this.rows[rows])]);
      }
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      // the connection's state is unknown (a broken one cannot even roll back): it is discarded,
      // and so is the transaction with it
      client.release(true);
      throw error;
    }
  }
}
