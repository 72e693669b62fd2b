import { ProtocolError, type CallInFigures, type CallInReport, type CallInReportQuery } from '@etax-assist/protocol';
import type { DatabasePool } from '../database/pool.js';
import { inTransaction } from '../database/transaction.js';
import { asRecordsUnavailable } from '../records/audited-read.js';
import { staffNames } from '../records/staff-names.js';
import { reportPeriods } from './report-periods.js';
import type { ReportOptions } from './report-statement.js';

/** Each dimension's column of call_in_events. */
const KEYS: Record<CallInReportQuery['by'], string> = { queue: 'm.queue', agent: 'm.agent', trigger: 'm.trigger' };

/**
 * The call-ins made in [$1, $2), each with its first answer (an answer is written once; the first
 * stands should one come twice), grouped by period ($3: the periods' starts, $4: their names) and
 * key, and the range's totals through the empty grouping set (totals first).
 */
const figuresSql = (by: CallInReportQuery['by']) => `
  WITH m AS (
    SELECT call_in, made_at, agent, queue, trigger FROM call_in_events WHERE kind = 'made' AND made_at >= $1 AND made_at < $2
  ), a AS (
    SELECT DISTINCT ON (call_in) call_in, kind, extract(epoch FROM at - made_at) AS answer_s FROM call_in_events
    WHERE kind <> 'made' AND made_at >= $1 AND made_at < $2 ORDER BY call_in, at
  ), g AS (
    SELECT width_bucket(m.made_at, $3::timestamptz[]) AS period, ${KEYS[by]} AS key, a.kind, a.answer_s FROM m LEFT JOIN a USING (call_in)
  )
  SELECT ($4::text[])[g.period] AS period, key, GROUPING(g.period, key) = 3 AS total,
    count(*) AS call_ins,
    count(*) FILTER (WHERE kind = 'accepted') AS accepted,
    count(*) FILTER (WHERE kind = 'declined') AS declined,
    count(*) FILTER (WHERE kind = 'expired') AS expired,
    count(*) FILTER (WHERE kind IS NULL) AS open,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY answer_s) FILTER (WHERE kind IN ('accepted', 'declined')) AS answer_p50
  FROM g GROUP BY GROUPING SETS ((g.period, key), ())
  ORDER BY total DESC, g.period, key LIMIT $5`;

interface FiguresRow {
  period: string | null;
  key: string | null;
  total: boolean;
  call_ins: string;
  accepted: string;
  declined: string;
  expired: string;
  open: string;
  answer_p50: number | null;
}

const figures = (row: FiguresRow | undefined): CallInFigures => ({
  callIns: Number(row?.call_ins ?? 0),
  accepted: Number(row?.accepted ?? 0),
  declined: Number(row?.declined ?? 0),
  expired: Number(row?.expired ?? 0),
  open: Number(row?.open ?? 0),
  answerP50S: row?.answer_p50 == null ? null : Math.round(Number(row.answer_p50) * 10) / 10,
});

/** The call-ins report (docs/reports.md, "Call-ins"), from call_in_events in one read-only snapshot; the range's rules are the sessions report's. */
export class CallInReports {
  constructor(
    private readonly database: DatabasePool,
    private readonly options: ReportOptions,
  ) {}

  async report(query: CallInReportQuery): Promise<CallInReport> {
    const { start, end, periods } = reportPeriods(query, this.options.tzOffsetMin, this.options.maxDays);
    const values = [start.toISOString(), end.toISOString(), periods.map((p) => p.start.toISOString()), periods.map((p) => p.day), this.options.maxRows + 2];
    const read = await inTransaction(this.database, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const rows = (await client.query<FiguresRow>(figuresSql(query.by), values)).rows;
      const names =
        query.by === 'agent'
          ? await staffNames(
              client,
              rows.flatMap((row) => (row.key === null ? [] : [row.key])),
            )
          : {};
      return { rows, names };
    }).catch((error: unknown) => {
      throw asRecordsUnavailable(error);
    });
    const totals = read.rows.find((row) => row.total);
    const groups = read.rows.filter((row) => !row.total);
    if (groups.length > this.options.maxRows) {
      throw new ProtocolError('VALIDATION_FAILED', `A report has at most ${this.options.maxRows} rows: a longer period or a shorter range`, { maxRows: this.options.maxRows });
    }
    return {
      from: query.from,
      to: query.to,
      period: query.period,
      by: query.by,
      tzOffsetMin: this.options.tzOffsetMin,
      rows: groups.map((row) => ({ period: row.period ?? '', key: row.key ?? '', label: read.names[row.key ?? ''] ?? row.key ?? '', ...figures(row) })),
      totals: figures(totals),
    };
  }
}
