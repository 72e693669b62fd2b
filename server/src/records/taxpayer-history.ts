import { HISTORY_PAGE_SIZE, type HistoryEntry, type HistoryRequest, type HistoryResult, type Principal } from '@etax-assist/protocol';
import type { DatabasePool } from '../database/pool.js';
import type { SessionStore } from '../sessions/session-store.js';
import { auditedRead, recordRead } from './audited-read.js';
import { decodeCursor, page, positionOf } from './record-cursor.js';

interface HistoryRow {
  id: string;
  created_at: Date;
  position: string;
  ended_at: Date;
  topic: string;
  language: string;
  channel: string;
  agent: string | null;
  notes: string;
  outcome: string | null;
}

/**
 * The taxpayer's earlier sessions for the agent (or supervisor) serving one of theirs, from the
 * record: any age within retention, newest first, a page at a time; the sessions that were served
 * and wrapped up, as the Redis list of the last 50 had them. The record alone is read: a session
 * that just ended is in it milliseconds later (the archiver's blocked read returns as soon as its
 * closing entry is appended), sooner than its taxpayer can ask again and be offered to an agent;
 * with PostgreSQL away the view could not be recorded, so it is refused (UNAVAILABLE). Each page
 * shown is recorded in the trail of the session being served (`history-viewed`).
 */
export class TaxpayerHistory {
  constructor(
    private readonly database: DatabasePool,
    private readonly sessions: SessionStore,
  ) {}

  async page(principal: Principal, { sessionId, cursor, limit = HISTORY_PAGE_SIZE }: HistoryRequest): Promise<HistoryResult> {
    // the existing rule: only the taxpayer of a session the principal takes part in
    const session = await this.sessions.requireParticipant(sessionId, principal);
    const taxpayerSub = session.taxpayerSub ?? '';
    const after = cursor ? decodeCursor(cursor) : undefined;
    const sql = `SELECT id, created_at, ${positionOf('created_at')} AS position, ended_at, topic, language, channel, agent, notes, outcome FROM sessions
      WHERE taxpayer_sub = $1 AND id <> $2 AND state = 'ended' ${after ? 'AND (created_at, id) < ($4::timestamptz, $5)' : ''}
      ORDER BY created_at DESC, id DESC LIMIT $3`;
    const values = [taxpayerSub, sessionId, limit + 1, ...(after ? [after.at, after.id] : [])];
    const { rows, next } = await auditedRead(this.database, async (client) => {
      const found = page((await client.query<HistoryRow>(sql, values)).rows, limit, (row) => row.id);
      await recordRead(client, [sessionId], 'history-viewed', principal, { taxpayerSub, sessions: found.rows.map((row) => row.id) });
      return found;
    });
    const names = new Map(await Promise.all([...new Set(rows.map((row) => row.agent ?? ''))].map(async (id) => [id, id && (await this.sessions.agentName(id))] as const)));
    const entries = rows.map((row): HistoryEntry => ({
      sessionId: row.id,
      at: row.created_at.toISOString(),
      endedAt: row.ended_at.toISOString(),
      topic: row.topic,
      language: row.language,
      channel: row.channel,
      agentName: names.get(row.agent ?? '') ?? '',
      notes: row.notes,
      outcome: row.outcome ?? '',
    }));
    return next ? { entries, next } : { entries };
  }
}
