import fc from 'fast-check';
import { evaluatePortfolio, parseCriteriaConfig, type CriteriaConfig, type EvaluationResult, type PortfolioSnapshot, type SnapshotDeal } from '../../../src/core/engine';
import { fromDay, toDay } from '../../../src/core/model/calendar-date';

const parsed = parseCriteriaConfig({
  criteria: [
    { id: 'revenue', metric: 'revenue12m', weight: 3, scale: { type: 'percentile' } },
    { id: 'growth', metric: 'growthYoY', weight: 1, scale: { type: 'linear', min: -0.5, max: 1 } },
    { id: 'abc', metric: 'abc', weight: 1, scale: { type: 'map', values: { A: 1, B: 0.5 } } },
  ],
  tiers: [{ id: 'key', minScore: 70 }, { id: 'other', minScore: 0 }],
});
if (!parsed.ok) throw parsed.error;
const CONFIG: CriteriaConfig = parsed.value;

const FIRST = toDay('2024-01-01');
const LAST = toDay('2026-10-31');
const ACCOUNT_IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

const dealArb = fc
  .record({
    accountId: fc.constantFrom(...ACCOUNT_IDS, 'unknown'),
    amount: fc.integer({ min: 0, max: 2_000_000 }),
    currency: fc.constantFrom('RUB', 'USD'),
    status: fc.constantFrom('won', 'won', 'won', 'lost', 'open'),
    created: fc.integer({ min: FIRST - 60, max: LAST }),
    cycle: fc.integer({ min: 0, max: 90 }),
  })
;

const snapshotArb: fc.Arbitrary<PortfolioSnapshot> = fc
  .record({
    accounts: fc.subarray(ACCOUNT_IDS, { minLength: 1 }),
    deals: fc.array(dealArb, { maxLength: 120 }),
    margins: fc.array(fc.option(fc.double({ min: 0, max: 0.6, noNaN: true }), { nil: undefined }), { minLength: 8, maxLength: 8 }),
    rate: fc.constantFrom(90.5, 2, 0.5, 77.25),
  })
  .map(({ accounts, deals, margins, rate }) => ({
    baseCurrency: 'RUB',
    asOf: '2026-10-31',
    fxRates: [{ currency: 'USD', date: '2025-01-01', rate }],
    accounts: accounts.map((id, i) => ({ id, ownerId: '1', fields: { margin: margins[i], marketingCost: 1000 * (i + 1) } })),
    deals: deals.map((d, i): SnapshotDeal => ({
      id: `d${i}`,
      accountId: d.accountId,
      amount: d.amount,
      currency: d.currency,
      status: d.status as SnapshotDeal['status'],
      createdAt: fromDay(d.created),
      closedAt: d.status === 'open' ? null : fromDay(Math.min(d.created + d.cycle, LAST + 10)),
    })),
  }));

const evaluate = (s: PortfolioSnapshot): EvaluationResult => evaluatePortfolio(s, CONFIG, { lang: 'en' });
const GRANS = ['month', 'quarter', 'year'] as const;

describe('engine properties', () => {
  it('retentionRate + churnRate = 1, both null exactly when S is empty', () => {
    fc.assert(fc.property(snapshotArb, (s) => {
      const r = evaluate(s);
      for (const g of GRANS) {
        const p = r.portfolio[g];
        if (p.customersStart === 0) {
          expect(p.retentionRate).toBeNull();
          expect(p.churnRate).toBeNull();
        } else {
          expect((p.retentionRate as number) + (p.churnRate as number)).toBeCloseTo(1, 12);
          expect(p.customersEnd - p.newCustomers).toBe(p.customersStart - p.lostCustomers);
        }
      }
    }), { numRuns: 150 });
  });

  it('GRR <= 1 and GRR <= NRR', () => {
    fc.assert(fc.property(snapshotArb, (s) => {
      const r = evaluate(s);
      for (const g of GRANS) {
        const { nrr, grr } = r.portfolio[g];
        expect(nrr === null).toBe(grr === null);
        if (grr !== null && nrr !== null) {
          expect(grr).toBeLessThanOrEqual(1);
          expect(grr).toBeLessThanOrEqual(nrr + 1e-12);
        }
      }
    }), { numRuns: 150 });
  });

  it('does not depend on the order of deals and accounts', () => {
    const arb = snapshotArb.chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.shuffledSubarray(s.deals, { minLength: s.deals.length, maxLength: s.deals.length }),
        fc.shuffledSubarray(s.accounts, { minLength: s.accounts.length, maxLength: s.accounts.length }),
      ),
    );
    fc.assert(fc.property(arb, ([s, deals, accounts]) => {
      expect(evaluate({ ...s, deals, accounts })).toEqual(evaluate(s));
    }), { numRuns: 100 });
  });

  it('another base currency scales money and leaves rates unchanged', () => {
    const MONEY = new Set(['revenue', 'previousRevenue', 'averageDeal', 'revenue12m', 'revenuePrev12m', 'ltv', 'potentialForecast3y']);
    const SKIP = new Set(['contributions', 'score', 'tier', 'baseCurrency', 'ruleVersion']);
    const compare = (a: unknown, b: unknown, k: number, key: string, path: string): void => {
      if (typeof a === 'number' && typeof b === 'number') {
        const expected = MONEY.has(key) ? a / k : a;
        if (Math.abs(b - expected) > 1e-9 * Math.max(1, Math.abs(expected))) throw new Error(`${path}: ${b} != ${expected}`);
      } else if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') {
        for (const [child, value] of Object.entries(a)) {
          if (!SKIP.has(child)) compare(value, (b as Record<string, unknown>)[child], k, Array.isArray(a) ? key : child, `${path}.${child}`);
        }
      } else if (a !== b) throw new Error(`${path}: ${String(b)} != ${String(a)}`);
    };
    fc.assert(fc.property(snapshotArb, (s) => {
      // The same portfolio with USD as the base: RUB converts at 1 / rate, costs are restated in USD.
      const k = s.fxRates[0]!.rate;
      const inUsd: PortfolioSnapshot = {
        ...s,
        baseCurrency: 'USD',
        fxRates: [{ currency: 'RUB', date: '2025-01-01', rate: 1 / k }],
        accounts: s.accounts.map((a) => ({ ...a, fields: { ...a.fields, marketingCost: (a.fields.marketingCost as number) / k } })),
      };
      const byId = (r: EvaluationResult) => ({ ...r, accounts: [...r.accounts].sort((x, y) => (x.id < y.id ? -1 : 1)) });
      compare(byId(evaluate(s)), byId(evaluate(inUsd)), k, '', 'result');
    }), { numRuns: 100 });
  });
});
