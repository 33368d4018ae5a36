import type { Day } from '../model/calendar-date';
import type { DayRange } from '../model/periods';
import { isAtMost, isBelow, type KpiSettings } from './kpi-settings';
import type { ClosedDeal } from './portfolio-index';

/** Account KPIs for one report period (spec section 4). */
export interface PeriodKpis {
  revenue: number;
  previousRevenue: number;
  growth: number | null;
  wonDeals: number;
  lostDeals: number;
  winRate: number | null;
  averageDeal: number | null;
  cycleDays: number | null;
}

export type AbcClass = 'A' | 'B' | 'C';
export type XyzClass = 'X' | 'Y' | 'Z';

const inRange = (day: Day, range: DayRange): boolean => day >= range.start && day <= range.end;

/** null when the base is 0: a ratio against nothing is undefined, not infinite. */
export const ratio = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);
export const change = (current: number, previous: number): number | null => ratio(current - previous, previous);

/** rev(a, X): won deals closed in X, in the base currency. `closed` is sorted, so sums are stable. */
export function revenueIn(closed: readonly ClosedDeal[], range: DayRange): number {
  let sum = 0;
  for (const deal of closed) if (deal.won && inRange(deal.closedDay, range)) sum += deal.amount;
  return sum;
}

export function periodKpis(closed: readonly ClosedDeal[], current: DayRange, previous: DayRange): PeriodKpis {
  let revenue = 0;
  let previousRevenue = 0;
  let wonDeals = 0;
  let lostDeals = 0;
  let cycleSum = 0;
  for (const deal of closed) {
    if (inRange(deal.closedDay, current)) {
      if (deal.won) {
        revenue += deal.amount;
        wonDeals += 1;
        cycleSum += deal.closedDay - deal.createdDay;
      } else lostDeals += 1;
    } else if (deal.won && inRange(deal.closedDay, previous)) previousRevenue += deal.amount;
  }
  return {
    revenue,
    previousRevenue,
    growth: change(revenue, previousRevenue),
    wonDeals,
    lostDeals,
    winRate: ratio(wonDeals, wonDeals + lostDeals),
    averageDeal: ratio(revenue, wonDeals),
    cycleDays: ratio(cycleSum, wonDeals),
  };
}

/** Revenues of the 12 calendar months ending with `lastMonth` (a month index), oldest first. */
export function monthlyRevenues(closed: readonly ClosedDeal[], lastMonth: number): number[] {
  const months = new Array<number>(12).fill(0);
  for (const deal of closed) {
    const slot = deal.closedMonth - (lastMonth - 11);
    if (deal.won && slot >= 0 && slot < 12) months[slot] = (months[slot] as number) + deal.amount;
  }
  return months;
}

/** X when cv <= x, Y when cv <= y, else Z; null when the mean is 0 (nothing to vary). */
export function xyzClass(monthly: readonly number[], cutoffs: KpiSettings['xyz']): XyzClass | null {
  const mean = monthly.reduce((sum, v) => sum + v, 0) / monthly.length;
  if (mean === 0) return null;
  const variance = monthly.reduce((sum, v) => sum + (v - mean) ** 2, 0) / monthly.length;
  const cv = Math.sqrt(variance) / mean;
  return isAtMost(cv, cutoffs.x) ? 'X' : isAtMost(cv, cutoffs.y) ? 'Y' : 'Z';
}

/**
 * ABC by revenue12m: rank highest first, ties by id ascending; c = the share of the total held
 * by the accounts ranked before. A when c < a, B when c < b, else C; no revenue is always C.
 * `items` must already be sorted by id so the total is summed in a fixed order.
 */
export function abcClasses(items: ReadonlyArray<{ id: string; revenue12m: number }>, cutoffs: KpiSettings['abc']): Map<string, AbcClass> {
  const ranked = [...items].sort((x, y) => y.revenue12m - x.revenue12m || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const total = ranked.reduce((sum, item) => sum + item.revenue12m, 0);
  const classes = new Map<string, AbcClass>();
  let before = 0;
  for (const item of ranked) {
    const share = total === 0 ? 1 : before / total;
    classes.set(item.id, item.revenue12m <= 0 ? 'C' : isBelow(share, cutoffs.a) ? 'A' : isBelow(share, cutoffs.b) ? 'B' : 'C');
    before += item.revenue12m;
  }
  return classes;
}
