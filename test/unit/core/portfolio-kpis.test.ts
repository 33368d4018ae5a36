import { DEFAULT_CRITERIA, evaluatePortfolio, type CriteriaConfig, type PortfolioSnapshot } from '../../../src/core/engine';
import { fromDay, toDay } from '../../../src/core/model/calendar-date';
import { isCustomerOn } from '../../../src/core/kpi/portfolio-index';
import { account, lost, snapshot, won } from './portfolio-fixture';

const evaluate = (snap: PortfolioSnapshot, config: CriteriaConfig = DEFAULT_CRITERIA) => evaluatePortfolio(snap, config, { lang: 'en' });

describe('customers on a day (spec section 3)', () => {
  const t = toDay('2026-09-30');

  it('counts a won deal exactly W-1 days old, not one W days old', () => {
    expect(isCustomerOn([t - 364], t, 365)).toBe(true);
    expect(isCustomerOn([t - 365], t, 365)).toBe(false);
    expect(isCustomerOn([t], t, 365)).toBe(true);
    expect(isCustomerOn([t + 1], t, 365)).toBe(false);
    expect(isCustomerOn([], t, 365)).toBe(false);
    expect(isCustomerOn([t - 400, t - 10, t + 5], t, 365)).toBe(true);
  });
});

describe('portfolio KPIs for the report month 2026-10', () => {
  // S = customers on 2026-09-30, E = customers on 2026-10-31, W = 365.
  const s = snapshot({
    accounts: ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => account(id)),
    deals: [
      won('a', fromDay(toDay('2026-09-30') - 364), 70), // 2025-10-01: in S, gone by 2026-10-31 -> lost
      won('b', fromDay(toDay('2026-09-30') - 365), 90), // 2025-09-30: one day too old for S
      won('c', '2026-03-01', 10),
      won('c', '2026-09-10', 100),
      won('c', '2026-10-05', 150),
      won('d', '2024-06-01', 500), // won back in October
      won('d', '2026-10-15', 400),
      won('f', '2026-09-12', 200),
      won('f', '2026-10-20', 50),
      lost('e', '2026-10-02'),
      won('ghost', '2026-10-10', 1_000_000),
      won('ghost2', '2026-10-11', 5),
    ],
  });
  const result = evaluate(s);

  it('finds S, E, new (won back) and lost customers', () => {
    expect(result.periods.month).toEqual({ start: '2026-10-01', end: '2026-10-31' });
    expect(result.portfolio.month).toMatchObject({ customersStart: 3, customersEnd: 3, newCustomers: 1, lostCustomers: 1 });
  });

  it('computes retention and churn over S, adding up to 1', () => {
    expect(result.portfolio.month.retentionRate).toBeCloseTo(2 / 3, 12);
    expect(result.portfolio.month.churnRate).toBeCloseTo(1 / 3, 12);
  });

  it('computes NRR and GRR over the accounts of S only', () => {
    // S = {a, c, f}: rev(P) = 0 + 150 + 50, rev(P') = 0 + 100 + 200; min = 0 + 100 + 50.
    expect(result.portfolio.month.nrr).toBeCloseTo(200 / 300, 12);
    expect(result.portfolio.month.grr).toBeCloseTo(150 / 300, 12);
  });

  it('sums revenue over all known accounts and reports deals of unknown accounts', () => {
    expect(result.portfolio.month.revenue).toBe(150 + 400 + 50);
    expect(result.unknownAccountDeals.count).toBe(2);
    expect(result.unknownAccountDeals.dealIds).toHaveLength(2);
  });

  it('leaves rates null when S is empty and NRR/GRR null when P\' had no revenue', () => {
    const empty = evaluate(snapshot({ accounts: [account('x')], deals: [won('x', '2026-10-03', 10)] }));
    expect(empty.portfolio.month).toEqual({
      customersStart: 0, customersEnd: 1, newCustomers: 1, lostCustomers: 0,
      retentionRate: null, churnRate: null, nrr: null, grr: null, revenue: 10,
    });
    const noBase = evaluate(snapshot({ accounts: [account('x')], deals: [won('x', '2026-05-03', 10), won('x', '2026-10-03', 10)] }));
    expect(noBase.portfolio.month.customersStart).toBe(1);
    expect(noBase.portfolio.month.nrr).toBeNull();
    expect(noBase.portfolio.month.grr).toBeNull();
  });

  it('reads the customer window W from the settings', () => {
    const config: CriteriaConfig = { ...DEFAULT_CRITERIA, settings: { ...DEFAULT_CRITERIA.settings, customerWindowDays: 30 } };
    const narrow = evaluate(s, config);
    // With W = 30 only c (Sep 10) and f (Sep 12) are customers on 2026-09-30.
    expect(narrow.portfolio.month.customersStart).toBe(2);
  });

  it('ignores deals closed after D, as if evaluated on that day', () => {
    const later = evaluate(snapshot({ accounts: [account('x')], deals: [won('x', '2026-10-01', 10), won('x', '2026-11-05', 99)] }));
    expect(later.portfolio.month.revenue).toBe(10);
    expect(later.accounts[0]?.daysSinceLastWon).toBe(30);
  });
});
