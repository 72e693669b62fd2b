import { SESSION_STATES, type EntryPoint, type RecordSession, type RecordSessionSummary } from '@etax-assist/protocol';
import { positionOf } from './record-cursor.js';
import { stateColumn } from './session-row.js';

/** A `sessions` row as pg returns it (timestamps as Date), with its keyset position. */
export interface SessionsRow {
  id: string;
  state: RecordSessionSummary['state'];
  created_at: Date;
  position: string;
  taxpayer_sub: string;
  taxpayer_name: string;
  taxpayer_id: string;
  company: string;
  entry_kind: 'portal' | 'kiosk';
  entry_page: string | null;
  kiosk_id: string | null;
  /** Empty on rows written before sessions named their hall by id (0006_halls.sql): they have `hall`, its zh name then. */
  hall_id: string | null;
  hall: string | null;
  topic: string;
  language: string;
  channel: string;
  priority: string;
  tier: string;
  agent: string | null;
  agents: string[];
  experts: string[];
  wait_ms: number | null;
  handling_ms: number | null;
  notes: string;
  outcome: string | null;
  rating: number | null;
  rating_comment: string;
  question: string;
  [stateColumn: `${string}_at`]: Date | null;
}

/** The columns a session is read with: all of its row, and its keyset position (created_at, exactly). */
export const SESSION_SELECT = `*, ${positionOf('created_at')} AS position`;

const iso = (time: Date | null): string | undefined => time?.toISOString();

function entryOf(row: SessionsRow): EntryPoint {
  if (row.entry_kind === 'portal') return { kind: 'portal', page: row.entry_page ?? '' };
  const kioskId = row.kiosk_id ?? '';
  return row.hall_id ? { kind: 'kiosk', kioskId, hallId: row.hall_id } : { kind: 'kiosk', kioskId, hall: row.hall ?? '' };
}

/** A session as a search lists it. */
export function sessionSummary(row: SessionsRow): RecordSessionSummary {
  const summary: RecordSessionSummary = {
    sessionId: row.id,
    state: row.state,
    createdAt: row.created_at.toISOString(),
    taxpayer: { sub: row.taxpayer_sub, name: row.taxpayer_name, taxpayerId: row.taxpayer_id, company: row.company },
    entry: entryOf(row),
    topic: row.topic,
    language: row.language,
    channel: row.channel,
    priority: row.priority,
    agents: row.agents,
    experts: row.experts,
  };
  const closedAt = iso(row[stateColumn(row.state)] ?? null);
  if (closedAt) summary.closedAt = closedAt;
  if (row.agent) summary.agent = row.agent;
  if (row.wait_ms !== null) summary.waitMs = row.wait_ms;
  if (row.handling_ms !== null) summary.handlingMs = row.handling_ms;
  if (row.outcome) summary.outcome = row.outcome;
  if (row.rating !== null) summary.rating = row.rating;
  return summary;
}

/** A session's whole record: the summary, every state's time, the wrap-up and the rating. */
export function recordSession(row: SessionsRow): RecordSession {
  const stateTimes: Record<string, string> = {};
  for (const state of SESSION_STATES) {
    const at = iso(row[stateColumn(state)] ?? null);
    if (at) stateTimes[state] = at;
  }
  return { ...sessionSummary(row), tier: row.tier, stateTimes, notes: row.notes, ratingComment: row.rating_comment, question: row.question };
}
