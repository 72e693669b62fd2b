import { query } from './records.js';

export interface PastSession {
  id: string;
  createdAt: string;
  sub?: string;
  taxpayerId?: string;
}

/** How many rows insertPastSession writes into each table. */
export const PAST_SESSION_ROWS = { sessions: 1, session_events: 2, chat_messages: 1, attachments: 1, recordings: 2 };

/**
 * A session archived as if it had happened at `createdAt`: its row, two events, a chat message
 * with an attachment and a two-chunk recording (in its month's partition, created if missing).
 */
export async function insertPastSession(url: string, { id, createdAt, sub = 'tp-past', taxpayerId = '91310000MA1PAST001' }: PastSession): Promise<void> {
  const at = new Date(new Date(createdAt).getTime() + 60_000).toISOString();
  await query(url, 'SELECT ensure_recording_partitions($1, $1)', [createdAt]);
  await query(
    url,
    `INSERT INTO sessions (id, state, created_at, ended_at, taxpayer_sub, taxpayer_id, entry_kind, entry_page, topic, language, channel, priority)
     VALUES ($1, 'ended', $2, $3, $4, $5, 'portal', '/', 'invoice', 'zh', 'text', 'normal')`,
    [id, createdAt, at, sub, taxpayerId],
  );
  await query(
    url,
    `INSERT INTO session_events (event_id, session_id, at, kind, details) VALUES ($1 || '-1', $1, $2, 'state', '{"state":"queued"}'), ($1 || '-2', $1, $3, 'state', '{"state":"ended"}')`,
    [id, createdAt, at],
  );
  await query(url, `INSERT INTO chat_messages (session_id, id, at, from_role, from_id, text, attachment_id) VALUES ($1, '1-0', $2, 'taxpayer', $3, '发票.png', 'file-1')`, [
    id,
    at,
    sub,
  ]);
  await query(
    url,
    `INSERT INTO attachments (session_id, id, name, type, size, uploaded_at, uploader_role, uploader_id, content) VALUES ($1, 'file-1', '发票.png', 'image/png', 3, $2, 'taxpayer', $3, '\\x010203')`,
    [id, at, sub],
  );
  await query(url, `INSERT INTO recordings (session_id, session_created_at, seq, n, chunk) VALUES ($1, $2, 0, 10, '\\x00'), ($1, $2, 1, 5, '\\x01')`, [id, createdAt]);
}

/** The rows of the session in each table (the tables of PAST_SESSION_ROWS). */
export async function rowsOf(url: string, id: string): Promise<Record<keyof typeof PAST_SESSION_ROWS, number>> {
  const [row] = await query<Record<keyof typeof PAST_SESSION_ROWS, string>>(
    url,
    `SELECT (SELECT count(*) FROM sessions WHERE id = $1) AS sessions,
            (SELECT count(*) FROM session_events WHERE session_id = $1) AS session_events,
            (SELECT count(*) FROM chat_messages WHERE session_id = $1) AS chat_messages,
            (SELECT count(*) FROM attachments WHERE session_id = $1) AS attachments,
            (SELECT count(*) FROM recordings WHERE session_id = $1) AS recordings`,
    [id],
  );
  return Object.fromEntries(Object.entries(row!).map(([table, count]) => [table, Number(count)])) as Record<keyof typeof PAST_SESSION_ROWS, number>;
}
