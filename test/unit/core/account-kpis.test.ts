import { DEFAULT_CRITERIA, evaluatePortfolio, type AccountEvaluation, type CriteriaConfig, type PortfolioSnapshot } from '../../../src/core/engine';
import { abcClasses, xyzClass } from '../../../src/core/kpi/account-kpis';
import { DEFAULT_KPI_SETTINGS } from '../../../src/core/kpi/kpi-settings';
import { toDay } from '../../../src/core/model/calendar-date';
import { createFxConverter } from '../../../src/core/model/fx-converter';
import { account, lost, snapshot, won } from './portfolio-fixture';

const evaluate = (snap: PortfolioSnapshot, config: CriteriaConfig = DEFAULT_CRITERIA) => evaluatePortfolio(snap, config, { lang: 'en' });
const find = (accounts: AccountEvaluation[], id: string): AccountEvaluation => {
  const found = accounts.find((a) => a.id === id);
  if (!found) throw new Error(`no account ${id}`);
  return found;
};

describe('account KPIs (spec section 4), D = 2026-10-31', () => {
  const s = snapshot({
    accounts: [account('x', { fields: { margin: 0.25, marketingCost: 50 } })],
    deals: [
      won('x', '2026-07-10', 100, { createdAt: '2026-07-01' }),
      won('x', '2026-09-20', 300, { createdAt: '2026-09-01T09:00:00+03:00' }),
      lost('x', '2026-08-15'),
      won('x', '2026-05-05', 200),
      won('x', '2025-06-01', 300),
      { id: 'open1', accountId: 'x', amount: 9999, currency: 'RUB', status: 'open', createdAt: '2026-10-01', closedAt: null },
    ],
  });
  const x = find(evaluate(s).accounts, 'x');

  it('computes the quarter pack by hand', () => {
    expect(x.kpis.quarter).toEqual({
      revenue: 400, previousRevenue: 200, growth: 1, wonDeals: 2, lostDeals: 1,
      winRate: 2 / 3, averageDeal: 200, cycleDays: 14,
    });
  });

  it('gives nulls where the spec says so (no deals closed in the month)', () => {
    expect(x.kpis.month).toEqual({
      revenue: 0, previousRevenue: 300, growth: -1, wonDeals: 0, lostDeals: 0,
      winRate: null, averageDeal: null, cycleDays: null,
    });
  });

  it('computes revenue12m, growthYoY, LTV, ROMI, recency and relationship length', () => {
    expect(x.revenue12m).toBe(600);
    expect(x.revenuePrev12m).toBe(300);
    expect(x.growthYoY).toBe(1);
    // Year 2025: nobody was a customer on 2024-12-31, churn is null: lifetime = maxLifetimeYears = 10.
    expect(x.ltv).toBe(600 * 0.25 * 10);
    expect(x.romi).toBe((600 * 0.25 - 50) / 50);
    expect(x.daysSinceLastWon).toBe(41);
    expect(x.relationshipYears).toBe((toDay('2026-10-31') - toDay('2025-06-01')) / 365);
  });

  it('handles an account with no deals', () => {
    const r = evaluate(snapshot({ accounts: [account('none')], deals: [] }));
    expect(r.accounts[0]).toMatchObject({
      revenue12m: 0, revenuePrev12m: 0, growthYoY: null, ltv: 0, romi: null, abc: 'C', xyz: null,
      daysSinceLastWon: null, relationshipYears: 0,
    });
  });

  it('takes lifetime from the year churn, capped at maxLifetimeYears, and the default margin', () => {
    // Both were customers on 2024-12-31; only p is still one on 2025-12-31: churn 0.5, lifetime 2.
    const deals = [won('p', '2024-06-01', 100), won('p', '2025-03-01', 100), won('p', '2026-05-01', 1000), won('q', '2024-06-01', 100)];
    const two = evaluate(snapshot({ accounts: [account('p'), account('q')], deals }));
    expect(two.portfolio.year.churnRate).toBe(0.5);
    expect(find(two.accounts, 'p').ltv).toBeCloseTo(1000 * 0.3 * 2, 9);
    const capped: CriteriaConfig = { ...DEFAULT_CRITERIA, settings: { ...DEFAULT_CRITERIA.settings, maxLifetimeYears: 1.5 } };
    expect(find(evaluate(snapshot({ accounts: [account('p'), account('q')], deals }), capped).accounts, 'p').ltv).toBeCloseTo(1000 * 0.3 * 1.5, 9);
  });

  it('gives ROMI null when the marketing cost is missing or 0', () => {
    const r = evaluate(snapshot({ accounts: [account('m', { fields: { marketingCost: 0 } })], deals: [won('m', '2026-10-01', 10)] }));
    expect(r.accounts[0]?.romi).toBeNull();
  });
});

describe('ABC', () => {
  it('ranks by revenue12m with ties by id, classing on the share held by those before', () => {
    const classes = abcClasses(
      [{ id: 'a', revenue12m: 10.5 }, { id: 'b', revenue12m: 10.5 }, { id: 'c', revenue12m: 0 }, { id: 'z', revenue12m: 79 }],
      DEFAULT_KPI_SETTINGS.abc,
    );
    // z: c = 0 -> A; a (tie, id first): c = 0.79 -> A; b: c = 0.895 -> B; no revenue -> C.
    expect(Object.fromEntries(classes)).toEqual({ z: 'A', a: 'A', b: 'B', c: 'C' });
  });

  it('puts a share of exactly 0.80 in B and 0.95 in C, despite float noise', () => {
    const tenths = Array.from({ length: 10 }, (_, i) => ({ id: `a${i}`, revenue12m: 0.1 }));
    const classes = abcClasses(tenths, DEFAULT_KPI_SETTINGS.abc);
    expect(classes.get('a7')).toBe('A'); // c = 0.7
    expect(classes.get('a8')).toBe('B'); // c = 0.8 (0.1 added 8 times is 0.7999999999999999)
    const twenty = Array.from({ length: 20 }, (_, i) => ({ id: `b${String(i).padStart(2, '0')}`, revenue12m: 1 }));
    expect(abcClasses(twenty, DEFAULT_KPI_SETTINGS.abc).get('b19')).toBe('C'); // c = 0.95
  });
});

describe('XYZ', () => {
  const cut = DEFAULT_KPI_SETTINGS.xyz;
  it('classes by the coefficient of variation, boundaries inclusive', () => {
    expect(xyzClass(new Array(12).fill(100), cut)).toBe('X');
    expect(xyzClass(Array.from({ length: 12 }, (_, i) => (i % 2 ? 110 : 90)), cut)).toBe('X'); // cv = 0.10
    expect(xyzClass(Array.from({ length: 12 }, (_, i) => (i % 2 ? 140 : 100)), cut)).toBe('Y'); // cv = 1/6
    expect(xyzClass([1200, ...new Array(11).fill(0)], cut)).toBe('Z');
  });

  it('is null when the mean is zero', () => {
    expect(xyzClass(new Array(12).fill(0), cut)).toBeNull();
  });

  it('uses the 12 calendar months ending with the report month', () => {
    // Report month 2026-10: Nov 2025 .. Oct 2026. A deal in Oct 2025 is outside.
    const deals = Array.from({ length: 12 }, (_, i) => won('x', `${i < 2 ? 2025 : 2026}-${String(((i + 10) % 12) + 1).padStart(2, '0')}-15`, 100));
    const steady = evaluate(snapshot({ accounts: [account('x')], deals }));
    expect(steady.accounts[0]?.xyz).toBe('X');
    const withOld = evaluate(snapshot({ accounts: [account('x')], deals: [...deals, won('x', '2025-10-15', 5000)] }));
    expect(withOld.accounts[0]?.xyz).toBe('X');
    const oldOnly = evaluate(snapshot({ accounts: [account('x')], deals: [won('x', '2025-10-15', 5000)] }));
    expect(oldOnly.accounts[0]?.xyz).toBeNull();
  });
});

describe('multi-currency', () => {
  const fxRates = [
    { currency: 'USD', date: '2026-01-01', rate: 80 },
    { currency: 'USD', date: '2025-01-01', rate: 90 },
  ];
  const convert = createFxConverter({ baseCurrency: 'RUB', fxRates });

  it('uses the latest rate on or before the day, else the earliest rate', () => {
    expect(convert(10, 'USD', toDay('2024-06-01'))).toBe(900); // before the first rate
    expect(convert(10, 'USD', toDay('2025-12-31'))).toBe(900);
    expect(convert(10, 'USD', toDay('2026-01-01'))).toBe(800);
    expect(convert(10, 'RUB', toDay('2026-01-01'))).toBe(10);
  });

  it('converts won deals at their closedAt rate end to end', () => {
    const r = evaluate(snapshot({
      fxRates,
      accounts: [account('u')],
      deals: [won('u', '2025-12-20', 10, { currency: 'USD' }), won('u', '2026-02-01', 10, { currency: 'USD' }), won('u', '2026-03-01', 5)],
    }));
    expect(r.accounts[0]?.revenue12m).toBe(900 + 800 + 5);
  });
});
