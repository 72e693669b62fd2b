import { describe, expect, it } from 'vitest';
import { ProtocolError } from '@etax-assist/protocol';
import { reportPeriods } from '../src/reports/report-periods.js';

const CHINA = 480;
const days = (r: ReturnType<typeof reportPeriods>) => r.periods.map((p) => p.day);

describe('the periods of a report', () => {
  it("spans the local days from the authority's midnight to the midnight after the last", () => {
    const r = reportPeriods({ from: '2025-03-01', to: '2025-03-31', period: 'month' }, CHINA, 400);
    expect(r.start.toISOString()).toBe('2025-02-28T16:00:00.000Z');
    expect(r.end.toISOString()).toBe('2025-03-31T16:00:00.000Z');
    expect(r.periods).toEqual([{ day: '2025-03-01', start: new Date('2025-02-28T16:00:00.000Z') }]);
    // west of UTC the day begins later
    expect(reportPeriods({ from: '2025-03-01', to: '2025-03-01', period: 'day' }, -300, 400).start.toISOString()).toBe('2025-03-01T05:00:00.000Z');
  });

  it('cuts by day, by ISO week from its Monday (the first may begin before `from`), by calendar month', () => {
    expect(days(reportPeriods({ from: '2024-02-27', to: '2024-03-01', period: 'day' }, CHINA, 400))).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
    // Saturday 1 March 2025 is in the week of Monday 24 February
    expect(days(reportPeriods({ from: '2025-03-01', to: '2025-03-17', period: 'week' }, CHINA, 400))).toEqual(['2025-02-24', '2025-03-03', '2025-03-10', '2025-03-17']);
    expect(days(reportPeriods({ from: '2025-01-15', to: '2025-12-31', period: 'month' }, CHINA, 400))).toHaveLength(12);
    expect(days(reportPeriods({ from: '2024-12-31', to: '2025-01-01', period: 'month' }, CHINA, 400))).toEqual(['2024-12-01', '2025-01-01']);
  });

  it('refuses a reversed range, one over the limit, a day the calendar has not', () => {
    const refusal = (from: string, to: string) => {
      try {
        reportPeriods({ from, to, period: 'day' }, CHINA, 31);
      } catch (error) {
        return error instanceof ProtocolError ? [error.code, error.message] : error;
      }
      return 'accepted';
    };
    expect(refusal('2025-03-01', '2025-03-01')).toBe('accepted');
    expect(refusal('2025-03-01', '2025-03-31')).toBe('accepted');
    expect(refusal('2025-03-01', '2025-04-01')).toEqual(['VALIDATION_FAILED', 'A report covers at most 31 days']);
    expect(refusal('2025-03-02', '2025-03-01')).toEqual(['VALIDATION_FAILED', '`from` must not be after `to`']);
    expect(refusal('2025-02-29', '2025-03-01')).toEqual(['VALIDATION_FAILED', '`from` is not a calendar day: 2025-02-29']);
    expect(refusal('2025-03-01', '2025-04-31')).toEqual(['VALIDATION_FAILED', '`to` is not a calendar day: 2025-04-31']);
  });
});
