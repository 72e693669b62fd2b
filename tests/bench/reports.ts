// npm run bench:reports — reports on one city's seeded year (issue 19, item 3): a PostgreSQL of
// its own, the year written by COPY (tests/bench/city-year.ts), then each report RUNS times
// through SessionReports (the API's own query layer) after one warm-up, with, in the same run,
// the PostgreSQL floor (a plain count + sum over the same rows, no grouping) and the alternative
// the choice was measured against: daily rollups (how large one over every dimension would be;
// one of day × topic built once, then read).
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { closeDatabase, connectDatabase, loadConfig, migrate, MIGRATIONS_DIR, SessionReports } from '@etax-assist/server';
import type { ReportQuery } from '@etax-assist/protocol';
import { startTestPostgres } from '../harness/postgres.js';
import { ScriptRun } from '../harness/script-run.js';
import { CITY_HALLS, seedCityYear } from './city-year.js';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 345_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SEED = Number(process.env.BENCH_SEED ?? 19);
const YEAR = 2025;
const TZ_OFFSET_MIN = 480;
const log = pino({ level: 'silent' });

const run = new ScriptRun('bench:reports');
run.at('start postgres');
const postgres = run.postgres(await startTestPostgres());
const url = await postgres.createDatabase();
const database = run.own(
  'database pool',
  await connectDatabase({ url, max: 2, connectTimeoutMs: 5000, statementTimeoutMs: 120_000, applicationName: 'bench:reports' }, log),
  (pool) => closeDatabase(pool),
);
await run.step('migrate', () => migrate(database, MIGRATIONS_DIR, log));

const seedStart = performance.now();
const seeded = await run.step('seed the year', () => seedCityYear(url, { sessions: SESSIONS, year: YEAR, tzOffsetMin: TZ_OFFSET_MIN, seed: SEED }));
const seedS = (performance.now() - seedStart) / 1000;
const size = (
  await database.query<{ rows: string; bytes: string; hours: string }>(
    "SELECT count(*) AS rows, pg_total_relation_size('sessions') AS bytes, sum(handling_ms) / 3.6e6 AS hours FROM sessions",
  )
).rows[0]!;
console.log(
  `seeded ${seeded} sessions (${Number(size.hours).toFixed(0)} session hours, table with indexes ${(Number(size.bytes) / 2 ** 20).toFixed(0)} MiB) in ${seedS.toFixed(1)} s`,
);

/** p50 and max of RUNS timed calls after one untimed (the cache warm, as a supervisor's second look finds it). */
async function timed(work: () => Promise<unknown>): Promise<{ p50: number; max: number }> {
  await work();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await work();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(ms.length / 2)]!, max: ms[ms.length - 1]! };
}
const line = (what: string, { p50, max }: { p50: number; max: number }, floor?: number) =>
  console.log(`${what.padEnd(58)} p50 ${p50.toFixed(0).padStart(5)} ms  max ${max.toFixed(0).padStart(5)} ms${floor ? `  (${(p50 / floor).toFixed(1)}× the floor)` : ''}`);

// the catalog of a first start (config/catalog.json): its topics are the generator's, its target 60 s
const catalog = { version: 1, ...loadConfig({}).catalog.seed };
const reports = new SessionReports(database, { current: catalog }, { tzOffsetMin: TZ_OFFSET_MIN, maxDays: 400, maxRows: 50_000, workMemMb: 64 });
const year: Pick<ReportQuery, 'from' | 'to'> = { from: `${YEAR}-01-01`, to: `${YEAR}-12-31` };
const [yearStart, yearEnd] = [new Date(Date.UTC(YEAR, 0, 1) - TZ_OFFSET_MIN * 60_000), new Date(Date.UTC(YEAR + 1, 0, 1) - TZ_OFFSET_MIN * 60_000)];

run.at('measure');
// the machine is shared: what else ran beside the measurement
const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} cores`;
console.log(load());
const floor = await timed(() => database.query('SELECT count(*), sum(handling_ms) FROM sessions WHERE created_at >= $1 AND created_at < $2', [yearStart, yearEnd]));
line('floor: count + sum over the year, no grouping', floor);
const target = await timed(() => reports.report({ ...year, period: 'month', by: 'topic' }));
line('year by month × topic (the target: ≤ 1 s)', target, floor.p50);
line('year by month, no dimension', await timed(() => reports.report({ ...year, period: 'month' })), floor.p50);
line('year by week × hall', await timed(() => reports.report({ ...year, period: 'week', by: 'hall' })), floor.p50);
line('year by day × agent', await timed(() => reports.report({ ...year, period: 'day', by: 'agent' })), floor.p50);
// the filter must find the hall's sessions, or its time would measure an empty read
const march = await reports.report({ from: `${YEAR}-03-01`, to: `${YEAR}-03-31`, period: 'month', by: 'topic', hall: CITY_HALLS[0].id });
if (march.rows.length === 0) throw new Error(`no session of ${CITY_HALLS[0].id} in March: the hall filter found nothing`);
line(
  `March, ${CITY_HALLS[0].zh}, by month × topic`,
  await timed(() => reports.report({ from: `${YEAR}-03-01`, to: `${YEAR}-03-31`, period: 'month', by: 'topic', hall: CITY_HALLS[0].id })),
  floor.p50,
);
line("the hall filter's choices (GET /api/reports/halls)", await timed(() => reports.halls()), floor.p50);

run.at('rollup alternative');
const localDay = `(created_at AT TIME ZONE 'UTC' + ${TZ_OFFSET_MIN} * interval '1 minute')::date`;
// one rollup over every dimension together: how many rows it would have
const combined = await database.query<{ n: string }>(
  `SELECT count(*) AS n FROM (SELECT DISTINCT ${localDay}, topic, hall_id, kiosk_id, language, channel, tier, agent FROM sessions) AS groups`,
);
console.log(`a daily rollup over every dimension together would have ${combined.rows[0]!.n} rows for ${seeded} sessions`);
// the rollup that would serve this report: day × topic, counts and sums (no percentiles: they do not add up)
const rollupStart = performance.now();
await database.query(`
  CREATE TABLE bench_daily_topics AS
  SELECT ${localDay} AS day, topic, count(*) AS requests, count(*) FILTER (WHERE active_at IS NOT NULL) AS answered, count(*) FILTER (WHERE state = 'abandoned') AS abandoned,
         count(*) FILTER (WHERE wait_ms <= 60000) AS within_target, coalesce(sum(handling_ms), 0) AS handling_sum, count(rating) AS ratings, coalesce(sum(rating), 0) AS rating_sum
  FROM sessions GROUP BY 1, 2`);
const rollupBuildS = (performance.now() - rollupStart) / 1000;
const rollupRows = Number((await database.query<{ n: string }>('SELECT count(*) AS n FROM bench_daily_topics')).rows[0]!.n);
console.log(`rollup day × topic: ${rollupRows} rows, built in ${rollupBuildS.toFixed(1)} s`);
line(
  'rollup day × topic: year by month × topic, counts and sums',
  await timed(() =>
    database.query(
      `SELECT date_trunc('month', day) AS month, topic, sum(requests), sum(answered), sum(abandoned), sum(within_target), sum(handling_sum), sum(ratings), sum(rating_sum)
       FROM bench_daily_topics WHERE day >= $1 AND day <= $2 GROUP BY 1, 2 ORDER BY 1, 2`,
      [year.from, year.to],
    ),
  ),
  floor.p50,
);
console.log(load());
await run.done();
