import { OutboxEntry, OutboxSessionEvent, ProtocolError, parse } from '@etax-assist/protocol';
import type { PoolClient } from 'pg';
import type { DatabasePool } from '../database/pool.js';
import { mendEmptyArrays } from '../redis/empty-arrays.js';
import { SESSION_COLUMNS, sessionRow, type SessionRow } from './session-row.js';

type Row = Record<string, unknown>;

const EVENT_COLUMNS = ['event_id', 'session_id', 'at', 'kind', 'actor_role', 'actor_id', 'details'];
const CHAT_COLUMNS = ['session_id', 'id', 'at', 'from_role', 'from_id', 'from_name', 'text', 'attachment_id'];
const ACTIVITY_COLUMNS = ['event_id', 'agent', 'at', 'status', 'wrap', 'load', 'capacity', 'actor_id'];
const CALL_IN_COLUMNS = ['event_id', 'call_in', 'kind', 'at', 'made_at', 'agent', 'queue', 'trigger', 'actor_id', 'note', 'gap', 'wait_s', 'reason'];

/**
 * Rows in, keyed by what identifies them, so that a batch written again writes nothing: events
 * by their outbox id, chat messages by session and message id, sessions by id (a session closes
 * once, and only its closing entry writes its row). `select` names what a column is taken from.
 */
const insert = (table: string, columns: string[], key: string, select: (column: string) => string = (column) => column, join = '') => {
  const list = columns.join(', ');
  return `INSERT INTO ${table} (${list}) SELECT ${columns.map(select).join(', ')} FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb) AS x ${join} ON CONFLICT (${key}) DO NOTHING`;
};

/**
 * A session's latest rating: its `rated` event appended last to the outbox (stream ids grow), among
 * those archived, this transaction's included. The rating may be archived before or after the
 * entry that closes the session, by another instance: both paths read it from here.
 */
const latestRating = (session: string) =>
  `SELECT (details->>'rated')::smallint AS rating, details->>'comment' AS comment FROM session_events
   WHERE session_id = ${session} AND kind = 'rated'
   ORDER BY split_part(event_id, '-', 1)::bigint DESC, split_part(event_id, '-', 2)::bigint DESC LIMIT 1`;

/** The class of the `sessions` rows' advisory locks (two-key locks: apart from the migrator's one-key lock), so that the two paths of a rating serialise per session. */
const SESSION_ROW_LOCK = 17;

const STATEMENTS: [keyof ArchiveBatch['rows'], string][] = [
  // one at a time in one order, so that two batches sharing sessions cannot deadlock; held to the
  // end of the transaction: READ COMMITTED alone lets a closing entry and a rating archived at the
  // same time miss each other (neither sees the other's uncommitted row), and the rating is lost
  ['locked', `SELECT pg_advisory_xact_lock(${SESSION_ROW_LOCK}, k) FROM (SELECT DISTINCT hashtext(id) AS k FROM jsonb_array_elements_text($1::jsonb) AS id ORDER BY k) AS keys`],
  ['events', insert('session_events', EVENT_COLUMNS, 'event_id')],
  ['chat', insert('chat_messages', CHAT_COLUMNS, 'session_id, id')],
  ['activity', insert('agent_activity', ACTIVITY_COLUMNS, 'event_id')],
  ['callIns', insert('call_in_events', CALL_IN_COLUMNS, 'event_id')],
  [
    'sessions',
    insert(
      'sessions',
      SESSION_COLUMNS,
      'id',
      (column) => (column === 'rating' ? 'COALESCE(r.rating, x.rating)' : column === 'rating_comment' ? 'COALESCE(r.comment, x.rating_comment)' : `x.${column}`),
      `LEFT JOIN LATERAL (${latestRating('x.id')}) AS r ON true`,
    ),
  ],
  [
    'rated',
    `UPDATE sessions SET rating = r.rating, rating_comment = r.comment FROM (SELECT DISTINCT id FROM jsonb_array_elements_text($1::jsonb) AS id) AS rated, LATERAL (${latestRating('rated.id')}) AS r WHERE sessions.id = rated.id`,
  ],
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
  /** `rated`: the sessions rated in the batch; `locked`: those whose row the batch may write. */
  readonly rows: { events: Row[]; chat: Row[]; activity: Row[]; callIns: Row[]; sessions: SessionRow[]; rated: string[]; locked: string[] } = {
    events: [],
    chat: [],
    activity: [],
    callIns: [],
    sessions: [],
    rated: [],
    locked: [],
  };

  /** Adds the entry of outbox id `id`; throws (adding nothing) when it does not make valid rows. */
  add(id: string, entry: OutboxEntry): void {
    if (entry.t === 'chat') {
      const { session, id: messageId, at, fromRole, fromId, fromName, text, attachmentId } = entry;
      this.rows.chat.push({ session_id: session, id: messageId, at, from_role: fromRole, from_id: fromId, from_name: fromName, text, attachment_id: attachmentId ?? null });
      return;
    }
    if (entry.t === 'agent') {
      const { agent, at, status, wrap, load, capacity, actor } = entry;
      this.rows.activity.push({ event_id: id, agent, at: new Date(at).toISOString(), status, wrap, load, capacity, actor_id: actor?.id ?? null });
      return;
    }
    if (entry.t === 'call-in') {
      const { callIn, kind, at, madeAt, agent, queue, trigger, actor, note, gap, waitS, reason } = entry;
      const times = { at: new Date(at).toISOString(), made_at: new Date(madeAt).toISOString() };
      this.rows.callIns.push({ event_id: id, call_in: callIn, kind, ...times, agent, queue, trigger, actor_id: actor?.id ?? null, note, gap, wait_s: waitS, reason });
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
    if (entry.kind === 'rated') this.rows.rated.push(entry.session);
    if (session || entry.kind === 'rated') this.rows.locked.push(entry.session);
  }

  get size(): number {
    return this.rows.events.length + this.rows.chat.length + this.rows.activity.length + this.rows.callIns.length;
  }

  async write(database: DatabasePool): Promise<void> {
    const client = await database.connect();
    try {
      await client.query('BEGIN');
      await this.writeIn(client);
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      // the connection's state is unknown (a broken one cannot even roll back): it is discarded,
      // and so is the transaction with it
      client.release(true);
      throw error;
    }
  }

  /** The batch's statements, in the caller's transaction (which holds the batch's session locks until it ends). */
  async writeIn(client: PoolClient): Promise<void> {
    for (const [rows, statement] of STATEMENTS) {
      if (this.rows[rows].length > 0) await client.query(statement, [JSON.stringify(this.rows[rows])]);
    }
  }
}
