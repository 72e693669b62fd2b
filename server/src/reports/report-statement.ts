import { type ReportDimension, type ReportFilterDimension, type ReportQuery } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import { reportPeriods } from './report-periods.js';

/**
 * The hall a session came from: its id (sessions since 0006_halls.sql), or for an older row the
 * hall's name its kiosk entry carried then. The one place that says so.
 */
const HALL = { group: 'coalesce(hall_id, hall)', filter: "(entry_kind = 'kiosk' AND coalesce(hall_id, hall) = $)" };

/**
 * Every hall the record has sessions from, in order, with the hall's current names (an older
 * row's stored name stands for itself): what the hall filter offers, and how a report names them.
 */
export const HALLS_SQL = `
  SELECT k.hall, h.name_zh, h.name_en
  FROM (SELECT DISTINCT ${HALL.group} AS hall FROM sessions WHERE entry_kind = 'kiosk') k
  LEFT JOIN halls h ON h.id = k.hall
  ORDER BY 1`;

/** Each dimension's value in a `sessions` row, and the condition narrowing to one (`$`: its parameter), as its index is defined. */
const DIMENSIONS: Record<ReportFilterDimension, { group: string; filter: string }> = {
  hall: HALL,
  kiosk: { group: 'kiosk_id', filter: "(entry_kind = 'kiosk' AND kiosk_id = $)" },
  topic: { group: 'topic', filter: 'topic = $' },
  language: { group: 'language', filter: 'language = $' },
  channel: { group: 'channel', filter: 'channel = $' },
  tier: { group: 'tier', filter: 'tier = $' },
  // the last one who served it: an escalated session counts for the expert who finished it
  agent: { group: 'agent', filter: 'agent = $' },
};

const groupOf = (by: ReportDimension) => (by === 'none' ? 'NULL::text' : DIMENSIONS[by].group);

/** A statement and its parameters. */
export interface Statement {
  sql: string;
  values: unknown[];
}

/**
 * The two statements of a report, on the same sessions. `figures` counts the outcomes the
 * catalog lists (columns outcome_0…, in its order) and, as outcome_other, any other; only when
 * there are others is `outcomes`, a second pass counting every outcome, needed.
 */
export interface ReportStatements {
  figures: Statement;
  outcomes: Statement;
}

export type ReportOptions = Pick<Config['dispatch'], 'tzOffsetMin'> & Config['reports'];

/**
 * A report's SQL. One pass over the range's sessions gives every group and, through the empty
 * grouping set, the range's totals with percentiles over all of its sessions (not of the groups).
 * The rows come totals first; the figures read one row more than REPORTS_MAX_ROWS, to tell a
 * report that is too large.
 */
export function reportStatements(query: ReportQuery, catalog: { serviceLevelS: number; outcomes: readonly string[] }, options: ReportOptions): ReportStatements {
  const { start, end, periods } = reportPeriods(query, options.tzOffsetMin, options.maxDays);
  const values: unknown[] = [start.toISOString(), end.toISOString(), periods.map((p) => p.start.toISOString()), periods.map((p) => p.day)];
  const where = ['created_at >= $1', 'created_at < $2'];
  for (const [name, { filter }] of Object.entries(DIMENSIONS) as [ReportFilterDimension, { filter: string }][]) {
    const value = query[name];
    if (value === undefined) continue;
    values.push(value);
    const parameter = `$${values.length}`;
    where.push(filter.replaceAll('$', () => parameter));
  }
  // the period found among its starts (a binary search: cheaper than a time zone and date_trunc per row), named at the end
  const sessions = `
    SELECT width_bucket(created_at, $3::timestamptz[]) AS period,
           ${groupOf(query.by ?? 'none')} AS key,
           state, active_at IS NOT NULL AS answered, wait_ms, handling_ms, outcome, rating,
           CASE WHEN state = 'abandoned' THEN extract(epoch FROM abandoned_at - coalesce(queued_at, created_at)) * 1000 END AS abandoned_wait_ms,
           escalating_at IS NOT NULL AS escalated, transferring_at IS NOT NULL AS transferred
    FROM sessions WHERE ${where.join(' AND ')}`;
  const figureValues = [...values, catalog.serviceLevelS * 1000, options.maxRows + 2, catalog.outcomes, ...catalog.outcomes];
  const [target, limit, listed] = [values.length + 1, values.length + 2, values.length + 3].map((n) => `$${n}`);
  const outcomeCounts = catalog.outcomes.map((_, i) => `count(*) FILTER (WHERE outcome = $${values.length + 4 + i}) AS outcome_${i},`).join('\n           ');
  const figures = `
    WITH s AS (${sessions})
    SELECT ($4::text[])[s.period] AS period, key, GROUPING(s.period, key) = 3 AS total,
           count(*) AS requests,
           count(*) FILTER (WHERE answered) AS answered,
           count(*) FILTER (WHERE state = 'abandoned') AS abandoned,
           count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE state = 'missed') AS missed,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY abandoned_wait_ms) FILTER (WHERE state = 'abandoned') AS abandoned_wait_p50,
           -- one sort of the waits for both
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY wait_ms) FILTER (WHERE answered) AS wait_p,
           count(wait_ms) FILTER (WHERE answered) AS waited,
           count(*) FILTER (WHERE answered AND wait_ms <= ${target}) AS within_target,
           avg(handling_ms) FILTER (WHERE answered) AS handling_mean,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY handling_ms) FILTER (WHERE answered) AS handling_p50,
           coalesce(sum(handling_ms) FILTER (WHERE answered), 0) AS handling_sum,
           count(*) FILTER (WHERE escalated) AS escalations,
           count(*) FILTER (WHERE transferred) AS transfers,
           ${outcomeCounts}
           count(*) FILTER (WHERE outcome <> ALL (${listed}::text[])) AS outcome_other,
           count(rating) AS ratings,
           avg(rating) AS rating_mean
    FROM s GROUP BY GROUPING SETS ((s.period, key), ())
    ORDER BY total DESC, s.period, key NULLS LAST LIMIT ${limit}`;
  const outcomes = `
    WITH s AS (${sessions})
    SELECT ($4::text[])[s.period] AS period, key, GROUPING(s.period, key) = 3 AS total, outcome, count(*) AS n
    FROM s WHERE outcome IS NOT NULL GROUP BY GROUPING SETS ((s.period, key, outcome), (outcome))`;
  return { figures: { sql: figures, values: figureValues }, outcomes: { sql: outcomes, values } };
}
