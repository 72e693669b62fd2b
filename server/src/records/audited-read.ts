import pg from 'pg';
import { ProtocolError, type Principal, type RecordReadKind } from '@etax-assist/protocol';
import { isDatabaseOutage } from '../database/outage.js';
import type { DatabasePool } from '../database/pool.js';
import { inTransaction } from '../database/transaction.js';

/** A read of the record and the audit row saying who made it, in one transaction. */
export type AuditedWork<T> = (client: pg.PoolClient) => Promise<T>;

/**
 * Runs `work` (its reads and its audit row) in one transaction: what a person is shown of the
 * record is never shown without its audit row, and an audit row never stands for a read that
 * failed. PostgreSQL out of reach is the retryable UNAVAILABLE, not INTERNAL: routing, chat and
 * co-browsing go on from Redis meanwhile, only reading the record waits.
 */
export async function auditedRead<T>(database: DatabasePool, work: AuditedWork<T>): Promise<T> {
  try {
    // a refused read (no such session…) rolls back: nothing was shown, so nothing is recorded
    return await inTransaction(database, work);
  } catch (error) {
    throw asRecordsUnavailable(error);
  }
}

/**
 * A failure to reach PostgreSQL (a socket error, a connection lost or timed out, a server shutting
 * down: SQLSTATE classes 08 and 57) as UNAVAILABLE; its other refusals, and the code's own
 * mistakes, stay what they are (INTERNAL), never disguised as an outage.
 */
export function asRecordsUnavailable(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof ProtocolError) return error;
  const outage = isDatabaseOutage(error) || (error instanceof pg.DatabaseError && /^(08|57)/.test(error.code ?? ''));
  return outage ? new ProtocolError('UNAVAILABLE', 'The records database is unreachable; try again shortly') : error;
}

/** Writes the audit rows of a read: `kind` by `principal`, now, into the trail of each of `sessionIds`. */
export async function recordRead(client: pg.PoolClient, sessionIds: string[], kind: RecordReadKind, principal: Principal, details: Record<string, unknown>): Promise<void> {
  if (sessionIds.length === 0) return;
  await client.query(
    `INSERT INTO session_events (event_id, session_id, at, kind, actor_role, actor_id, details)
     SELECT 'view:' || gen_random_uuid(), session_id, clock_timestamp(), $2, $3, $4, $5::jsonb FROM unnest($1::text[]) AS session_id`,
    [sessionIds, kind, principal.role, principal.sub, JSON.stringify(details)],
  );
}
