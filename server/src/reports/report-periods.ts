import { ProtocolError, type ReportPeriod, type ReportQuery } from '@etax-assist/protocol';

const DAY_MS = 24 * 3600 * 1000;

/** A period of a report: its first local day, and the instant that day begins. */
export interface ReportPeriodStart {
  day: string;
  start: Date;
}

/** A report's range of local days as the instants it spans, [start, end), and its periods in order. */
export interface ReportPeriods {
  start: Date;
  end: Date;
  periods: ReportPeriodStart[];
}

/** A local day (YYYY-MM-DD) as the UTC midnight of the same date, or VALIDATION_FAILED for a day the calendar has not. */
function calendarDay(day: string, name: string): number {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const utc = Date.UTC(year, month - 1, date);
  if (new Date(utc).toISOString().slice(0, 10) !== day) throw new ProtocolError('VALIDATION_FAILED', `\`${name}\` is not a calendar day: ${day}`);
  return utc;
}

/** The first day of the period holding `day` (dates as UTC midnights): itself, its ISO week's Monday, its month's 1st. */
function periodStart(day: number, period: ReportPeriod): number {
  const date = new Date(day);
  if (period === 'week') return day - ((date.getUTCDay() + 6) % 7) * DAY_MS;
  if (period === 'month') return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  return day;
}

function nextPeriod(day: number, period: ReportPeriod): number {
  if (period === 'month') {
    const date = new Date(day);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  }
  return day + (period === 'week' ? 7 : 1) * DAY_MS;
}

/**
 * The instants of `from`…`to` (local days, `tzOffsetMin` east of UTC, both included) and the
 * periods that cut them (the first may begin before `from`: a week or a month is named by its
 * first day); VALIDATION_FAILED for a reversed range or one longer than `maxDays`.
 */
export function reportPeriods(query: Pick<ReportQuery, 'from' | 'to' | 'period'>, tzOffsetMin: number, maxDays: number): ReportPeriods {
  const first = calendarDay(query.from, 'from');
  const last = calendarDay(query.to, 'to');
  if (last < first) throw new ProtocolError('VALIDATION_FAILED', '`from` must not be after `to`');
  if ((last - first) / DAY_MS + 1 > maxDays) throw new ProtocolError('VALIDATION_FAILED', `A report covers at most ${maxDays} days`, { maxDays });
  const instant = (day: number) => new Date(day - tzOffsetMin * 60_000);
  const periods: ReportPeriodStart[] = [];
  for (let day = periodStart(first, query.period); day <= last; day = nextPeriod(day, query.period)) {
    periods.push({ day: new Date(day).toISOString().slice(0, 10), start: instant(day) });
  }
  return { start: instant(first), end: instant(last + DAY_MS), periods };
}
