import { ProtocolError, type Report, type ReportFigures, type ReportHalls, type ReportQuery, type ReportRow } from '@etax-assist/protocol';
import type { PublishedCatalog } from '../catalog/live-catalog.js';
import type { DatabasePool } from '../database/pool.js';
import { inTransaction } from '../database/transaction.js';
import { asRecordsUnavailable } from '../records/audited-read.js';
import { HALLS_SQL, reportStatements, type ReportOptions } from './report-statement.js';

/** A row of the figures' statement (counts and sums come as text: bigint and numeric). */
interface FiguresRow {
  period: string | null;
  key: string | null;
  total: boolean;
  requests: string;
  answered: string;
  abandoned: string;
  cancelled: string;
  missed: string;
  abandoned_wait_p50: number | null;
  /** p50 and p90 */
  wait_p: [number, number] | null;
  waited: string;
  within_target: string;
  handling_mean: string | null;
  handling_p50: number | null;
  handling_sum: string;
  escalations: string;
  transfers: string;
  ratings: string;
  rating_mean: string | null;
  outcome_other: string;
  [outcome: `outcome_${number}`]: string;
}

interface OutcomeRow {
  period: string | null;
  key: string | null;
  total: boolean;
  outcome: string;
  n: string;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const seconds = (ms: number | string | null) => (ms === null ? null : round(Number(ms) / 1000, 1));
const groupId = (row: { period: string | null; key: string | null }) => JSON.stringify([row.period, row.key]);
const TOTAL = 'total';

/** The second pass's counts: per group (and TOTAL), per outcome. */
function outcomesByGroup(rows: readonly OutcomeRow[]): Map<string, Record<string, number>> {
  const counted = new Map<string, Record<string, number>>();
  for (const row of rows) {
    const id = row.total ? TOTAL : groupId(row);
    counted.set(id, { ...counted.get(id), [row.outcome]: Number(row.n) });
  }
  return counted;
}

/** The counts of the catalog's outcomes (its ids in order) in a row of the figures, those that are not zero. */
function listedOutcomes(row: FiguresRow, ids: readonly string[]): Record<string, number> {
  return Object.fromEntries(ids.map((id, i): [string, number] => [id, Number(row[`outcome_${i}`])]).filter(([, n]) => n !== 0));
}

function figures(row: FiguresRow, outcomes: Record<string, number>): ReportFigures {
  const waited = Number(row.waited);
  return {
    requests: Number(row.requests),
    answered: Number(row.answered),
    abandoned: Number(row.abandoned),
    cancelled: Number(row.cancelled),
    missed: Number(row.missed),
    abandonedWaitP50S: seconds(row.abandoned_wait_p50),
    waitP50S: seconds(row.wait_p?.[0] ?? null),
    waitP90S: seconds(row.wait_p?.[1] ?? null),
    serviceLevelPct: waited === 0 ? null : round((Number(row.within_target) / waited) * 100, 1),
    handlingMeanS: seconds(row.handling_mean),
    handlingP50S: seconds(row.handling_p50),
    sessionHours: round(Number(row.handling_sum) / 3_600_000, 2),
    escalations: Number(row.escalations),
    transfers: Number(row.transfers),
    ratings: Number(row.ratings),
    ratingMean: row.rating_mean === null ? null : round(Number(row.rating_mean), 2),
    outcomes,
  };
}

/**
 * Reports on the sessions that are over (docs/reports.md), computed from the `sessions` table at
 * every request, in one read-only snapshot (the figures, and the outcomes' second pass when it
 * is needed: a session archived meanwhile is in both or in neither). They show no taxpayer, so unlike the record's reads they add nothing
 * to the sessions' audit trails.
 */
export class SessionReports {
  constructor(
    private readonly database: DatabasePool,
    private readonly catalog: PublishedCatalog,
    private readonly options: ReportOptions,
  ) {}

  async halls(): Promise<ReportHalls> {
    try {
      const rows = (await this.database.query<{ hall: string; name_zh: string | null; name_en: string | null }>(HALLS_SQL)).rows;
      return { halls: rows.map((row) => ({ id: row.hall, label: { zh: row.name_zh ?? row.hall, en: row.name_en ?? row.hall } })) };
    } catch (error) {
      throw asRecordsUnavailable(error);
    }
  }

  async report(query: ReportQuery): Promise<Report> {
    const { serviceLevelS, outcomes: catalogOutcomes } = this.catalog.current;
    const outcomeIds = catalogOutcomes.map((o) => o.id);
    const statements = reportStatements(query, { serviceLevelS, outcomes: outcomeIds }, this.options);
    const { figureRows, outcomeRows } = await inTransaction(this.database, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      // the groups' sort and the percentiles' sorts in memory rather than in temporary files;
      // compiling the expressions (JIT) costs more than it saves on a few hundred thousand rows
      await client.query("SELECT set_config('work_mem', $1, true), set_config('jit', 'off', true)", [`${this.options.workMemMb}MB`]);
      const read = (await client.query<FiguresRow>(statements.figures.sql, statements.figures.values)).rows;
      // sessions wrapped up with an outcome the catalog no longer lists: every outcome counted apart
      const others = Number(read[0]?.outcome_other ?? 0) > 0;
      return { figureRows: read, outcomeRows: others ? (await client.query<OutcomeRow>(statements.outcomes.sql, statements.outcomes.values)).rows : undefined };
    }).catch((error: unknown) => {
      throw asRecordsUnavailable(error);
    });
    const [totals, ...groups] = figureRows;
    if (!totals) throw new Error('a report without its totals row');
    const { maxRows } = this.options;
    if (groups.length > maxRows) {
      throw new ProtocolError('VALIDATION_FAILED', `A report has at most ${maxRows} rows: a shorter range, a longer period or another dimension`, { maxRows });
    }
    const counted = outcomeRows && outcomesByGroup(outcomeRows);
    const outcomesOf = (row: FiguresRow) => (counted ? (counted.get(row.total ? TOTAL : groupId(row)) ?? {}) : listedOutcomes(row, outcomeIds));
    const rows: ReportRow[] = groups.map((row) => ({ period: row.period!, key: row.key, ...figures(row, outcomesOf(row)) }));
    return {
      from: query.from,
      to: query.to,
      period: query.period,
      by: query.by ?? 'none',
      tzOffsetMin: this.options.tzOffsetMin,
      serviceLevelS,
      rows,
      totals: figures(totals, outcomesOf(totals)),
    };
  }
}
