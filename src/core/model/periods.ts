import { dayOfMonthIndex, fromDay, monthIndexOfDay, type Day } from './calendar-date';

export type Granularity = 'month' | 'quarter' | 'year';
export const GRANULARITIES: readonly Granularity[] = ['month', 'quarter', 'year'];

/** An inclusive range of days. */
export interface DayRange {
  start: Day;
  end: Day;
}

/** A period as printed: inclusive `YYYY-MM-DD` bounds. */
export interface Period {
  start: string;
  end: string;
}

export interface ReportPeriods {
  /** P: the latest complete calendar period whose last day is <= D. */
  current: DayRange;
  /** P': the period right before P. */
  previous: DayRange;
}

const MONTHS_IN: Record<Granularity, number> = { month: 1, quarter: 3, year: 12 };

/** First day of the calendar period of granularity g that contains `day`. */
export function periodStart(g: Granularity, day: Day): Day {
  const monthIndex = monthIndexOfDay(day);
  const size = MONTHS_IN[g];
  return dayOfMonthIndex(monthIndex - (monthIndex % size));
}

function periodEnding(g: Granularity, end: Day): DayRange {
  return { start: periodStart(g, end), end };
}

/**
 * Spec section 2. P ends the day before the g-period that contains D + 1 starts: when D is the
 * last day of its period that period is complete and is P; otherwise P is the one before.
 */
export function reportPeriods(g: Granularity, asOf: Day): ReportPeriods {
  const current = periodEnding(g, periodStart(g, asOf + 1) - 1);
  const previous = periodEnding(g, current.start - 1);
  return { current, previous };
}

/** T = the 365 days D-364..D; T' = the 365 days before T. */
export function trailingYears(asOf: Day): { current: DayRange; previous: DayRange } {
  return {
    current: { start: asOf - 364, end: asOf },
    previous: { start: asOf - 729, end: asOf - 365 },
  };
}

export function toPeriod(range: DayRange): Period {
  return { start: fromDay(range.start), end: fromDay(range.end) };
}

/** "2026-Q3": the label of the calendar quarter that contains `day`. */
export function quarterLabel(day: Day): string {
  const monthIndex = monthIndexOfDay(day);
  return `${Math.floor(monthIndex / 12)}-Q${Math.floor((monthIndex % 12) / 3) + 1}`;
}
