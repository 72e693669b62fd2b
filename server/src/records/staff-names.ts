import type pg from 'pg';
import type { RecordEvent, RecordSessionSummary, StaffNames } from '@etax-assist/protocol';

/** The fields of an audit row's details that hold a staff member's sub (whom it was offered to, who asked for control…). */
const STAFF_DETAILS = ['agent', 'reassign', 'requester', 'controller', 'left'] as const;

/** The subs of the staff who served these sessions. */
export const servingSubs = (sessions: readonly RecordSessionSummary[]): string[] => sessions.flatMap((s) => [...(s.agent ? [s.agent] : []), ...s.agents, ...s.experts]);

/** The subs of the staff these audit rows name: who acted (a taxpayer is not staff), and whom their details name. */
export const eventSubs = (events: readonly RecordEvent[]): string[] =>
  events.flatMap((e) => [
    ...(e.actor && e.actor.role !== 'taxpayer' ? [e.actor.id] : []),
    ...STAFF_DETAILS.map((field) => e.details[field]).filter((value): value is string => typeof value === 'string'),
  ]);

/**
 * The staff directory's current display names of `subs`, in one statement (the directory's
 * primary key), on the read's own transaction: a record shows who served and acted by name, as
 * the directory calls them now.
 */
export async function staffNames(client: pg.PoolClient, subs: readonly string[]): Promise<StaffNames> {
  const unique = [...new Set(subs)];
  if (unique.length === 0) return {};
  const { rows } = await client.query<{ sub: string; name: string }>('SELECT sub, name FROM staff WHERE sub = ANY($1::text[])', [unique]);
  return Object.fromEntries(rows.map((row) => [row.sub, row.name]));
}
