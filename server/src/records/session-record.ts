import { ProtocolError, type Principal, type RecordChatMessage, type RecordEvent, type SessionRecord, type SessionRecordQuery } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import type { DatabasePool } from '../database/pool.js';
import { auditedRead, recordRead } from './audited-read.js';
import { decodeCursor, page, positionOf } from './record-cursor.js';
import { SESSION_SELECT, recordSession, type SessionsRow } from './record-session.js';
import { eventSubs, servingSubs, staffNames } from './staff-names.js';

interface EventRow {
  event_id: string;
  at: Date;
  position: string;
  kind: string;
  actor_role: string | null;
  actor_id: string | null;
  details: Record<string, unknown>;
}

interface ChatRow {
  id: string;
  at: Date;
  from_role: string;
  from_id: string;
  from_name: string;
  text: string;
  attachment_id: string | null;
}

function event(row: EventRow): RecordEvent {
  const e: RecordEvent = { id: row.event_id, at: row.at.toISOString(), kind: row.kind, details: row.details };
  if (row.actor_role && row.actor_id) e.actor = { role: row.actor_role, id: row.actor_id };
  return e;
}

function message(row: ChatRow): RecordChatMessage {
  const m: RecordChatMessage = { id: row.id, at: row.at.toISOString(), from: { role: row.from_role, id: row.from_id, name: row.from_name }, text: row.text };
  if (row.attachment_id) m.attachmentId = row.attachment_id;
  return m;
}

/**
 * One session's record for a supervisor: its row, its audit trail in time order a page at a
 * time (keyset on at and event id), and its chat. Opening it is itself a row of that trail
 * (`record-viewed`), written in the same transaction as the read.
 */
export class SessionRecordReader {
  constructor(
    private readonly database: DatabasePool,
    private readonly options: Pick<Config['records'], 'searchMaxDays' | 'pageMax'>,
  ) {}

  async open(principal: Principal, sessionId: string, query: SessionRecordQuery): Promise<SessionRecord> {
    const { pageMax } = this.options;
    const limit = query.limit ?? pageMax;
    if (limit > pageMax) throw new ProtocolError('VALIDATION_FAILED', `A page holds at most ${pageMax} audit rows`, { maxLimit: pageMax });
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const eventsSql = `SELECT event_id, at, ${positionOf('at')} AS position, kind, actor_role, actor_id, details FROM session_events
      WHERE session_id = $1 ${after ? 'AND (at, event_id) > ($3::timestamptz, $4)' : ''} ORDER BY at, event_id LIMIT $2`;

    return auditedRead(this.database, async (client) => {
      const [session] = (await client.query<SessionsRow>(`SELECT ${SESSION_SELECT} FROM sessions WHERE id = $1 AND anonymised_at IS NULL`, [sessionId])).rows;
      // a session still going on (or unknown) has no record yet
      if (!session) throw new ProtocolError('NOT_FOUND', 'No such session in the record');
      const events = page(
        (await client.query<EventRow>(eventsSql, after ? [sessionId, limit + 1, after.at, after.id] : [sessionId, limit + 1])).rows,
        limit,
        (row) => row.event_id,
      );
      const chat = (await client.query<ChatRow>('SELECT * FROM chat_messages WHERE session_id = $1 ORDER BY at, id', [sessionId])).rows;
      await recordRead(client, [sessionId], 'record-viewed', principal, query.cursor ? { cursor: query.cursor } : {});
      const row = recordSession(session);
      const trail = events.rows.map(event);
      const names = await staffNames(client, [...servingSubs([row]), ...eventSubs(trail)]);
      const record: SessionRecord = { session: row, events: trail, chat: chat.map(message), staffNames: names };
      if (events.next) record.eventsNext = events.next;
      return record;
    });
  }
}
