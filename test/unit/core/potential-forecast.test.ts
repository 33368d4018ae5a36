import fc from 'fast-check';
import { evaluatePortfolio, parseCriteriaConfig, type CriteriaConfig } from '../../../src/core/engine';
import { potentialForecast } from '../../../src/core/kpi/potential-forecast';
import { account, snapshot, won } from './portfolio-fixture';

const parsed = parseCriteriaConfig({
  criteria: [{ id: 'f', metric: 'potentialForecast3y', weight: 1, scale: { type: 'linear', min: 0, max: 1_000_000 } }],
  tiers: [{ id: 'key', minScore: 70 }, { id: 'other', minScore: 0 }],
});
if (!parsed.ok) throw parsed.error;
const CONFIG: CriteriaConfig = parsed.value;

const forecastOf = (deals: ReturnType<typeof won>[], asOf = '2026-10-31') =>
  evaluatePortfolio(snapshot({ asOf, accounts: [account('a')], deals }), CONFIG, { lang: 'en' }).accounts[0]!.potentialForecast3y;

describe('potentialForecast3y (spec section 7)', () => {
  it('sums the least-squares line over the next 12 quarters (hand-computed)', () => {
    // y = 1..8: beta = 1, alpha = 0, so 9 + 10 + ... + 20 = 174.
    expect(potentialForecast([1, 2, 3, 4, 5, 6, 7, 8])).toBe(174);
    // Flat consumption c goes on as c for 12 quarters.
    expect(potentialForecast([5, 5, 5, 5, 5, 5, 5, 5])).toBe(60);
    // Two late purchases: ybar = 0.25, beta = (2.5 + 3.5) / 42 = 1/7, alpha = 0.25 - 4.5/7; 12 alpha + 174/7 = 141/7.
    expect(potentialForecast([0, 0, 0, 0, 0, 0, 1, 1])).toBeCloseTo(141 / 7, 12);
    // Falling by 1 a quarter from 16: the line reaches 8, 7, ..., 1 and then would go negative: floored at 0.
    expect(potentialForecast([16, 15, 14, 13, 12, 11, 10, 9])).toBe(36);
    expect(potentialForecast([8, 7, 6, 5, 4, 3, 2, 1])).toBe(0);
  });

  it('is null with fewer than 2 quarters of purchases', () => {
    expect(potentialForecast([0, 0, 0, 0, 0, 0, 0, 0])).toBeNull();
    expect(potentialForecast([0, 0, 0, 9_000_000, 0, 0, 0, 0])).toBeNull();
    expect(potentialForecast([0, 0, 0, 9_000_000, 0, 0, 0, 1])).not.toBeNull();
  });

  it('reads the 8 complete quarters ending with the report quarter, in the base currency', () => {
    // D = 2026-10-31: report quarter 2026-Q3, so Q1..Q8 = 2024-Q4..2026-Q3.
    const deals = [
      won('a', '2024-09-30', 50_000_000), // 2024-Q3: before Q1, left out
      won('a', '2024-10-01', 1_000_000), // Q1
      won('a', '2026-09-30', 8_000_000), // Q8
      won('a', '2026-10-15', 70_000_000), // the running quarter: not complete, left out
      won('a', '2026-08-01', 1000, { currency: 'USD' }), // Q8, 1000 USD at 90 = 90,000 RUB
    ];
    const fx = [{ currency: 'USD', date: '2025-01-01', rate: 90 }];
    const r = evaluatePortfolio(snapshot({ fxRates: fx, accounts: [account('a')], deals }), CONFIG, { lang: 'en' });
    expect(r.accounts[0]!.potentialForecast3y).toBeCloseTo(potentialForecast([1_000_000, 0, 0, 0, 0, 0, 0, 8_090_000]) as number, 6);
    // Lost and open deals never count: one won quarter is not enough.
    expect(forecastOf([won('a', '2025-05-05', 100), { ...won('a', '2025-08-05', 100), status: 'lost' }])).toBeNull();
    // On the last day of a quarter, that quarter is the report quarter and counts.
    const steady = (amount: number, lastDay: string) =>
      ['2024-10-01', '2025-01-01', '2025-04-01', '2025-07-01', '2025-10-01', '2026-01-01', '2026-04-01', lastDay].map((day) => won('a', day, amount));
    expect(forecastOf(steady(100, '2026-09-30'), '2026-09-30')).toBe(1200);
    expect(forecastOf(steady(100, '2026-09-30'), '2026-09-29')).toBe(potentialForecast([0, 100, 100, 100, 100, 100, 100, 100]));
  });

  it('is a metric a criterion reads, with its own reason', () => {
    const deals = ['2024-11-01', '2025-02-01', '2025-05-01', '2025-08-01', '2025-11-01', '2026-02-01', '2026-05-01', '2026-08-01'].map((day) => won('a', day, 100_000));
    const r = evaluatePortfolio(snapshot({ accounts: [account('a')], deals }), CONFIG, { lang: 'en' });
    expect(r.accounts[0]!.contributions[0]).toMatchObject({ value: 1_200_000, source: 'primary', normalized: 1 });
    expect(r.accounts[0]!.contributions[0]!.reason).toBe('Potential forecast ₽1.2M over 3 years: 120% of the ₽1M target, full marks');
  });

  describe('properties', () => {
    const money = fc.integer({ min: 0, max: 50_000_000 });

    it('a linear consumption a + b i gives the exact arithmetic series 12 a + 174 b', () => {
      // a and b are chosen so that every y_i and every forecast quarter is positive (nothing floored).
      const line = fc.record({ a: fc.integer({ min: 1, max: 10_000_000 }), b: fc.integer({ min: -100_000, max: 1_000_000 }) })
        .filter(({ a, b }) => a + 20 * b > 0 && a + b > 0);
      fc.assert(fc.property(line, ({ a, b }) => {
        const ys = Array.from({ length: 8 }, (_, k) => a + b * (k + 1));
        const expected = 12 * a + 174 * b;
        expect(Math.abs((potentialForecast(ys) as number) - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
      }));
    });

    it('is never negative, null exactly when fewer than 2 quarters bought, and scales with the currency', () => {
      fc.assert(fc.property(fc.array(fc.oneof(fc.constant(0), money), { minLength: 8, maxLength: 8 }), fc.constantFrom(2, 0.5, 90.5), (ys, k) => {
        const forecast = potentialForecast(ys);
        expect(forecast === null).toBe(ys.filter((y) => y > 0).length < 2);
        if (forecast === null) return;
        expect(forecast).toBeGreaterThanOrEqual(0);
        const scaled = potentialForecast(ys.map((y) => y * k)) as number;
        expect(Math.abs(scaled - forecast * k)).toBeLessThanOrEqual(1e-6 * Math.max(1, forecast * k));
      }));
    });
  });
});
