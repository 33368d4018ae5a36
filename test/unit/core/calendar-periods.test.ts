import { calendarDatePart, fromDay, toDay, weekdayOf } from '../../../src/core/model/calendar-date';
import { quarterLabel, reportPeriods, toPeriod, trailingYears } from '../../../src/core/model/periods';
import { addBusinessDays } from '../../../src/core/rules/business-days';

const d = toDay;
const period = (g: 'month' | 'quarter' | 'year', asOf: string) => {
  const p = reportPeriods(g, d(asOf));
  return { current: toPeriod(p.current), previous: toPeriod(p.previous) };
};

describe('calendar dates', () => {
  it('uses the date part of an ISO datetime as written, whatever the offset', () => {
    expect(calendarDatePart('2026-03-31T23:30:00-05:00')).toBe('2026-03-31');
    expect(calendarDatePart('2026-01-01T00:10:00+03:00')).toBe('2026-01-01');
    expect(calendarDatePart('2026-01-01T00:10:00.123Z')).toBe('2026-01-01');
    expect(calendarDatePart('2026-01-01')).toBe('2026-01-01');
  });

  it('rejects what is not a real calendar date', () => {
    for (const bad of ['2026-02-29', '2026-13-01', '2026-04-31', '31.10.2026', '2026-1-5', '2026-10-31T25:00:00Z', '']) {
      expect(calendarDatePart(bad)).toBeNull();
    }
    expect(calendarDatePart('2024-02-29')).toBe('2024-02-29');
  });

  it('round-trips day numbers and knows weekdays', () => {
    expect(fromDay(d('2026-10-31') + 1)).toBe('2026-11-01');
    expect(d('2025-01-01') - d('2024-01-01')).toBe(366);
    expect(weekdayOf(d('2026-10-31'))).toBe(6); // Saturday
    expect(weekdayOf(d('1969-12-28'))).toBe(0); // Sunday, before the epoch
  });
});

describe('report periods (spec section 2)', () => {
  it('matches the spec example D = 2026-10-31', () => {
    expect(period('month', '2026-10-31')).toEqual({
      current: { start: '2026-10-01', end: '2026-10-31' },
      previous: { start: '2026-09-01', end: '2026-09-30' },
    });
    expect(period('quarter', '2026-10-31')).toEqual({
      current: { start: '2026-07-01', end: '2026-09-30' },
      previous: { start: '2026-04-01', end: '2026-06-30' },
    });
    expect(period('year', '2026-10-31')).toEqual({
      current: { start: '2025-01-01', end: '2025-12-31' },
      previous: { start: '2024-01-01', end: '2024-12-31' },
    });
  });

  it('takes the previous month when D is not the last day of its month', () => {
    expect(period('month', '2026-10-30').current).toEqual({ start: '2026-09-01', end: '2026-09-30' });
    expect(period('month', '2026-03-01').current).toEqual({ start: '2026-02-01', end: '2026-02-28' });
    expect(period('month', '2024-03-15').current).toEqual({ start: '2024-02-01', end: '2024-02-29' });
  });

  it('counts a quarter or year complete on its last day', () => {
    expect(period('quarter', '2026-09-30').current).toEqual({ start: '2026-07-01', end: '2026-09-30' });
    expect(period('year', '2026-12-31').current).toEqual({ start: '2026-01-01', end: '2026-12-31' });
    expect(period('quarter', '2026-01-15')).toEqual({
      current: { start: '2025-10-01', end: '2025-12-31' },
      previous: { start: '2025-07-01', end: '2025-09-30' },
    });
  });

  it('gives the trailing year T = D-364..D and T\' the 365 days before', () => {
    const t = trailingYears(d('2026-10-31'));
    expect(toPeriod(t.current)).toEqual({ start: '2025-11-01', end: '2026-10-31' });
    expect(toPeriod(t.previous)).toEqual({ start: '2024-11-01', end: '2025-10-31' });
    expect(t.current.end - t.current.start + 1).toBe(365);
    expect(quarterLabel(d('2026-09-30'))).toBe('2026-Q3');
  });
});

describe('business days', () => {
  it('skips weekends and holidays, and never lands on a day off', () => {
    expect(fromDay(addBusinessDays(d('2026-10-30'), 1))).toBe('2026-11-02'); // Fri + 1 -> Mon
    expect(fromDay(addBusinessDays(d('2026-10-31'), 0))).toBe('2026-11-02'); // Sat + 0 -> Mon
    expect(fromDay(addBusinessDays(d('2026-10-28'), 2))).toBe('2026-10-30'); // Wed + 2 -> Fri
    expect(fromDay(addBusinessDays(d('2026-10-30'), 1, new Set([d('2026-11-02')])))).toBe('2026-11-03');
  });
});
