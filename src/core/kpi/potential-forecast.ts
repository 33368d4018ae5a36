import { monthIndexOfDay, type Day } from '../model/calendar-date';
import type { ClosedDeal } from './portfolio-index';

/** How many past quarters the trend is fitted on, and how many future quarters it is summed over. */
export const FORECAST_HISTORY_QUARTERS = 8;
export const FORECAST_HORIZON_QUARTERS = 12;

const quarterIndexOfDay = (day: Day): number => Math.floor(monthIndexOfDay(day) / 3);

/**
 * y_1..y_8 (spec section 7): revenue of the 8 complete calendar quarters ending with the report
 * quarter, oldest first, zeros included. `closed` is sorted by close day, so each sum is stable.
 */
export function quarterlyRevenues(closed: readonly ClosedDeal[], reportQuarterStart: Day): number[] {
  const last = quarterIndexOfDay(reportQuarterStart);
  const first = last - FORECAST_HISTORY_QUARTERS + 1;
  const quarters = new Array<number>(FORECAST_HISTORY_QUARTERS).fill(0);
  for (const deal of closed) {
    if (!deal.won) continue;
    const q = Math.floor(deal.closedMonth / 3);
    if (q >= first && q <= last) quarters[q - first] = (quarters[q - first] as number) + deal.amount;
  }
  return quarters;
}

/**
 * `potentialForecast3y` (spec section 7): the least-squares line through (i, y_i), i = 1..8,
 * extended over the next 12 quarters (i = 9..20), each quarter floored at 0, summed. A KAM's
 * rule of thumb made exact: today's consumption and its trend. null when fewer than 2 quarters
 * had any revenue (no trend can be told from one purchase). Computed term by term as the spec
 * writes it, so an independent implementation agrees to the last digit.
 */
export function potentialForecast(quarters: readonly number[]): number | null {
  const n = quarters.length;
  if (quarters.filter((y) => y > 0).length < 2) return null;
  const mid = (n + 1) / 2;
  const mean = quarters.reduce((sum, y) => sum + y, 0) / n;
  let covariance = 0;
  let spread = 0;
  quarters.forEach((y, k) => {
    const d = k + 1 - mid;
    covariance += d * (y - mean);
    spread += d * d;
  });
  const beta = covariance / spread;
  const alpha = mean - beta * mid;
  let total = 0;
  for (let i = n + 1; i <= n + FORECAST_HORIZON_QUARTERS; i += 1) total += Math.max(0, alpha + beta * i);
  return total;
}
