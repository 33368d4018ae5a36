import { monthIndexOf, toDay, type Day } from '../model/calendar-date';
import { createFxConverter } from '../model/fx-converter';
import type { PortfolioSnapshot, SnapshotAccount } from '../model/snapshot';

/** A won or lost deal closed on or before D, its amount already in the base currency. */
export interface ClosedDeal {
  id: string;
  won: boolean;
  /** Base-currency amount (converted for won deals only; lost amounts are never summed). */
  amount: number;
  createdDay: Day;
  closedDay: Day;
  closedMonth: number;
}

export interface IndexedAccount {
  account: SnapshotAccount;
  /** Sorted by closedDay, then id, so every sum is independent of input order. */
  closed: ClosedDeal[];
  /** Days of won deals, ascending. */
  wonDays: Day[];
}

export interface PortfolioIndex {
  /** Sorted by id (code-unit order, locale-independent). */
  accounts: IndexedAccount[];
  /** Deals naming an account the snapshot does not have; reported, left out. Sorted. */
  unknownAccountDealIds: string[];
}

export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Indexes deals by account once (linear), so no KPI ever scans the whole deal list per account.
 * Deals closed after D are left out: evaluating "as of" a past day reproduces what was known then.
 */
export function indexPortfolio(snapshot: PortfolioSnapshot, asOf: Day): PortfolioIndex {
  const convert = createFxConverter(snapshot);
  const byId = new Map<string, IndexedAccount>();
  for (const account of snapshot.accounts) byId.set(account.id, { account, closed: [], wonDays: [] });
  const unknownAccountDealIds: string[] = [];
  for (const deal of snapshot.deals) {
    const entry = byId.get(deal.accountId);
    if (!entry) {
      unknownAccountDealIds.push(deal.id);
      continue;
    }
    if (deal.status === 'open' || !deal.closedAt) continue;
    const closedDay = toDay(deal.closedAt);
    if (closedDay > asOf) continue;
    const won = deal.status === 'won';
    entry.closed.push({
      id: deal.id,
      won,
      amount: won ? convert(deal.amount, deal.currency, closedDay) : 0,
      createdDay: toDay(deal.createdAt),
      closedDay,
      closedMonth: monthIndexOf(deal.closedAt),
    });
  }
  const accounts = [...byId.values()].sort((a, b) => byCodeUnits(a.account.id, b.account.id));
  for (const entry of accounts) {
    entry.closed.sort((a, b) => a.closedDay - b.closedDay || byCodeUnits(a.id, b.id));
    for (const deal of entry.closed) if (deal.won) entry.wonDays.push(deal.closedDay);
  }
  return { accounts, unknownAccountDealIds: unknownAccountDealIds.sort(byCodeUnits) };
}

/** Customer on day t: a won deal with closedAt in [t - W + 1, t] (spec section 3). */
export function isCustomerOn(wonDays: readonly Day[], t: Day, windowDays: number): boolean {
  let lo = 0;
  let hi = wonDays.length - 1;
  let latest = -Infinity;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const day = wonDays[mid] as number;
    if (day <= t) {
      latest = day;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return latest >= t - windowDays + 1;
}
