import fc from 'fast-check';
import { evaluatePortfolio, parseCriteriaConfig, ruleVersion, type CriteriaConfig, type CriteriaConfigInput } from '../../../src/core/engine';
import { pointsToNextTier } from '../../../src/core/scoring/score-portfolio';
import { account, snapshot, won } from './portfolio-fixture';

const parse = (input: CriteriaConfigInput): CriteriaConfig => {
  const result = parseCriteriaConfig(input);
  if (!result.ok) throw result.error;
  return result.value;
};
const tiers = [{ id: 'key', minScore: 70 }, { id: 'develop', minScore: 45 }, { id: 'standard', minScore: 0 }];
/** Potential entered or, failing that, the 3-year revenue estimate `field:estimate`. */
const withFallback = (scale: CriteriaConfigInput['criteria'][number]['scale'] = { type: 'linear', min: 0, max: 100 }): CriteriaConfig =>
  parse({ criteria: [{ id: 'potential', metric: 'field:potential3y', fallback: 'field:estimate', weight: 1, scale }], tiers });

const evaluate = (config: CriteriaConfig, accounts: ReturnType<typeof account>[], lang: 'en' | 'ru' = 'en') =>
  evaluatePortfolio(snapshot({ accounts, deals: [] }), config, { lang });
const one = (config: CriteriaConfig, fields: Record<string, unknown>, lang: 'en' | 'ru' = 'en') => evaluate(config, [account('a', { fields })], lang).accounts[0]!;

describe('criterion fallback (spec section 5)', () => {
  it('uses the criterion\'s own value whenever it is there, even 0', () => {
    expect(one(withFallback(), { potential3y: 40, estimate: 90 }).contributions[0]).toMatchObject({ value: 40, source: 'primary', normalized: 0.4, points: 40 });
    expect(one(withFallback(), { potential3y: 0, estimate: 90 }).contributions[0]).toMatchObject({ value: 0, source: 'primary', normalized: 0 });
  });

  it('reads the fallback with the same scale when the value is absent, null or not a number, and says it is an estimate', () => {
    for (const potential of [undefined, null, 'lots']) {
      const a = one(withFallback(), { potential3y: potential, estimate: 90 });
      expect(a.contributions[0]).toMatchObject({ value: 90, source: 'fallback', normalized: 0.9, points: 90 });
      expect(a.score).toBe(90);
      expect(a.missingCriteria).toEqual([]);
    }
    expect(one(withFallback(), { estimate: 90 }).contributions[0]?.reason).toBe(
      'estimate 90: 90% of the 100 target (an estimate: “Potential over 3 years” is not filled in)',
    );
    expect(one(withFallback(), { potential3y: 'lots', estimate: 90 }).contributions[0]?.reason).toBe(
      'estimate 90: 90% of the 100 target (an estimate: “Potential over 3 years” holds "lots", not a number)',
    );
    expect(one(withFallback(), { estimate: 90 }, 'ru').contributions[0]?.reason).toBe(
      'estimate 90: 90\u00a0% от цели 100 (оценка: поле «Потенциал за 3 года» не заполнено)',
    );
  });

  it('gives 0 with source missing when the fallback has no value either, and says what to fill in', () => {
    const a = one(withFallback(), {});
    expect(a.contributions[0]).toMatchObject({ value: null, source: 'missing', normalized: 0, points: 0 });
    expect(a.missingCriteria).toEqual(['potential']);
    expect(a.contributions[0]?.reason).toBe('Potential over 3 years: no value, and no “estimate” either, so 0 points; fill in “Potential over 3 years”');
    expect(one(withFallback(), {}, 'ru').contributions[0]?.reason).toBe(
      'Потенциал за 3 года: нет значения, и «estimate» тоже нет, поэтому 0 баллов; заполните поле «Потенциал за 3 года»',
    );
  });

  it('a computed metric that is missing says why instead of asking to fill it in', () => {
    const config = parse({ criteria: [{ id: 'g', metric: 'growthYoY', weight: 1, scale: { type: 'linear', min: -0.5, max: 1 } }], tiers });
    expect(one(config, {}).contributions[0]?.reason).toBe('Growth year on year: no value (no purchases in the 12 months before to compare with), so 0 points');
  });

  it('lists missing criteria in config order', () => {
    const config = parse({
      criteria: [
        { id: 'b', metric: 'field:b', weight: 1, scale: { type: 'linear', min: 0, max: 1 } },
        { id: 'a', metric: 'field:a', weight: 1, scale: { type: 'linear', min: 0, max: 1 } },
        { id: 'c', metric: 'field:c', fallback: 'field:a', weight: 1, scale: { type: 'linear', min: 0, max: 1 } },
      ],
      tiers,
    });
    expect(one(config, {}).missingCriteria).toEqual(['b', 'a', 'c']);
    expect(one(config, { a: 1 }).missingCriteria).toEqual(['b']);
  });

  it('ranks entered and estimated values together on a percentile scale', () => {
    const config = withFallback({ type: 'percentile' });
    const r = evaluate(config, [
      account('x', { fields: { potential3y: 10 } }),
      account('y', { fields: { estimate: 20 } }),
      account('z', { fields: { potential3y: 30, estimate: 1 } }),
      account('w', { fields: {} }),
    ]);
    const byId = new Map(r.accounts.map((a) => [a.id, a.contributions[0]]));
    expect(byId.get('x')).toMatchObject({ source: 'primary', normalized: 0 });
    expect(byId.get('y')).toMatchObject({ source: 'fallback', normalized: 0.5 });
    expect(byId.get('z')).toMatchObject({ source: 'primary', normalized: 1 });
    expect(byId.get('w')).toMatchObject({ source: 'missing', normalized: 0 });
  });

  it('reads a fallback\'s letters by the fallback\'s metric (abc: A = 1)', () => {
    const config = parse({ criteria: [{ id: 'cls', metric: 'field:class', fallback: 'abc', weight: 1, scale: { type: 'linear', min: 0, max: 1 } }], tiers });
    const r = evaluatePortfolio(snapshot({ accounts: [account('a')], deals: [won('a', '2026-10-01', 100)] }), config, { lang: 'en' });
    expect(r.accounts[0]?.contributions[0]).toMatchObject({ value: 'A', source: 'fallback', normalized: 1 });
  });

  it('is validated and part of the rule version', () => {
    const bad = parseCriteriaConfig({ criteria: [{ id: 'p', metric: 'field:p', fallback: 'bogus', weight: 1, scale: { type: 'percentile' } }], tiers });
    expect(bad.ok || bad.error.message).toMatch(/^criteria\[0\]\.fallback: unknown metric "bogus"/);
    const base: CriteriaConfigInput = { criteria: [{ id: 'p', metric: 'field:p', weight: 1, scale: { type: 'percentile' } }], tiers };
    const fallback: CriteriaConfigInput = { ...base, criteria: [{ ...base.criteria[0]!, fallback: 'potentialForecast3y' }] };
    expect(ruleVersion(fallback)).not.toBe(ruleVersion(base));
  });

  it('property: an account with the primary value scores exactly as with that value and no fallback', () => {
    const plain = parse({ criteria: [{ id: 'potential', metric: 'field:potential3y', weight: 1, scale: { type: 'linear', min: 0, max: 100 } }], tiers });
    const value = fc.option(fc.double({ min: -50, max: 200, noNaN: true }), { nil: undefined });
    fc.assert(fc.property(value, value, (potential, estimate) => {
      const a = one(withFallback(), { potential3y: potential, estimate });
      const expected = one(plain, { potential3y: potential ?? estimate });
      expect(a.score).toBe(expected.score);
      expect(a.contributions[0]?.normalized).toBe(expected.contributions[0]?.normalized);
      expect(a.contributions[0]?.source).toBe(potential !== undefined ? 'primary' : estimate !== undefined ? 'fallback' : 'missing');
      expect(a.missingCriteria.length).toBe(potential === undefined && estimate === undefined ? 1 : 0);
    }));
  });
});

describe('pointsToNextTier (spec section 5)', () => {
  it('is the plain minScore of the tier above minus the score, 2 decimals; null in the first tier', () => {
    expect(pointsToNextTier(69.99, tiers, 'develop')).toBe(0.01);
    expect(pointsToNextTier(12.345, tiers, 'standard')).toBe(32.66);
    expect(pointsToNextTier(99, tiers, 'key')).toBeNull();
  });

  it('ignores hysteresis: a held key account has none, a held develop account counts from the plain bar', () => {
    const config = { ...parse({ criteria: [{ id: 'p', metric: 'field:p', weight: 1, scale: { type: 'linear', min: 0, max: 100 } }], tiers }), hysteresis: 5 };
    const at = (p: number, previousTier: string | null) => evaluate(config, [account('a', { fields: { p }, previousTier })]).accounts[0]!;
    expect(at(66, 'key')).toMatchObject({ tier: 'key', pointsToNextTier: null });
    expect(at(66, null)).toMatchObject({ tier: 'develop', pointsToNextTier: 4 });
    expect(at(41.5, 'develop')).toMatchObject({ tier: 'develop', pointsToNextTier: 28.5 });
    expect(at(41.5, null)).toMatchObject({ tier: 'standard', pointsToNextTier: 3.5 });
  });
});
