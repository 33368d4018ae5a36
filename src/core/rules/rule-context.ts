import type { PeriodKpis } from '../kpi/account-kpis';
import { calendarDatePart, toDay, type Day } from '../model/calendar-date';
import type { AccountFields } from '../model/snapshot';

/** A won deal as the follow-up rule sees it. */
export interface WonDealRef {
  id: string;
  /** The deal's CRM title; null when the CRM gave none (the texts then name it by its date). */
  title: string | null;
  accountId: string;
  closedAt: string;
  amount: number;
  currency: string;
  ownerId: string | null;
}

/** Everything a rule may read about one account on the planning day. */
export interface RuleContext {
  accountId: string;
  name: string;
  ownerId: string | null;
  tier: string;
  previousTier: string | null;
  score: number;
  fields: AccountFields;
  /** The engine's potential forecast from consumption (spec section 7). */
  potentialForecast3y: number | null;
  revenue12m: number;
  /** 1 for the highest revenue12m in the portfolio (ties by id), out of `accountCount`. */
  revenueRank: number;
  accountCount: number;
  /** The report quarter's KPIs, its label ("2026-Q3", part of task keys) and its first day (for texts). */
  quarterKpis: PeriodKpis;
  reportQuarter: string;
  reportQuarterStart: string;
  /** The portfolio's base currency: revenue and potentials are in it. */
  currency: string;
  today: Day;
  /** Label of the calendar quarter containing today. */
  todayQuarter: string;
  /** The latest won deal inside the follow-up window, if any. */
  recentWon: WonDealRef | null;
  /** Every won deal by id, so a follow-up task can check its deal still stands. */
  wonDeals: ReadonlyMap<string, WonDealRef>;
  /** A deal's CRM title whatever its status (a follow-up that closes names a deal no longer won), or null. */
  dealTitle(dealId: string): string | null;
  /** A tier's name for people, in the task's language (the tier id when no label is known). */
  tierName(tierId: string): string;
}

/** A rule firing for an account: the cycle makes the dedup key, the texts make the task. */
export interface Firing {
  cycle: string;
  title: string;
  description: string;
  ownerId?: string | null;
}

/** A date field (date or datetime string) as a day number; anything else is absent. */
export function dateField(fields: AccountFields, key: string): { date: string; day: Day } | null {
  const value = fields[key];
  const date = typeof value === 'string' ? calendarDatePart(value) : null;
  return date === null ? null : { date, day: toDay(date) };
}

export function numberField(fields: AccountFields, key: string): number | null {
  const value = fields[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
