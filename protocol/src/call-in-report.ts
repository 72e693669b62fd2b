import { Type, type Static } from '@sinclair/typebox';
import { Label, UI_LANGUAGES } from './catalog.js';
import type { CallInTrigger } from './call-in.js';
import { REPORT_FORMATS, REPORT_PERIODS } from './reports.js';

/**
 * The call-ins report (`GET /api/reports/call-ins`, supervisors and administrators; docs/reports.md,
 * "Call-ins"): the call-ins made in a range of local days and how they were answered, grouped by
 * period and by queue, agent or trigger. The range's rules are the sessions report's.
 */

export const CALL_IN_REPORT_DIMENSIONS = ['queue', 'agent', 'trigger'] as const;
export type CallInReportDimension = (typeof CALL_IN_REPORT_DIMENSIONS)[number];

const LocalDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Period = Type.Union(REPORT_PERIODS.map((p) => Type.Literal(p)));
const Dimension = Type.Union(CALL_IN_REPORT_DIMENSIONS.map((d) => Type.Literal(d)));

export const CallInReportQuery = Type.Object(
  {
    from: LocalDate,
    to: LocalDate,
    period: Period,
    by: Dimension,
    format: Type.Optional(Type.Union(REPORT_FORMATS.map((f) => Type.Literal(f)))),
    lang: Type.Optional(Type.Union(UI_LANGUAGES.map((l) => Type.Literal(l)))),
  },
  { additionalProperties: false },
);
export type CallInReportQuery = Static<typeof CallInReportQuery>;

/** The figures of one group of call-ins. */
export const CallInFigures = Type.Object({
  callIns: Type.Integer(),
  accepted: Type.Integer(),
  declined: Type.Integer(),
  expired: Type.Integer(),
  /** Not answered yet (and not expired yet). */
  open: Type.Integer(),
  /** Median time from the call-in to its answer (accepted or declined); null: none answered. */
  answerP50S: Type.Union([Type.Number(), Type.Null()]),
});
export type CallInFigures = Static<typeof CallInFigures>;

export const CallInReportRow = Type.Composite([
  Type.Object({
    period: LocalDate,
    /** The queue (language:topic:tier; '' for a supervisor's call-in), the agent's sub, or the trigger. */
    key: Type.String(),
    /** What the key shows as: the agent's name in the staff directory (else the key). */
    label: Type.String(),
  }),
  CallInFigures,
]);
export type CallInReportRow = Static<typeof CallInReportRow>;

export const CallInReport = Type.Object({
  from: LocalDate,
  to: LocalDate,
  period: Period,
  by: Dimension,
  tzOffsetMin: Type.Integer(),
  /** By period, then key. */
  rows: Type.Array(CallInReportRow),
  totals: CallInFigures,
});
export type CallInReport = Static<typeof CallInReport>;

/** The figures a table shows, in order, with their headers. */
export const CALL_IN_REPORT_COLUMNS: readonly { id: keyof CallInFigures; label: Label }[] = [
  { id: 'callIns', label: { zh: '召回次数', en: 'Call-ins' } },
  { id: 'accepted', label: { zh: '已接受', en: 'Accepted' } },
  { id: 'declined', label: { zh: '已拒绝', en: 'Declined' } },
  { id: 'expired', label: { zh: '已过期', en: 'Expired' } },
  { id: 'open', label: { zh: '待答复', en: 'Open' } },
  { id: 'answerP50S', label: { zh: '答复时间中位数(秒)', en: 'Answer time p50 (s)' } },
];

export const CALL_IN_DIMENSION_LABELS: Record<CallInReportDimension, Label> = {
  queue: { zh: '队列', en: 'Queue' },
  agent: { zh: '坐席', en: 'Agent' },
  trigger: { zh: '触发方式', en: 'Trigger' },
};

/** How each trigger reads in a table, and a supervisor's call-in in the queue column. */
export const CALL_IN_TRIGGER_LABELS: Record<CallInTrigger, Label> = {
  gap: { zh: '人手缺口', en: 'Staffing gap' },
  wait: { zh: '等待过长', en: 'Long wait' },
  manual: { zh: '班长召回', en: 'Supervisor' },
};
export const CALL_IN_NO_QUEUE_LABEL: Label = { zh: '(班长召回)', en: '(by a supervisor)' };
