import { Type, type Static } from '@sinclair/typebox';
import { Label, UI_LANGUAGES } from './catalog.js';
import type { AgentStatus } from './dispatch.js';

/**
 * Reports on the record (docs/reports.md): figures of the sessions that are over, for a range of
 * local days, grouped by period and by one dimension, as JSON, CSV or XLSX
 * (`GET /api/reports/sessions`, supervisors and administrators).
 */

/** How the range is cut: local days, ISO weeks (from Monday) or calendar months. */
export const REPORT_PERIODS = ['day', 'week', 'month'] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

/** What a period's sessions are broken down by ('none': one row per period). */
export const REPORT_DIMENSIONS = ['none', 'hall', 'kiosk', 'topic', 'language', 'channel', 'tier', 'agent'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];
/** The dimensions a report can also be narrowed to one value of. */
export type ReportFilterDimension = Exclude<ReportDimension, 'none'>;

export const REPORT_FORMATS = ['json', 'csv', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The media types of the exports, also accepted in `Accept` instead of `format`. */
export const REPORT_MEDIA_TYPES: Record<ReportFormat, string> = {
  json: 'application/json',
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** A local calendar day (the authority's time zone, DISPATCH_TZ_OFFSET_MIN). */
const LocalDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Value = Type.String({ minLength: 1, maxLength: 200 });

export const ReportQuery = Type.Object(
  {
    /** The first and the last local day of the range, both included; at most REPORTS_MAX_DAYS days. */
    from: LocalDate,
    to: LocalDate,
    period: Type.Union(REPORT_PERIODS.map((p) => Type.Literal(p))),
    by: Type.Optional(Type.Union(REPORT_DIMENSIONS.map((d) => Type.Literal(d)))),
    /** Only the sessions of one hall, kiosk, topic… (combinable). */
    hall: Type.Optional(Value),
    kiosk: Type.Optional(Value),
    topic: Type.Optional(Value),
    language: Type.Optional(Value),
    channel: Type.Optional(Value),
    tier: Type.Optional(Value),
    agent: Type.Optional(Value),
    /** json by default, or what `Accept` names. */
    format: Type.Optional(Type.Union(REPORT_FORMATS.map((f) => Type.Literal(f)))),
    /** The language of an export's headers and of the topics', languages' and outcomes' names. */
    lang: Type.Optional(Type.Union(UI_LANGUAGES.map((l) => Type.Literal(l)))),
  },
  { additionalProperties: false },
);
export type ReportQuery = Static<typeof ReportQuery>;

/** A measure of the sessions that had it: null where none did. */
const Measure = Type.Union([Type.Number(), Type.Null()]);

/** The figures of one group of sessions; seconds and percentages are null where no session had them. */
export const ReportFigures = Type.Object({
  /** Help requests that began in the group (every final state). */
  requests: Type.Integer(),
  /** Taken by an agent. */
  answered: Type.Integer(),
  /** The taxpayer was gone while waiting (the dispatcher's grace ran out). */
  abandoned: Type.Integer(),
  /** The taxpayer withdrew the request while waiting. */
  cancelled: Type.Integer(),
  /** How long the abandoned ones had waited (median). */
  abandonedWaitP50S: Measure,
  /** The answered ones' wait. */
  waitP50S: Measure,
  waitP90S: Measure,
  /** Share of the answered ones that waited at most the catalog's target (the live dashboard's measure). */
  serviceLevelPct: Measure,
  handlingMeanS: Measure,
  handlingP50S: Measure,
  /** The answered ones' handling time summed. */
  sessionHours: Type.Number(),
  /** Sessions escalated to an expert, sessions transferred (at least once). */
  escalations: Type.Integer(),
  transfers: Type.Integer(),
  ratings: Type.Integer(),
  ratingMean: Measure,
  /** Sessions per wrap-up outcome id. */
  outcomes: Type.Record(Type.String(), Type.Integer()),
});
export type ReportFigures = Static<typeof ReportFigures>;

export const ReportRow = Type.Composite([
  Type.Object({
    /** The period's first local day. */
    period: LocalDate,
    /** The dimension's value; null: sessions without one (a portal session by hall, an unanswered one by agent) or `by=none`. */
    key: Type.Union([Type.String(), Type.Null()]),
  }),
  ReportFigures,
]);
export type ReportRow = Static<typeof ReportRow>;

export const Report = Type.Object({
  from: LocalDate,
  to: LocalDate,
  period: Type.Union(REPORT_PERIODS.map((p) => Type.Literal(p))),
  by: Type.Union(REPORT_DIMENSIONS.map((d) => Type.Literal(d))),
  /** Minutes east of UTC of the local days. */
  tzOffsetMin: Type.Integer(),
  /** The service-level target the report measured against (the published catalog's). */
  serviceLevelS: Type.Integer(),
  /** By period, then key. */
  rows: Type.Array(ReportRow),
  /** The whole range (percentiles over all its sessions, not of the rows). */
  totals: ReportFigures,
});
export type Report = Static<typeof Report>;

/**
 * The halls the record has sessions from (`GET /api/reports/halls`): what a hall filter offers.
 * `id` is what a report's `hall` key and filter hold: the hall's id, or for a session from before
 * sessions carried it the hall's name then; `label` the hall's current names (that name for such a row).
 */
export const ReportHalls = Type.Object({ halls: Type.Array(Type.Object({ id: Type.String(), label: Label })) });
export type ReportHalls = Static<typeof ReportHalls>;

/** The figures a table shows (beside the outcomes), in order, with their headers in each UI language. */
export const REPORT_COLUMNS: readonly { id: Exclude<keyof ReportFigures, 'outcomes'>; label: Label }[] = [
  { id: 'requests', label: { zh: '请求数', en: 'Requests' } },
  { id: 'answered', label: { zh: '接通数', en: 'Answered' } },
  { id: 'abandoned', label: { zh: '放弃数', en: 'Abandoned' } },
  { id: 'cancelled', label: { zh: '取消数', en: 'Cancelled' } },
  { id: 'abandonedWaitP50S', label: { zh: '放弃前等待中位数(秒)', en: 'Wait before abandoning p50 (s)' } },
  { id: 'waitP50S', label: { zh: '等待中位数(秒)', en: 'Wait p50 (s)' } },
  { id: 'waitP90S', label: { zh: '等待P90(秒)', en: 'Wait p90 (s)' } },
  { id: 'serviceLevelPct', label: { zh: '服务水平(%)', en: 'Service level (%)' } },
  { id: 'handlingMeanS', label: { zh: '平均处理时长(秒)', en: 'Handling mean (s)' } },
  { id: 'handlingP50S', label: { zh: '处理时长中位数(秒)', en: 'Handling p50 (s)' } },
  { id: 'sessionHours', label: { zh: '服务时长(小时)', en: 'Session hours' } },
  { id: 'escalations', label: { zh: '升级数', en: 'Escalations' } },
  { id: 'transfers', label: { zh: '转接数', en: 'Transfers' } },
  { id: 'ratings', label: { zh: '评价数', en: 'Ratings' } },
  { id: 'ratingMean', label: { zh: '平均评分', en: 'Rating mean' } },
];

/** Each dimension's header, and the name of its empty value. */
export const REPORT_DIMENSION_LABELS: Record<ReportDimension, { label: Label; none: Label }> = {
  none: { label: { zh: '全部', en: 'All' }, none: { zh: '全部', en: 'All' } },
  hall: { label: { zh: '服务厅', en: 'Hall' }, none: { zh: '网上(非服务厅)', en: 'Online (no hall)' } },
  kiosk: { label: { zh: '自助终端', en: 'Kiosk' }, none: { zh: '网上(非终端)', en: 'Online (no kiosk)' } },
  topic: { label: { zh: '业务类别', en: 'Topic' }, none: { zh: '—', en: '—' } },
  language: { label: { zh: '语言', en: 'Language' }, none: { zh: '—', en: '—' } },
  channel: { label: { zh: '渠道', en: 'Channel' }, none: { zh: '—', en: '—' } },
  tier: { label: { zh: '级别', en: 'Tier' }, none: { zh: '—', en: '—' } },
  agent: { label: { zh: '坐席', en: 'Agent' }, none: { zh: '未接通', en: 'Not answered' } },
};

export const REPORT_PERIOD_LABELS: Record<ReportPeriod, Label> = {
  day: { zh: '日', en: 'Day' },
  week: { zh: '周(起始日)', en: 'Week (from)' },
  month: { zh: '月', en: 'Month' },
};

/** The header of the totals row and of an outcome's column. */
export const REPORT_TOTAL_LABEL: Label = { zh: '合计', en: 'Total' };
export const REPORT_OUTCOME_LABEL: Label = { zh: '结果', en: 'Outcome' };

// Per-agent figures --------------------------------------------------------------------------

/**
 * What each agent did over a range of local days (`GET /api/reports/agents`, supervisors and
 * administrators; docs/reports.md, "Per-agent figures"): its time by status from the agents'
 * activity record, its sessions from the sessions'. The range's rules are the sessions report's.
 */
export const AgentReportQuery = Type.Object(
  {
    from: LocalDate,
    to: LocalDate,
    /** Only this agent (its sub). */
    agent: Type.Optional(Value),
    format: Type.Optional(Type.Union(REPORT_FORMATS.map((f) => Type.Literal(f)))),
    lang: Type.Optional(Type.Union(UI_LANGUAGES.map((l) => Type.Literal(l)))),
  },
  { additionalProperties: false },
);
export type AgentReportQuery = Static<typeof AgentReportQuery>;

/** One agent's figures over the range: times in seconds, cut at the range's edges. */
export const AgentFigures = Type.Object({
  /** The agent's sub, and its name in the staff directory now (the sub when it has none). */
  agent: Type.String(),
  name: Type.String(),
  /** Signed in: any status but offline. */
  loggedInS: Type.Integer(),
  /** Time in each status of AGENT_STATUSES (offline included). */
  statusS: Type.Record(Type.String(), Type.Integer()),
  /** With at least one session or offer (load above 0). */
  inSessionS: Type.Integer(),
  wrapUpS: Type.Integer(),
  /** Time available with a session, an offer or a wrap-up ÷ time available; null: never available. */
  occupancyPct: Measure,
  /** Sessions that began in the range and that the agent finished (the sessions report's `agent`). */
  sessions: Type.Integer(),
  handlingMeanS: Measure,
  handlingP50S: Measure,
  ratings: Type.Integer(),
  ratingMean: Measure,
  /** Hand-overs the agent asked for, of sessions that began in the range. */
  escalations: Type.Integer(),
  transfers: Type.Integer(),
});
export type AgentFigures = Static<typeof AgentFigures>;

export const AgentReport = Type.Object({
  from: LocalDate,
  to: LocalDate,
  tzOffsetMin: Type.Integer(),
  /** Where the times end: the range's end, or now when that is earlier (an agent signed in counts up to it). */
  until: Type.String({ format: 'date-time' }),
  /** By agent (sub). */
  rows: Type.Array(AgentFigures),
});
export type AgentReport = Static<typeof AgentReport>;

/** The header of each status's column: every status the dispatcher has (the compiler asks for a new one's). */
export const AGENT_STATUS_LABELS: Record<AgentStatus, Label> = {
  available: { zh: '可接入', en: 'Available' },
  'back-office': { zh: '后台工作', en: 'Back office' },
  away: { zh: '暂离', en: 'Away' },
  offline: { zh: '离线', en: 'Offline' },
};

/** The per-agent table's columns besides the statuses' (which come after `loggedInS`), in order; `duration`: seconds (an export says so in its header, the console shows h:mm:ss). */
export const AGENT_REPORT_COLUMNS: readonly { id: Exclude<keyof AgentFigures, 'statusS'>; label: Label; duration?: true }[] = [
  { id: 'agent', label: { zh: '坐席账号', en: 'Agent ID' } },
  { id: 'name', label: { zh: '坐席', en: 'Agent' } },
  { id: 'loggedInS', label: { zh: '登录时长', en: 'Signed in' }, duration: true },
  { id: 'inSessionS', label: { zh: '服务中', en: 'In session' }, duration: true },
  { id: 'wrapUpS', label: { zh: '话后整理', en: 'Wrap-up' }, duration: true },
  { id: 'occupancyPct', label: { zh: '占用率(%)', en: 'Occupancy (%)' } },
  { id: 'sessions', label: { zh: '服务会话数', en: 'Sessions' } },
  { id: 'handlingMeanS', label: { zh: '平均处理时长', en: 'Handling mean' }, duration: true },
  { id: 'handlingP50S', label: { zh: '处理时长中位数', en: 'Handling p50' }, duration: true },
  { id: 'ratings', label: { zh: '评价数', en: 'Ratings' } },
  { id: 'ratingMean', label: { zh: '平均评分', en: 'Rating mean' } },
  { id: 'escalations', label: { zh: '升级数', en: 'Escalations' } },
  { id: 'transfers', label: { zh: '转接数', en: 'Transfers' } },
];

/** What an export's header adds to a duration's label. */
export const SECONDS_UNIT: Label = { zh: '(秒)', en: ' (s)' };
