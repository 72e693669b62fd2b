import type pg from 'pg';

/** A table holding parts of sessions (server/migrations/0001_records.sql): what identifies a row, and its time. */
export interface SessionPart {
  table: 'session_events' | 'chat_messages' | 'attachments' | 'recordings';
  key: string;
  /** When the row was written (recordings: when its session began — the partition key). */
  at: string;
}

/** Everything attached to a session besides its `sessions` row: retention and erasure delete these with it. */
export const SESSION_PARTS: readonly SessionPart[] = [
  { table: 'session_events', key: 'event_id', at: 'at' },
  { table: 'chat_messages', key: 'session_id, id', at: 'at' },
  { table: 'attachments', key: 'session_id, id', at: 'uploaded_at' },
  { table: 'recordings', key: 'session_id, seq, session_created_at', at: 'session_created_at' },
];

export type DeletedRows = Record<SessionPart['table'] | 'sessions', number>;

export const noRowsDeleted = (): DeletedRows => ({ sessions: 0, session_events: 0, chat_messages: 0, attachments: 0, recordings: 0 });

async function deleteParts(client: pg.PoolClient, ids: string[], deleted: DeletedRows): Promise<void> {
  for (const { table } of SESSION_PARTS) deleted[table] += (await client.query(`DELETE FROM ${table} WHERE session_id = ANY($1)`, [ids])).rowCount ?? 0;
}

/** Deletes the sessions `ids` and all their parts, in the caller's transaction; adds what it deleted to `deleted`. */
export async function deleteSessions(client: pg.PoolClient, ids: string[], deleted: DeletedRows): Promise<void> {
  await deleteParts(client, ids, deleted);
  deleted.sessions += (await client.query('DELETE FROM sessions WHERE id = ANY($1)', [ids])).rowCount ?? 0;
}

/**
 * Deletes the parts of the sessions `ids` and clears what in their rows names or describes the
 * taxpayer (who they are, the page they came from, the agent's notes, their comment, their question), keeping
 * the figures the reports read; in the caller's transaction.
 */
export async function anonymiseSessions(client: pg.PoolClient, ids: string[], deleted: DeletedRows): Promise<void> {
  await deleteParts(client, ids, deleted);
  await client.query(
    `UPDATE sessions SET taxpayer_sub = '', taxpayer_name = '', taxpayer_id = '', company = '', notes = '', rating_comment = '', question = '',
       entry_page = CASE WHEN entry_kind = 'portal' THEN '' END, anonymised_at = now() WHERE id = ANY($1)`,
    [ids],
  );
}
