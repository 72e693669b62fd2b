import { ProtocolError, type LegalHold, type LegalHoldsQuery } from '@etax-assist/protocol';
import type { DatabasePool } from '../database/pool.js';
import { inTransaction } from '../database/transaction.js';

/** SQL: the session whose id is in `column` is under a legal hold now (for retention's and erasure's statements). */
export const heldSql = (column: string): string => `EXISTS (SELECT 1 FROM legal_holds h WHERE h.session_id = ${column} AND h.released_at IS NULL)`;

interface HoldRow {
  session_id: string;
  reason: string;
  placed_by: string;
  placed_at: Date;
  released_by: string | null;
  released_at: Date | null;
}

const COLUMNS = 'session_id, reason, placed_by, placed_at, released_by, released_at';

function legalHold(row: HoldRow): LegalHold {
  return {
    sessionId: row.session_id,
    reason: row.reason,
    placedBy: row.placed_by,
    placedAt: row.placed_at.toISOString(),
    ...(row.released_at ? { releasedBy: row.released_by ?? '', releasedAt: row.released_at.toISOString() } : {}),
  };
}

/**
 * Legal holds (server/migrations/0002_retention.sql): a hold keeps an archived session past
 * retention and refuses its erasure until it is released; released holds stay as history.
 */
export class LegalHolds {
  constructor(private readonly database: DatabasePool) {}

  /** Places a hold on an archived session; NOT_FOUND when it is not in the record (yet), CONFLICT when one is in force. */
  async place(sessionId: string, reason: string, by: string): Promise<LegalHold> {
    return inTransaction(this.database, async (client) => {
      // the session's row locked against a retention or erasure deleting it under the hold
      // an anonymised row has nothing left to hold
      const session = await client.query('SELECT 1 FROM sessions WHERE id = $1 AND anonymised_at IS NULL FOR SHARE', [sessionId]);
      if (session.rowCount === 0)
        throw new ProtocolError('NOT_FOUND', 'No such session in the record (a session is held once it is over and archived, until retention has taken it)');
      const placed = await client.query<HoldRow>(
        `INSERT INTO legal_holds (session_id, reason, placed_by) VALUES ($1, $2, $3) ON CONFLICT (session_id) WHERE released_at IS NULL DO NOTHING RETURNING ${COLUMNS}`,
        [sessionId, reason, by],
      );
      const [row] = placed.rows;
      if (!row) throw new ProtocolError('CONFLICT', 'The session is under a legal hold already');
      return legalHold(row);
    });
  }

  /** Releases the hold in force on the session; NOT_FOUND when there is none. */
  async release(sessionId: string, by: string): Promise<LegalHold> {
    const released = await this.database.query<HoldRow>(
      `UPDATE legal_holds SET released_by = $2, released_at = now() WHERE session_id = $1 AND released_at IS NULL RETURNING ${COLUMNS}`,
      [sessionId, by],
    );
    const [row] = released.rows;
    if (!row) throw new ProtocolError('NOT_FOUND', 'No legal hold in force on this session');
    return legalHold(row);
  }

  /** The holds in force (with `released`, the released ones too), newest first. */
  async list({ released = false, limit = 100 }: LegalHoldsQuery): Promise<LegalHold[]> {
    const rows = await this.database.query<HoldRow>(`SELECT ${COLUMNS} FROM legal_holds WHERE $1 OR released_at IS NULL ORDER BY placed_at DESC, id DESC LIMIT $2`, [
      released,
      limit,
    ]);
    return rows.rows.map(legalHold);
  }
}
