import { ProtocolError, sessionIs, type Principal } from '@etax-assist/protocol';
import type { DatabasePool } from '../database/pool.js';
import type { SessionStore } from '../sessions/session-store.js';

/**
 * Who may read what a session left (its files, its recording), live or hot from Redis and,
 * once its keys have expired there, from its archived record: the taxpayer, every agent and
 * expert who served it, and the supervisors who observed it (their monitor/join events).
 */
export class RecordAccess {
  constructor(
    private readonly sessions: SessionStore,
    private readonly database: DatabasePool,
  ) {}

  /** NOT_FOUND (no existence leak) unless the principal takes or took part in the session. */
  async requireParticipant(sessionId: string, principal: Principal): Promise<void> {
    if (await this.sessions.fields(sessionId)) {
      await this.sessions.requireParticipant(sessionId, principal);
      return;
    }
    const { rows } = await this.database.query<{ member: boolean }>(
      `SELECT CASE $2
         WHEN 'taxpayer' THEN EXISTS (SELECT 1 FROM sessions WHERE id = $1 AND anonymised_at IS NULL AND taxpayer_sub = $3)
         WHEN 'agent' THEN EXISTS (SELECT 1 FROM sessions WHERE id = $1 AND anonymised_at IS NULL AND $3 = ANY (agents))
         WHEN 'expert' THEN EXISTS (SELECT 1 FROM sessions WHERE id = $1 AND anonymised_at IS NULL AND $3 = ANY (experts))
         WHEN 'supervisor' THEN EXISTS (SELECT 1 FROM session_events WHERE session_id = $1 AND kind IN ('monitor', 'join') AND actor_id = $3)
         ELSE false END AS member`,
      [sessionId, principal.role, principal.sub],
    );
    if (!rows[0]?.member) throw new ProtocolError('NOT_FOUND', 'No such session');
  }

  /**
   * Replaying a recording: supervisors any finished session (a live one only while observing
   * it: observing is what the session's log records), agents and experts the sessions they took part in.
   */
  async requireReplay(sessionId: string, principal: Principal): Promise<void> {
    if (principal.role !== 'supervisor') return this.requireParticipant(sessionId, principal);
    const session = await this.sessions.fields(sessionId);
    if (session) {
      if (sessionIs(session.state ?? '', 'open') && !(await this.sessions.isParticipant(sessionId, principal))) {
        throw new ProtocolError('FORBIDDEN', 'A session in progress is watched through supervisor:observe, not replayed');
      }
      return;
    }
    const { rowCount } = await this.database.query('SELECT 1 FROM sessions WHERE id = $1 AND anonymised_at IS NULL', [sessionId]);
    if (!rowCount) throw new ProtocolError('NOT_FOUND', 'No such session');
  }
}
