/**
 * Calendar-date arithmetic on day numbers (days since 1970-01-01). The engine never uses
 * local time: a full ISO datetime contributes its date part exactly as written, so
 * "2026-03-31T23:30:00-05:00" is 2026-03-31 whatever the machine's time zone (spec section 1).
 */
export type Day = number;

const MS_PER_DAY = 86_400_000;
const DATE_PART = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The `YYYY-MM-DD` part of a date or ISO datetime, or null when it is not a real calendar date. */
export function calendarDatePart(text: string): string | null {
  const match = DATE_PART.exec(text);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (match[4] !== undefined && (Number(match[4]) > 23 || Number(match[5]) > 59 || Number(match[6] ?? 0) > 59)) {
    return null;
  }
  return text.slice(0, 10);
}

/** Day number of a canonical `YYYY-MM-DD` string (call calendarDatePart first on raw input). */
export function toDay(date: string): Day {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const day = Number(date.slice(8, 10));
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

export function fromDay(day: Day): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Month index (year * 12 + month - 1) of a canonical date string; cheap, no Date object. */
export function monthIndexOf(date: string): number {
  return Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
}

export function monthIndexOfDay(day: Day): number {
  const date = new Date(day * MS_PER_DAY);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

/** First day of the month with the given month index. */
export function dayOfMonthIndex(monthIndex: number): Day {
  return Date.UTC(Math.floor(monthIndex / 12), monthIndex % 12, 1) / MS_PER_DAY;
}

/** 0 = Sunday ... 6 = Saturday; 1970-01-01 was a Thursday. */
export function weekdayOf(day: Day): number {
  return (((day + 4) % 7) + 7) % 7;
}
