import { monthIndexOfDay, type Day } from '../model/calendar-date';
import { GRANULARITIES, reportPeriods, toPeriod, trailingYears, type Granularity, type Period, type ReportPeriods } from '../model/periods';
import { abcClasses, change, monthlyRevenues, periodKpis, ratio, revenueIn, xyzClass, type AbcClass, type PeriodKpis, type XyzClass } from './account-kpis';
import type { KpiSettings } from './kpi-settings';
import { potentialForecast, quarterlyRevenues } from './potential-forecast';
import { isCustomerOn, type PortfolioIndex } from './portfolio-index';

/** Portfolio KPIs for one report period (spec section 3). */
export interface PortfolioKpis {
  customersStart: number;
  customersEnd: number;
  newCustomers: number;
  lostCustomers: number;
  retentionRate: number | null;
  churnRate: number | null;
  nrr: number | null;
  grr: number | null;
  revenue: number;
}

/** Every account KPI of spec section 4, plus the margin and lifetime LTV used. */
export interface AccountKpiValues {
  revenue12m: number;
  revenuePrev12m: number;
  growthYoY: number | null;
  ltv: number;
  romi: number | null;
  abc: AbcClass;
  xyz: XyzClass | null;
  daysSinceLastWon: number | null;
  relationshipYears: number;
  /** Spec section 7: the next 12 quarters of the 8-quarter consumption trend; null without 2 buying quarters. */
  potentialForecast3y: number | null;
  margin: number;
  lifetimeYears: number;
  kpis: Record<Granularity, PeriodKpis>;
}

export interface KpiPack {
  periods: Record<Granularity, ReportPeriods>;
  portfolio: Record<Granularity, PortfolioKpis>;
  /** Aligned with index.accounts (sorted by id). */
  accounts: AccountKpiValues[];
}

export const toPeriods = (periods: Record<Granularity, ReportPeriods>): Record<Granularity, Period> => ({
  month: toPeriod(periods.month.current),
  quarter: toPeriod(periods.quarter.current),
  year: toPeriod(periods.year.current),
});

const numberField = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function portfolioKpis(index: PortfolioIndex, kpis: readonly PeriodKpis[], range: ReportPeriods, windowDays: number): PortfolioKpis {
  let customersStart = 0;
  let customersEnd = 0;
  let retained = 0;
  let revenue = 0;
  let nrrTop = 0;
  let grrTop = 0;
  let base = 0;
  index.accounts.forEach((entry, i) => {
    const k = kpis[i] as PeriodKpis;
    revenue += k.revenue;
    const start = isCustomerOn(entry.wonDays, range.current.start - 1, windowDays);
    const end = isCustomerOn(entry.wonDays, range.current.end, windowDays);
    if (end) customersEnd += 1;
    if (!start) return;
    customersStart += 1;
    if (end) retained += 1;
    nrrTop += k.revenue;
    grrTop += Math.min(k.revenue, k.previousRevenue);
    base += k.previousRevenue;
  });
  return {
    customersStart,
    customersEnd,
    newCustomers: customersEnd - retained,
    lostCustomers: customersStart - retained,
    // (|E| - |N|) / |S| = |S and E| / |S|; churn = |L| / |S|: they add up to 1 by construction.
    retentionRate: ratio(retained, customersStart),
    churnRate: ratio(customersStart - retained, customersStart),
    nrr: ratio(nrrTop, base),
    grr: ratio(grrTop, base),
    revenue,
  };
}

/** The whole KPI pack in one pass over each account's own deals: O(deals + accounts log accounts). */
export function computeKpiPack({ index, asOf, settings }: { index: PortfolioIndex; asOf: Day; settings: KpiSettings }): KpiPack {
  const periods = { month: reportPeriods('month', asOf), quarter: reportPeriods('quarter', asOf), year: reportPeriods('year', asOf) };
  const trailing = trailingYears(asOf);
  const reportMonth = monthIndexOfDay(periods.month.current.start);
  const perPeriod = {} as Record<Granularity, PeriodKpis[]>;
  for (const g of GRANULARITIES) perPeriod[g] = index.accounts.map((e) => periodKpis(e.closed, periods[g].current, periods[g].previous));
  const portfolio = {} as Record<Granularity, PortfolioKpis>;
  for (const g of GRANULARITIES) portfolio[g] = portfolioKpis(index, perPeriod[g], periods[g], settings.customerWindowDays);

  const churn = portfolio.year.churnRate;
  const lifetimeYears = churn === null || churn === 0 ? settings.maxLifetimeYears : Math.min(1 / churn, settings.maxLifetimeYears);
  const trailingRevenue = index.accounts.map((e) => ({ id: e.account.id, revenue12m: revenueIn(e.closed, trailing.current) }));
  const abc = abcClasses(trailingRevenue, settings.abc);

  const accounts = index.accounts.map((entry, i): AccountKpiValues => {
    const { revenue12m } = trailingRevenue[i] as { revenue12m: number };
    const revenuePrev12m = revenueIn(entry.closed, trailing.previous);
    const margin = numberField(entry.account.fields['margin']) ?? settings.defaultMargin;
    const marketingCost = numberField(entry.account.fields['marketingCost']);
    const first = entry.wonDays[0];
    const last = entry.wonDays[entry.wonDays.length - 1];
    return {
      revenue12m,
      revenuePrev12m,
      growthYoY: change(revenue12m, revenuePrev12m),
      ltv: revenue12m * margin * lifetimeYears,
      romi: marketingCost === null || marketingCost === 0 ? null : (revenue12m * margin - marketingCost) / marketingCost,
      abc: abc.get(entry.account.id) ?? 'C',
      xyz: xyzClass(monthlyRevenues(entry.closed, reportMonth), settings.xyz),
      daysSinceLastWon: last === undefined ? null : asOf - last,
      relationshipYears: first === undefined ? 0 : (asOf - first) / 365,
      potentialForecast3y: potentialForecast(quarterlyRevenues(entry.closed, periods.quarter.current.start)),
      margin,
      lifetimeYears,
      kpis: { month: perPeriod.month[i] as PeriodKpis, quarter: perPeriod.quarter[i] as PeriodKpis, year: perPeriod.year[i] as PeriodKpis },
    };
  });
  return { periods, portfolio, accounts };
}
