import { query } from './records.js';

/** A finished session as a report counts it, written straight into `sessions` (tests of reports). */
export interface ReportSession {
  id: string;
  state: 'ended' | 'abandoned' | 'cancelled';
  /** UTC; the local days are 8 hours ahead (DISPATCH_TZ_OFFSET_MIN 480). */
  at: string;
  /** A session from before 0006_halls.sql: the hall's name its kiosk entry carried. */
  hall?: string;
  /** A session since: the hall's id. */
  hallId?: string;
  topic: string;
  agent?: string;
  waitMs?: number;
  handlingMs?: number;
  /** How long an abandoned or cancelled request had waited. */
  leftAfterMs?: number;
  escalated?: boolean;
  transferred?: boolean;
  outcome?: string;
  rating?: number;
}

/** A kiosk session's kiosk is K-1 of its hall; a session without a hall came from the portal. */
const INSERT = `
  INSERT INTO sessions (id, state, created_at, queued_at, active_at, escalating_at, transferring_at, ended_at, abandoned_at, cancelled_at,
                        taxpayer_sub, entry_kind, entry_page, kiosk_id, hall, hall_id, topic, language, channel, priority, tier, agent, agents, experts,
                        wait_ms, handling_ms, outcome, rating)
  SELECT f.id, f.state, f.at, f.at,
         CASE WHEN f.state = 'ended' THEN f.at + f.wait_ms * interval '1 ms' END,
         CASE WHEN f.escalated THEN f.at + f.wait_ms * interval '1 ms' + interval '1 minute' END,
         CASE WHEN f.transferred THEN f.at + f.wait_ms * interval '1 ms' + interval '1 minute' END,
         CASE WHEN f.state = 'ended' THEN f.at + (f.wait_ms + f.handling_ms) * interval '1 ms' END,
         CASE WHEN f.state = 'abandoned' THEN f.at + f.left_ms * interval '1 ms' END,
         CASE WHEN f.state = 'cancelled' THEN f.at + f.left_ms * interval '1 ms' END,
         'tp-' || f.id, CASE WHEN coalesce(f.hall, f.hall_id) IS NULL THEN 'portal' ELSE 'kiosk' END, CASE WHEN coalesce(f.hall, f.hall_id) IS NULL THEN '/declare' END,
         CASE WHEN coalesce(f.hall, f.hall_id) IS NOT NULL THEN 'K-1' END, f.hall, f.hall_id, f.topic, 'zh', 'video', 'normal', 'frontline', f.agent,
         CASE WHEN f.agent IS NULL THEN '{}' ELSE ARRAY[f.agent] END, '{}', f.wait_ms, f.handling_ms, f.outcome, f.rating
  FROM jsonb_to_recordset($1::jsonb) AS f(id text, state text, at timestamptz, hall text, hall_id text, topic text, agent text, wait_ms integer, handling_ms integer,
                                          left_ms integer, escalated boolean, transferred boolean, outcome text, rating smallint)`;

export async function insertSessions(url: string, sessions: readonly ReportSession[]): Promise<void> {
  const rows = sessions.map((f) => ({ ...f, hall_id: f.hallId, wait_ms: f.waitMs, handling_ms: f.handlingMs, left_ms: f.leftAfterMs }));
  await query(url, INSERT, [JSON.stringify(rows)]);
}
