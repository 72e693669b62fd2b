import { ProtocolError, type AgentFigures, type AgentReport, type AgentReportQuery, type AgentStatus } from '@etax-assist/protocol';
import type { DatabasePool } from '../database/pool.js';
import { inTransaction } from '../database/transaction.js';
import { asRecordsUnavailable } from '../records/audited-read.js';
import { staffNames } from '../records/staff-names.js';
import { agentTimes, type ActivityPoint } from './agent-intervals.js';
import { reportPeriods } from './report-periods.js';
import type { ReportOptions } from './report-statement.js';

/**
 * Each agent's points in [$1, $2), after its last point before $1 (the state the range begins
 * in), in order. The agents are found by a loose scan of the (agent, at) index — one probe per
 * agent, however long its history —, or are the one agent $3 names.
 */
const activitySql = (oneAgent: boolean) => `
  WITH RECURSIVE agents AS (
    ${
      oneAgent
        ? 'SELECT $3::text AS agent'
        : `(SELECT min(agent) AS agent FROM agent_activity)
           UNION ALL
           SELECT (SELECT min(agent) FROM agent_activity WHERE agent > agents.agent) FROM agents WHERE agents.agent IS NOT NULL`
    }
  )
  SELECT agent, at_ms, status, wrap, load FROM (
    SELECT p.* FROM agents a CROSS JOIN LATERAL (
      SELECT agent, (extract(epoch FROM at) * 1000)::float8 AS at_ms, event_id, status, wrap, load FROM agent_activity
      WHERE agent = a.agent AND at < $1 ORDER BY at DESC, split_part(event_id, '-', 2)::bigint DESC LIMIT 1
    ) p
    UNION ALL
    SELECT agent, (extract(epoch FROM at) * 1000)::float8, event_id, status, wrap, load FROM agent_activity
    WHERE at >= $1 AND at < $2 ${oneAgent ? 'AND agent = $3' : ''}
  ) x
  ORDER BY agent, at_ms, split_part(event_id, '-', 2)::bigint`;

/** The sessions that began in the range, by the agent who finished them (as the sessions report's `agent`). */
const sessionsSql = (oneAgent: boolean) => `
  SELECT agent, count(*) AS sessions, avg(handling_ms) AS handling_mean,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY handling_ms) AS handling_p50,
    count(rating) AS ratings, avg(rating) AS rating_mean
  FROM sessions
  WHERE created_at >= $1 AND created_at < $2 AND active_at IS NOT NULL AND agent IS NOT NULL ${oneAgent ? 'AND agent = $3' : ''}
  GROUP BY agent`;

/** The hand-overs each agent asked for, of the sessions that began in the range (their audit trails, through the sessions that had one). */
const handoversSql = (oneAgent: boolean) => `
  SELECT e.actor_id AS agent,
    count(*) FILTER (WHERE e.details->>'state' = 'escalating') AS escalations,
    count(*) FILTER (WHERE e.details->>'state' = 'transferring') AS transfers
  FROM sessions s JOIN session_events e ON e.session_id = s.id
  WHERE s.created_at >= $1 AND s.created_at < $2 AND (s.escalating_at IS NOT NULL OR s.transferring_at IS NOT NULL)
    AND e.kind = 'state' AND e.details->>'state' IN ('escalating', 'transferring') AND e.actor_id IS NOT NULL ${oneAgent ? 'AND e.actor_id = $3' : ''}
  GROUP BY e.actor_id`;

interface ActivityRow {
  agent: string;
  at_ms: number;
  status: AgentStatus;
  wrap: boolean;
  load: number;
}

interface SessionsRow {
  agent: string;
  sessions: string;
  handling_mean: string | null;
  handling_p50: number | null;
  ratings: string;
  rating_mean: string | null;
}

interface HandoversRow {
  agent: string;
  escalations: string;
  transfers: string;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const wholeSeconds = (ms: number) => Math.round(ms / 1000);
const seconds = (ms: number | string | null) => (ms === null ? null : round(Number(ms) / 1000, 1));

/** The rows of each agent, in order. */
function byAgent<T extends { agent: string }>(rows: readonly T[]): Map<string, T[]> {
  const grouped = new Map<string, T[]>();
  for (const row of rows) {
    const own = grouped.get(row.agent);
    if (own) own.push(row);
    else grouped.set(row.agent, [row]);
  }
  return grouped;
}

/**
 * Per-agent figures (docs/reports.md, "Per-agent figures"), from the agents' activity and the
 * sessions in PostgreSQL, in one read-only snapshot. Like the sessions report they show no
 * taxpayer, so they add nothing to the sessions' audit trails.
 */
export class AgentReports {
  constructor(
    private readonly database: DatabasePool,
    private readonly options: ReportOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async report(query: AgentReportQuery): Promise<AgentReport> {
    const { start, end } = reportPeriods({ ...query, period: 'day' }, this.options.tzOffsetMin, this.options.maxDays);
    const until = Math.max(start.getTime(), Math.min(end.getTime(), this.now()));
    const oneAgent = query.agent !== undefined;
    const values = [start, end, ...(oneAgent ? [query.agent] : [])];
    const read = await inTransaction(this.database, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      await client.query("SELECT set_config('work_mem', $1, true), set_config('jit', 'off', true)", [`${this.options.workMemMb}MB`]);
      const activity = (await client.query<ActivityRow>(activitySql(oneAgent), values)).rows;
      const sessions = (await client.query<SessionsRow>(sessionsSql(oneAgent), values)).rows;
      const handovers = (await client.query<HandoversRow>(handoversSql(oneAgent), values)).rows;
      const agents = [...new Set([...activity, ...sessions, ...handovers].map((row) => row.agent))].sort();
      if (agents.length > this.options.maxRows) {
        throw new ProtocolError('VALIDATION_FAILED', `A report has at most ${this.options.maxRows} rows: one agent, or a shorter range`, { maxRows: this.options.maxRows });
      }
      return { activity, sessions, handovers, agents, names: await staffNames(client, agents) };
    }).catch((error: unknown) => {
      throw asRecordsUnavailable(error);
    });
    const points = byAgent(read.activity);
    const sessions = new Map(read.sessions.map((row) => [row.agent, row]));
    const handovers = new Map(read.handovers.map((row) => [row.agent, row]));
    const rows = read.agents
      .map((agent): AgentFigures => {
        const times = agentTimes(
          (points.get(agent) ?? []).map((row): ActivityPoint => ({ at: row.at_ms, status: row.status, wrap: row.wrap, load: row.load })),
          start.getTime(),
          until,
        );
        const served = sessions.get(agent);
        const handed = handovers.get(agent);
        return {
          agent,
          name: read.names[agent] ?? agent,
          loggedInS: wholeSeconds(times.loggedIn),
          statusS: Object.fromEntries(Object.entries(times.status).map(([status, ms]) => [status, wholeSeconds(ms)])),
          inSessionS: wholeSeconds(times.inSession),
          wrapUpS: wholeSeconds(times.wrapUp),
          occupancyPct: times.available === 0 ? null : round((times.occupied / times.available) * 100, 1),
          sessions: Number(served?.sessions ?? 0),
          handlingMeanS: seconds(served?.handling_mean ?? null),
          handlingP50S: seconds(served?.handling_p50 ?? null),
          ratings: Number(served?.ratings ?? 0),
          ratingMean: served?.rating_mean == null ? null : round(Number(served.rating_mean), 2),
          escalations: Number(handed?.escalations ?? 0),
          transfers: Number(handed?.transfers ?? 0),
        };
      })
      // an agent signed off all through the range, who served nothing in it, is not in it
      .filter((row) => row.loggedInS > 0 || row.sessions > 0 || row.escalations > 0 || row.transfers > 0);
    return { from: query.from, to: query.to, tzOffsetMin: this.options.tzOffsetMin, until: new Date(until).toISOString(), rows };
  }
}
