import { toDay, type Day } from './calendar-date';
import type { FxRate } from './snapshot';

export type FxConverter = (amount: number, currency: string, on: Day) => number;

/**
 * Converts to the base currency with the latest rate dated on or before the deal's day, or the
 * earliest rate of that currency when the deal predates them all (spec section 1). The base
 * currency converts at 1. parseSnapshot has already rejected currencies with no rate at all.
 */
export function createFxConverter({ baseCurrency, fxRates }: { baseCurrency: string; fxRates: readonly FxRate[] }): FxConverter {
  const byCurrency = new Map<string, { days: Day[]; rates: number[] }>();
  const sorted = [...fxRates].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  for (const fx of sorted) {
    let series = byCurrency.get(fx.currency);
    if (!series) byCurrency.set(fx.currency, (series = { days: [], rates: [] }));
    series.days.push(toDay(fx.date));
    series.rates.push(fx.rate);
  }
  return (amount, currency, on) => {
    if (currency === baseCurrency) return amount;
    const series = byCurrency.get(currency);
    if (!series) throw new Error(`no FX rate for currency ${currency}`);
    // Binary search: the last rate dated on or before `on`.
    let lo = 0;
    let hi = series.days.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((series.days[mid] as number) <= on) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return amount * (series.rates[found === -1 ? 0 : found] as number);
  };
}
