import { createHash } from 'node:crypto';
import type pg from 'pg';
import { ProtocolError, type Erasure, type ErasureRequest, type ErasuresQuery, type LegalHoldRefusal, type TaxpayerIdentifier } from '@etax-assist/protocol';
import type { DatabasePool } from '../database/pool.js';
import { inTransaction } from '../database/transaction.js';
import { dispatchKeys } from '../dispatcher/keys.js';
import type { RedisClient } from '../redis/client.js';
import { sessionKeys } from '../sessions/keys.js';
import { heldSql } from './legal-holds.js';
import { sessionHotKeys } from './hot-keys.js';
import { deleteSessions, noRowsDeleted } from './session-parts.js';

const COLUMN_OF: Record<TaxpayerIdentifier['kind'], string> = { sub: 'taxpayer_sub', taxpayerId: 'taxpayer_id' };
/** The field of a session's Redis hash naming the taxpayer the same way. */
const FIELD_OF: Record<TaxpayerIdentifier['kind'], string> = { sub: 'taxpayerSub', taxpayerId: 'taxpayerId' };

interface ErasureRow {
  id: string;
  at: Date;
  erased_by: string;
  identifier_kind: TaxpayerIdentifier['kind'];
  identifier_sha256: string;
  reason: string;
  sessions: number;
  deleted: Record<string, number>;
  held_kept: string[];
}

const COLUMNS = 'id, at, erased_by, identifier_kind, identifier_sha256, reason, sessions, deleted, held_kept';

function erasure(row: ErasureRow): Erasure {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    erasedBy: row.erased_by,
    identifierKind: row.identifier_kind,
    identifierSha256: row.identifier_sha256,
    reason: row.reason,
    sessions: row.sessions,
    deleted: row.deleted,
    heldKept: row.held_kept,
  };
}

/** The identifier as the audit log keeps it: a SHA-256 of its kind and value (docs/records.md says why). */
export function identifierSha256({ kind, value }: TaxpayerIdentifier): string {
  return createHash('sha256').update(`${kind}:${value}`).digest('hex');
}

/**
 * Erases one taxpayer's records on request (docs/records.md "Erasure"): every session of theirs
 * in PostgreSQL with all its parts, and the keys their ended sessions still have in Redis (the
 * session's keys, its place in the recent sessions). Refused while
 * they are being served, and when a session of theirs is under a legal hold (unless only the
 * unheld ones are asked for). Done, it is written to the erasures log, which survives it.
 */
export class TaxpayerErasure {
  constructor(
    private readonly database: DatabasePool,
    private readonly redis: RedisClient,
  ) {}

  async erase({ taxpayer, reason, unheldOnly = false }: ErasureRequest, by: string): Promise<Erasure> {
    return inTransaction(this.database, async (client) => {
      // locked: a hold placed meanwhile (FOR SHARE) waits, and then finds the sessions gone
      const archived = await client.query<{ id: string; sub: string; held: boolean }>(
        `SELECT id, taxpayer_sub AS sub, ${heldSql('s.id')} AS held FROM sessions s WHERE ${COLUMN_OF[taxpayer.kind]} = $1 FOR UPDATE`,
        [taxpayer.value],
      );
      const subs = new Set(taxpayer.kind === 'sub' ? [taxpayer.value] : archived.rows.map((row) => row.sub));
      await this.#refuseIfServed(taxpayer, subs);
      const held = archived.rows.filter((row) => row.held).map((row) => row.id);
      if (held.length > 0 && !unheldOnly) {
        const details: LegalHoldRefusal = { sessions: held };
        throw new ProtocolError('LEGAL_HOLD', 'Sessions of this taxpayer are under a legal hold; erase the unheld ones only (unheldOnly) or release the holds first', details);
      }
      const ids = new Set([...archived.rows.filter((row) => !row.held).map((row) => row.id), ...(await this.#hotSessions(taxpayer, held))]);
      const deleted = { ...noRowsDeleted(), redisKeys: 0 };
      const erased = [...ids];
      // a record change of these sessions still in the outbox must not bring them back
      await client.query('INSERT INTO erased_sessions (session_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [erased]);
      await deleteSessions(client, erased, deleted);
      // Redis last but inside the transaction: if it fails nothing is committed, and the erasure can be asked again
      deleted.redisKeys = await this.#eraseHotKeys(erased);
      return erasure(await this.#log(client, { taxpayer, reason, by, sessions: ids.size, deleted, held }));
    });
  }

  async list({ limit = 100, before }: ErasuresQuery): Promise<Erasure[]> {
    const rows = await this.database.query<ErasureRow>(`SELECT ${COLUMNS} FROM erasures WHERE $1::bigint IS NULL OR id < $1 ORDER BY id DESC LIMIT $2`, [before ?? null, limit]);
    return rows.rows.map(erasure);
  }

  /** A session of theirs still open (they are being served) refuses the erasure. */
  async #refuseIfServed(taxpayer: TaxpayerIdentifier, subs: Set<string>): Promise<void> {
    for (const sub of subs) {
      const open = await this.redis.get(sessionKeys.taxpayerActive(sub));
      if (!open) continue;
      if (taxpayer.kind === 'taxpayerId' && (await this.redis.hGet(sessionKeys.session(open), FIELD_OF.taxpayerId)) !== taxpayer.value) continue;
      throw new ProtocolError('CONFLICT', 'This taxpayer is being served now: erase their records once the session is over', { sessions: [open] });
    }
  }

  /**
   * Their ended sessions Redis still holds that may not be archived yet: the recently ended
   * (dp:ended, the last 1,000) whose hash names them, less the held ones.
   */
  async #hotSessions(taxpayer: TaxpayerIdentifier, held: string[]): Promise<string[]> {
    const recent = (await this.redis.zRange(dispatchKeys.ended, 0, -1)).filter((id) => !held.includes(id));
    const owners = await Promise.all(recent.map((id) => this.redis.hGet(sessionKeys.session(id), FIELD_OF[taxpayer.kind])));
    return recent.filter((_id, i) => owners[i] === taxpayer.value);
  }

  /** Deletes the sessions' Redis keys and their entries in the recent sessions; returns how many keys went. */
  async #eraseHotKeys(ids: string[]): Promise<number> {
    // and the hotline code still pointing at a session, if it has one
    const codes = await Promise.all(ids.map((id) => this.redis.get(sessionKeys.code(id))));
    const keys = [...ids.flatMap(sessionHotKeys), ...codes.flatMap((code) => (code ? [sessionKeys.hotlineCode(code)] : []))];
    const erase = this.redis.multi();
    if (keys.length > 0) erase.del(keys);
    if (ids.length > 0) erase.zRem(dispatchKeys.ended, ids);
    const replies = await erase.exec();
    return keys.length > 0 ? Number(replies[0]) : 0;
  }

  async #log(
    client: pg.PoolClient,
    {
      taxpayer,
      reason,
      by,
      sessions,
      deleted,
      held,
    }: { taxpayer: TaxpayerIdentifier; reason: string; by: string; sessions: number; deleted: Record<string, number>; held: string[] },
  ): Promise<ErasureRow> {
    const logged = await client.query<ErasureRow>(
      `INSERT INTO erasures (erased_by, identifier_kind, identifier_sha256, reason, sessions, deleted, held_kept) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [by, taxpayer.kind, identifierSha256(taxpayer), reason, sessions, JSON.stringify(deleted), held],
    );
    return logged.rows[0]!;
  }
}
