import { weekdayOf, type Day } from '../model/calendar-date';

const isBusinessDay = (day: Day, holidays: ReadonlySet<Day>): boolean => {
  const weekday = weekdayOf(day);
  return weekday !== 0 && weekday !== 6 && !holidays.has(day);
};

/**
 * The day `count` business days after `from` (weekends and the given holidays skipped).
 * With count 0 it is `from` itself, or the next business day when `from` is a day off:
 * a task is never due on a Saturday.
 */
export function addBusinessDays(from: Day, count: number, holidays: ReadonlySet<Day> = new Set()): Day {
  let day = from;
  while (!isBusinessDay(day, holidays)) day += 1;
  for (let left = count; left > 0; ) {
    day += 1;
    if (isBusinessDay(day, holidays)) left -= 1;
  }
  return day;
}
