// One city's year of sessions for the reports benchmark (docs/reports.md, "The seeded year"):
// deterministic for a seed, written into `sessions` through COPY. The shapes follow the owner's
// material (311,700 sessions and 49,100 session hours in 11 months: about 9.5 minutes a session)
// and the tax calendar: the annual individual income tax reconciliation from March to June,
// the monthly filing deadline on the 15th, the Spring Festival in February, the National Day
// week in October; halls open on weekdays and Saturday mornings, the portal from 8:00 to 22:00.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { SESSION_COLUMNS } from '@etax-assist/server';
import { prng } from '../harness/prng.js';

export interface CityYearOptions {
  sessions: number;
  /** The local year (the authority's days: `tzOffsetMin` east of UTC). */
  year: number;
  tzOffsetMin: number;
  seed: number;
}

/** The city's halls (a few large central ones, many small district ones) and their kiosks, written into `halls` with the year. */
export const CITY_HALLS = [
  { id: 'hall-centre', zh: '市民中心办税服务厅', en: 'Citizen Centre Tax Hall' },
  { id: 'hall-hitech', zh: '高新区办税服务厅', en: 'High-Tech Zone Tax Hall' },
  { id: 'hall-econ', zh: '经开区办税服务厅', en: 'Economic Zone Tax Hall' },
  { id: 'hall-east', zh: '东城区办税服务厅', en: 'Dongcheng District Tax Hall' },
  { id: 'hall-west', zh: '西城区办税服务厅', en: 'Xicheng District Tax Hall' },
  { id: 'hall-nanhu', zh: '南湖区办税服务厅', en: 'Nanhu District Tax Hall' },
  { id: 'hall-beigang', zh: '北港区办税服务厅', en: 'Beigang District Tax Hall' },
  { id: 'hall-linjiang', zh: '临江区办税服务厅', en: 'Linjiang District Tax Hall' },
  { id: 'hall-xincheng', zh: '新城区办税服务厅', en: 'Xincheng District Tax Hall' },
  { id: 'hall-binhai', zh: '滨海区办税服务厅', en: 'Binhai District Tax Hall' },
  { id: 'hall-shanqian', zh: '山前县办税服务厅', en: 'Shanqian County Tax Hall' },
  { id: 'hall-hekou', zh: '河口县办税服务厅', en: 'Hekou County Tax Hall' },
] as const;
const KIOSKS_PER_HALL = [6, 5, 5, 4, 4, 3, 3, 3, 2, 2, 2, 2];
/** Zipf-like: the central hall serves about five times the smallest. */
const HALL_WEIGHTS = CITY_HALLS.map((_, i) => 1 / (i + 1) ** 0.7);

const AGENTS = 80;
const EXPERTS = 10;
const TAXPAYERS = 150_000;
const DAY_MS = 24 * 3600 * 1000;

/** January…December: the Spring Festival, the reconciliation months, the National Day week. */
const MONTH_FACTOR = [0.8, 0.55, 1.35, 1.3, 1.25, 1.2, 0.95, 0.9, 0.95, 0.8, 0.95, 1.0];
/** Sunday…Saturday (halls closed on Sunday, the portal quiet). */
const WEEKDAY_FACTOR = [0.15, 1.15, 1.05, 1.05, 1.05, 0.95, 0.35];
/** Hours 0…23 of the portal's requests (staffed 8:00–22:00), and of the halls' (9:00–17:00, the lunch dip). */
const PORTAL_HOURS = [0, 0, 0, 0, 0, 0, 0, 0, 3, 7, 9, 8, 5, 6, 8, 9, 8, 6, 4, 4, 4, 3, 0, 0];
const HALL_HOURS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 10, 8, 3, 5, 9, 9, 7, 0, 0, 0, 0, 0, 0, 0];

/** Picks an index with probability proportional to its weight. */
function weighted(weights: readonly number[], next: () => number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = next() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!;
    if (r < 0) return i;
  }
  return weights.length - 1;
}

function pick<T>(entries: readonly (readonly [T, number])[], next: () => number): T {
  return entries[
    weighted(
      entries.map(([, w]) => w),
      next,
    )
  ]![0];
}

/** A log-normal draw with the given median (Box–Muller). */
function logNormal(median: number, sigma: number, next: () => number): number {
  const normal = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return median * Math.exp(sigma * normal);
}

const TOPICS = (month: number) =>
  [
    ['invoice', 0.36],
    // the reconciliation months bring the refunds
    ['refund', month >= 2 && month <= 5 ? 0.4 : 0.18],
    ['social-insurance', 0.2],
    ['registration', 0.14],
  ] as const;
const LANGUAGES = [
  ['zh', 0.95],
  ['en', 0.05],
] as const;
const PORTAL_CHANNELS = [
  ['text', 0.62],
  ['voice', 0.28],
  ['video', 0.1],
] as const;
/** A kiosk has a camera and a handset: mostly video. */
const KIOSK_CHANNELS = [
  ['video', 0.6],
  ['voice', 0.3],
  ['text', 0.1],
] as const;
const PRIORITIES = [
  ['normal', 0.9],
  ['elderly', 0.07],
  ['disabled', 0.02],
  ['pregnant', 0.01],
] as const;
const OUTCOMES = [
  ['resolved', 0.74],
  ['follow-up', 0.12],
  ['escalated-offline', 0.06],
  ['not-resolved', 0.05],
  ['none', 0.03],
] as const;
const RATINGS = [
  [5, 0.62],
  [4, 0.22],
  [3, 0.08],
  [2, 0.04],
  [1, 0.04],
] as const;
/** Median handling time per channel, minutes (log-normal, σ 0.55: the means are 16 % higher). */
const HANDLING_MEDIAN_MIN: Record<string, number> = { text: 7, voice: 8, video: 9.5 };

const iso = (ms: number) => new Date(ms).toISOString();
const COPY_NULL = '\\N';

/** The sessions each local day of the year gets, proportional to its month's, weekday's and filing period's weight. */
function sessionsPerDay({ sessions, year, tzOffsetMin }: CityYearOptions): { start: number; n: number; load: number }[] {
  const first = Date.UTC(year, 0, 1);
  const days = (Date.UTC(year + 1, 0, 1) - first) / DAY_MS;
  const weights = Array.from({ length: days }, (_, d) => {
    const date = new Date(first + d * DAY_MS);
    // before the filing deadline on the 15th, more
    const filing = date.getUTCDate() <= 15 ? 1.25 : 0.8;
    return MONTH_FACTOR[date.getUTCMonth()]! * WEEKDAY_FACTOR[date.getUTCDay()]! * filing;
  });
  const total = weights.reduce((a, b) => a + b, 0);
  const mean = total / days;
  let given = 0;
  return weights.map((w, d) => {
    const n = d === days - 1 ? sessions - given : Math.round((sessions * w) / total);
    given += n;
    return { start: first + d * DAY_MS - tzOffsetMin * 60_000, n, load: w / mean };
  });
}

/** The year's rows in COPY's text format, a day at a time. */
function* copyRows(options: CityYearOptions): Generator<string> {
  const next = prng(options.seed);
  const agentWeights = Array.from({ length: AGENTS }, () => 0.5 + next());
  let id = 0;
  for (const day of sessionsPerDay(options)) {
    const lines: string[] = [];
    for (let i = 0; i < day.n; i++) {
      const atKiosk = next() < 0.35;
      const hours = atKiosk ? HALL_HOURS : PORTAL_HOURS;
      const hour = weighted(hours, next);
      const createdAt = day.start + hour * 3600_000 + Math.floor(next() * 3600_000);
      const month = new Date(createdAt + options.tzOffsetMin * 60_000).getUTCMonth();
      const hall = weighted(HALL_WEIGHTS, next);
      const channel = pick(atKiosk ? KIOSK_CHANNELS : PORTAL_CHANNELS, next);
      // busy days and busy hours wait longer, and more taxpayers give up
      const load = day.load * (hours[hour]! / Math.max(...hours));
      const abandonP = 0.03 + 0.05 * Math.max(0, load - 0.8);
      const r = next();
      const state = r < abandonP ? 'abandoned' : r < abandonP + 0.02 ? 'cancelled' : 'ended';
      const times: Record<string, number | null> = {
        queued: createdAt,
        offered: null,
        active: null,
        escalating: null,
        transferring: null,
        wrap_up: null,
        ended: null,
        cancelled: null,
        abandoned: null,
      };
      let agent: string | null = null;
      const agents: string[] = [];
      const experts: string[] = [];
      let waitMs: number | null = null;
      let handlingMs: number | null = null;
      let outcome: string | null = null;
      let rating: number | null = null;
      if (state === 'ended') {
        waitMs = Math.min(1_800_000, Math.round(logNormal(12_000 * load ** 2 + 4000, 0.9, next)));
        handlingMs = Math.round(logNormal(HANDLING_MEDIAN_MIN[channel]! * 60_000, 0.55, next));
        const active = createdAt + waitMs;
        times.offered = active - Math.min(waitMs, 3000);
        times.active = active;
        agent = `agent-${String(weighted(agentWeights, next) + 1).padStart(3, '0')}`;
        agents.push(agent);
        if (next() < 0.06) {
          times.escalating = active + Math.round(handlingMs * 0.4);
          agent = `expert-${String(Math.floor(next() * EXPERTS) + 1).padStart(2, '0')}`;
          experts.push(agent);
        } else if (next() < 0.03) {
          times.transferring = active + Math.round(handlingMs * 0.3);
          agent = `agent-${String(weighted(agentWeights, next) + 1).padStart(3, '0')}`;
          if (!agents.includes(agent)) agents.push(agent);
        }
        times.wrap_up = active + handlingMs;
        times.ended = times.wrap_up + 30_000;
        outcome = pick(OUTCOMES, next);
        if (next() < 0.45) rating = pick(RATINGS, next);
      } else {
        times[state] = createdAt + Math.round(logNormal(state === 'abandoned' ? 70_000 : 40_000, 0.7, next));
      }
      const taxpayer = Math.floor(next() * TAXPAYERS);
      const kiosk = `K-${String(hall + 1).padStart(2, '0')}-${Math.floor(next() * KIOSKS_PER_HALL[hall]!) + 1}`;
      // by column name: written in the archiver's column order (SESSION_COLUMNS)
      const row: Record<string, string | number | null> = {
        id: `y${options.year}-${String(++id).padStart(7, '0')}`,
        state,
        created_at: iso(createdAt),
        ...Object.fromEntries(Object.entries(times).map(([name, t]) => [`${name}_at`, t === null ? null : iso(t)])),
        taxpayer_sub: `tp-${taxpayer}`,
        taxpayer_name: '',
        taxpayer_id: `TID${String(taxpayer).padStart(9, '0')}`,
        company: '',
        entry_kind: atKiosk ? 'kiosk' : 'portal',
        entry_page: atKiosk ? null : '/declare',
        kiosk_id: atKiosk ? kiosk : null,
        hall: null,
        hall_id: atKiosk ? CITY_HALLS[hall]!.id : null,
        topic: pick(TOPICS(month), next),
        language: pick(LANGUAGES, next),
        channel,
        priority: pick(PRIORITIES, next),
        tier: next() < 0.07 ? 'expert' : 'frontline',
        agent,
        agents: `{${agents.join(',')}}`,
        experts: `{${experts.join(',')}}`,
        wait_ms: waitMs,
        handling_ms: handlingMs,
        notes: '',
        outcome,
        rating,
        rating_comment: '',
        question: '',
      };
      lines.push(SESSION_COLUMNS.map((column) => row[column] ?? COPY_NULL).join('\t'));
    }
    if (lines.length > 0) yield `${lines.join('\n')}\n`;
  }
}

/** Writes the city's halls and the year into `sessions` of the database at `url` (COPY, then ANALYZE); returns how many sessions. */
export async function seedCityYear(url: string, options: CityYearOptions): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      'INSERT INTO halls (id, name_zh, name_en) SELECT id, zh, en FROM jsonb_to_recordset($1::jsonb) AS h(id text, zh text, en text) ON CONFLICT (id) DO NOTHING',
      [JSON.stringify(CITY_HALLS)],
    );
    const copy = client.query(copyFrom(`COPY sessions (${SESSION_COLUMNS.join(', ')}) FROM STDIN`));
    await pipeline(Readable.from(copyRows(options)), copy);
    await client.query('ANALYZE sessions');
    return Number(copy.rowCount);
  } finally {
    await client.end();
  }
}
