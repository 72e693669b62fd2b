import { ProtocolError, type Principal, type RecordSearchPage, type RecordSearchQuery } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import type { DatabasePool } from '../database/pool.js';
import { auditedRead, recordRead } from './audited-read.js';
import { decodeCursor, page } from './record-cursor.js';
import { SESSION_SELECT, sessionSummary, type SessionsRow } from './record-session.js';
import { servingSubs, staffNames } from './staff-names.js';

const DAY_MS = 24 * 3600 * 1000;

/** Each filter's condition on `sessions`, written the way its index (0001_records.sql, 0006_halls.sql) is defined; `$` is its parameter. */
const FILTERS: Record<'taxpayer' | 'agent' | 'hall' | 'kiosk' | 'topic' | 'outcome' | 'state', string> = {
  taxpayer: '(taxpayer_sub = $ OR taxpayer_id = $)',
  agent: '(agents @> ARRAY[$::text] OR experts @> ARRAY[$::text])',
  // a hall's id; rows from before sessions carried it kept the hall's zh name then: matched by it, or by the hall's current one
  hall: "(entry_kind = 'kiosk' AND (hall_id = $ OR hall = $ OR hall = (SELECT name_zh FROM halls WHERE id = $)))",
  kiosk: "(entry_kind = 'kiosk' AND kiosk_id = $)",
  topic: 'topic = $',
  outcome: 'outcome = $',
  state: 'state = $',
};

/** A search's statement: its SQL (reading one row more than the page, to tell whether there are more) and values. */
export interface SearchStatement {
  sql: string;
  values: unknown[];
  limit: number;
}

/** The statement of a search, or VALIDATION_FAILED for a range that is empty or too long, or a page too large. */
export function searchStatement(query: RecordSearchQuery, { searchMaxDays, pageMax }: Pick<Config['records'], 'searchMaxDays' | 'pageMax'>): SearchStatement {
  const from = Date.parse(query.from);
  const to = Date.parse(query.to);
  if (!(from < to)) throw new ProtocolError('VALIDATION_FAILED', '`from` must be before `to`');
  if (to - from > searchMaxDays * DAY_MS) throw new ProtocolError('VALIDATION_FAILED', `A search covers at most ${searchMaxDays} days`, { maxDays: searchMaxDays });
  const limit = query.limit ?? pageMax;
  if (limit > pageMax) throw new ProtocolError('VALIDATION_FAILED', `A page holds at most ${pageMax} sessions`, { maxLimit: pageMax });

  const values: unknown[] = [new Date(from).toISOString(), new Date(to).toISOString()];
  // an anonymised row is the reports' figures, no longer a record of anyone
  const where = ['created_at >= $1', 'created_at < $2', 'anonymised_at IS NULL'];
  for (const [name, condition] of Object.entries(FILTERS) as [keyof typeof FILTERS, string][]) {
    const value = query[name];
    if (value === undefined) continue;
    values.push(value);
    const parameter = `$${values.length}`;
    where.push(condition.replaceAll('$', () => parameter));
  }
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    values.push(after.at, after.id);
    where.push(`(created_at, id) < ($${values.length - 1}::timestamptz, $${values.length})`);
  }
  values.push(limit + 1);
  return { sql: `SELECT ${SESSION_SELECT} FROM sessions WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${values.length}`, values, limit };
}

/**
 * The supervisors' search of sessions that are over: a bounded date range on when they began,
 * narrowed by any of taxpayer, agent or expert, hall, kiosk, topic, outcome, state; newest first,
 * a page at a time (keyset on created_at and id: no gaps, no repeats while rows arrive). A page
 * shows each session's taxpayer: it is recorded in the trail of every session it listed
 * (`record-listed`, with the search), so a session's own trail says who saw it, in a list or
 * opened, and retention and erasure of a session take its views with it.
 */
export class SessionSearch {
  constructor(
    private readonly database: DatabasePool,
    private readonly options: Pick<Config['records'], 'searchMaxDays' | 'pageMax'>,
  ) {}

  async search(principal: Principal, query: RecordSearchQuery): Promise<RecordSearchPage> {
    const { sql, values, limit } = searchStatement(query, this.options);
    return auditedRead(this.database, async (client) => {
      const found = page((await client.query<SessionsRow>(sql, values)).rows, limit, (row) => row.id);
      await recordRead(
        client,
        found.rows.map((row) => row.id),
        'record-listed',
        principal,
        { query },
      );
      const sessions = found.rows.map(sessionSummary);
      const result: RecordSearchPage = { sessions, staffNames: await staffNames(client, servingSubs(sessions)) };
      if (found.next) result.next = found.next;
      return result;
    });
  }
}
