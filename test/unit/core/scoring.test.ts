import { DEFAULT_CRITERIA, evaluatePortfolio, parseCriteriaConfig, ruleVersion, type CriteriaConfig, type CriteriaConfigInput } from '../../../src/core/engine';
import { assignTier, percentileShares, round2 } from '../../../src/core/scoring/score-portfolio';
import { account, snapshot, won } from './portfolio-fixture';

const parse = (input: CriteriaConfigInput): CriteriaConfig => {
  const result = parseCriteriaConfig(input);
  if (!result.ok) throw result.error;
  return result.value;
};
const tiers = [{ id: 'key', minScore: 70 }, { id: 'develop', minScore: 45 }, { id: 'standard', minScore: 0 }];
const single = (criterion: Record<string, unknown>): CriteriaConfig =>
  parse({ criteria: [{ id: 'c', weight: 1, ...criterion }] as CriteriaConfigInput['criteria'], tiers });

/** Scores one account with fields (and optional deals) against one criterion. */
const scoreOf = (config: CriteriaConfig, fields: Record<string, unknown>, lang: 'en' | 'ru' = 'en') => {
  const result = evaluatePortfolio(snapshot({ accounts: [account('a', { fields, industry: 'CONSTRUCTION' })], deals: [] }), config, { lang });
  return result.accounts[0]!;
};

describe('scales (spec section 5)', () => {
  it('linear clamps to [0, 1] and explains itself like the spec example', () => {
    const config = single({ id: 'potential', metric: 'field:potential3y', scale: { type: 'linear', min: 0, max: 50_000_000 } });
    const a = scoreOf(config, { potential3y: 42_000_000 });
    expect(a.contributions[0]).toEqual({
      criterion: 'potential', value: 42_000_000, source: 'primary', normalized: 0.84, points: 84,
      reason: 'Potential ₽42M over 3 years: 84% of the ₽50M target',
    });
    expect(scoreOf(config, { potential3y: 42_000_000 }, 'ru').contributions[0]?.reason).toBe('Потенциал 42\u00a0млн\u00a0₽ за 3 года: 84\u00a0% от цели 50\u00a0млн\u00a0₽');
    // Past the target the points stop at 100%, but the reason shows how far past it the value is.
    expect(scoreOf(config, { potential3y: 80_000_000 })).toMatchObject({
      score: 100,
      contributions: [{ normalized: 1, reason: 'Potential ₽80M over 3 years: 160% of the ₽50M target, full marks' }],
    });
    expect(scoreOf(config, { potential3y: 80_000_000 }, 'ru').contributions[0]?.reason).toBe('Потенциал 80\u00a0млн\u00a0₽ за 3 года: 160\u00a0% от цели 50\u00a0млн\u00a0₽, максимум баллов');
    expect(scoreOf(config, { potential3y: -5 }).score).toBe(0);
  });

  it('linear with min > max inverts', () => {
    const config = single({ metric: 'field:daysLate', scale: { type: 'linear', min: 30, max: 0 } });
    expect(scoreOf(config, { daysLate: 6 }).contributions[0]?.normalized).toBeCloseTo(0.8, 12);
    expect(scoreOf(config, { daysLate: 45 }).score).toBe(0);
    expect(scoreOf(config, { daysLate: 0 }).contributions[0]?.reason).toBe('daysLate 0: 100% (lower is better: full marks at 0, none at 30)');
  });

  it('map reads the value or the default, and says which', () => {
    const config = single({ metric: 'industry', scale: { type: 'map', values: { CONSTRUCTION: 0.9 }, default: 0.3 } });
    expect(scoreOf(config, {}).contributions[0]).toMatchObject({ value: 'CONSTRUCTION', normalized: 0.9, reason: 'Industry Construction: rated 90%' });
    expect(scoreOf(config, {}, 'ru').contributions[0]?.reason).toBe('Отрасль Строительство: оценка 90\u00a0%');
    const other = single({ metric: 'field:segment', scale: { type: 'map', values: { A: 1 }, default: 0.3 } });
    expect(scoreOf(other, { segment: 'B' }, 'ru').contributions[0]?.reason).toBe('segment B: нет в списке, по умолчанию 30\u00a0%');
  });

  it('thresholds: first match wins, else 0', () => {
    const config = single({ metric: 'field:satisfaction', scale: { type: 'thresholds', steps: [{ gte: 8, value: 1 }, { gte: 5, value: 0.5 }] } });
    expect(scoreOf(config, { satisfaction: 9 }).contributions[0]?.normalized).toBe(1);
    expect(scoreOf(config, { satisfaction: 5 }).contributions[0]).toMatchObject({ normalized: 0.5, reason: 'Satisfaction 5: step ≥ 5 gives 50%' });
    expect(scoreOf(config, { satisfaction: 2 }).contributions[0]).toMatchObject({ normalized: 0, reason: 'Satisfaction 2: matches no step, so 0%' });
  });

  it('a missing value gives 0 and the reason says so', () => {
    const config = single({ id: 'potential', metric: 'field:potential3y', scale: { type: 'linear', min: 0, max: 1 } });
    for (const fields of [{}, { potential3y: null }, { potential3y: 'lots' }, { potential3y: { nested: 1 } }]) {
      expect(scoreOf(config, fields).contributions[0]).toMatchObject({ value: fields.potential3y === 'lots' ? 'lots' : null, normalized: 0, points: 0 });
    }
    expect(scoreOf(config, {}).contributions[0]).toMatchObject({ source: 'missing', reason: 'Potential over 3 years: no value, so 0 points; fill in “Potential over 3 years”' });
    expect(scoreOf(config, {}).missingCriteria).toEqual(['potential']);
    expect(scoreOf(config, {}, 'ru').contributions[0]?.reason).toBe('Потенциал за 3 года: нет значения, поэтому 0 баллов; заполните поле «Потенциал за 3 года»');
  });

  it('percentile: 0 lowest, 1 highest, ties share the mean rank, missing values left out', () => {
    expect(percentileShares([10, 20, 20, 40, null])).toEqual([0, 0.5, 0.5, 1, null]);
    expect(percentileShares([5, 5, 5])).toEqual([0.5, 0.5, 0.5]);
    expect(percentileShares([7])).toEqual([0.5]);
  });

  it('reads abc and xyz letters as 1 / 0.5 / 0', () => {
    const config = parse({
      criteria: [
        { id: 'abc', metric: 'abc', weight: 1, scale: { type: 'linear', min: 0, max: 1 } },
        { id: 'xyz', metric: 'xyz', weight: 1, scale: { type: 'linear', min: 0, max: 1 } },
      ],
      tiers,
    });
    const months = Array.from({ length: 12 }, (_, i) => won('a', `${i < 2 ? 2025 : 2026}-${String(((i + 10) % 12) + 1).padStart(2, '0')}-15`, 100));
    const r = evaluatePortfolio(snapshot({ accounts: [account('a')], deals: months }), config, { lang: 'en' });
    expect(r.accounts[0]).toMatchObject({ abc: 'A', xyz: 'X', score: 100 });
    expect(r.accounts[0]?.contributions[0]?.reason).toBe('ABC class A: 100% of the 1 target');
  });
});

describe('score and tiers', () => {
  it('weights criteria and rounds the score to 2 decimals', () => {
    const config = parse({
      criteria: [
        { id: 'p', metric: 'field:p', weight: 2, scale: { type: 'linear', min: 0, max: 3 } },
        { id: 'q', metric: 'field:q', weight: 1, scale: { type: 'linear', min: 0, max: 1 } },
      ],
      tiers,
    });
    const a = scoreOf(config, { p: 1, q: 1 });
    expect(a.score).toBe(55.56); // 100 x (2 x 1/3 + 1) / 3
    expect(a.contributions.map((c) => c.points)).toEqual([(100 * 2 * (1 / 3)) / 3, 100 / 3]);
    expect(round2(1.005)).toBe(1.01);
  });

  it('assigns the first tier whose minScore <= score', () => {
    expect(assignTier(70, tiers, 0, null)).toBe('key');
    expect(assignTier(69.99, tiers, 0, null)).toBe('develop');
    expect(assignTier(0, tiers, 0, null)).toBe('standard');
  });

  it('hysteresis keeps a previous higher tier within h points below its bar', () => {
    expect(assignTier(65, tiers, 5, 'key')).toBe('key');
    expect(assignTier(64.99, tiers, 5, 'key')).toBe('develop');
    expect(assignTier(41, tiers, 5, 'develop')).toBe('develop');
    expect(assignTier(30, tiers, 5, 'key')).toBe('standard');
  });

  it('hysteresis never helps moving up: that needs the plain minScore', () => {
    expect(assignTier(69, tiers, 5, 'develop')).toBe('develop');
    expect(assignTier(70, tiers, 5, 'develop')).toBe('key');
    expect(assignTier(50, tiers, 5, 'standard')).toBe('develop');
    expect(assignTier(66, tiers, 5, 'retired-tier')).toBe('develop');
  });

  it('applies hysteresis from the snapshot previousTier end to end', () => {
    const config = { ...single({ metric: 'field:p', scale: { type: 'linear', min: 0, max: 100 } }), hysteresis: 5 };
    const run = (previousTier: string | null) =>
      evaluatePortfolio(snapshot({ accounts: [account('a', { fields: { p: 67 }, previousTier })], deals: [] }), config, { lang: 'en' }).accounts[0]?.tier;
    expect(run('key')).toBe('key');
    expect(run(null)).toBe('develop');
  });
});

describe('default criteria', () => {
  it('never makes a key account from today\'s revenue alone once a potential is entered', () => {
    const deals = Array.from({ length: 12 }, (_, i) => won('big', `2026-${String(i < 10 ? i + 1 : 10).padStart(2, '0')}-0${(i % 9) + 1}`, 50_000_000));
    const r = evaluatePortfolio(snapshot({ accounts: [account('big', { industry: 'RETAIL', fields: { potential3y: 1_000_000 } })], deals }), DEFAULT_CRITERIA, { lang: 'en' });
    const big = r.accounts[0]!;
    expect(big.contributions.find((c) => c.criterion === 'revenue')?.normalized).toBe(1);
    expect(big.contributions.find((c) => c.criterion === 'potential')?.source).toBe('primary');
    expect(big.tier).not.toBe('key');
    expect(big.score).toBeLessThan(45);
  });

  it('without an entered potential, reads the forecast from consumption and says it is an estimate', () => {
    // 1, 2, ..., 8 M in the 8 quarters 2024-Q4..2026-Q3: the line goes on to 9..20 M, 174 M in all.
    const quarters = ['2024-11-15', '2025-02-15', '2025-05-15', '2025-08-15', '2025-11-15', '2026-02-15', '2026-05-15', '2026-08-15'];
    const deals = quarters.map((day, i) => won('a', day, (i + 1) * 1_000_000));
    const r = evaluatePortfolio(snapshot({ accounts: [account('a', { industry: 'ENERGY' })], deals }), DEFAULT_CRITERIA, { lang: 'en' });
    const a = r.accounts[0]!;
    expect(a.potentialForecast3y).toBe(174_000_000);
    expect(a.contributions.find((c) => c.criterion === 'potential')).toMatchObject({
      value: 174_000_000,
      source: 'fallback',
      normalized: 1,
      reason: 'Potential forecast ₽174M over 3 years: 580% of the ₽30M target, full marks (an estimate from the purchase trend of the last 8 quarters: “Potential over 3 years” is not filled in)',
    });
    expect(a.contributions.find((c) => c.criterion === 'margin')).toMatchObject({
      value: 0.3,
      source: 'fallback',
      reason: 'Margin 30%: 75% of the 40% target (an estimate from the default margin in the settings: “Margin” is not filled in)',
    });
    expect(a.missingCriteria).toEqual([]);
    expect(a.tier).toBe('key');
  });

  it('even a perfect account today without potential stays below the key bar', () => {
    const withoutPotential = DEFAULT_CRITERIA.criteria.filter((c) => c.id !== 'potential').reduce((sum, c) => sum + c.weight, 0);
    const total = DEFAULT_CRITERIA.criteria.reduce((sum, c) => sum + c.weight, 0);
    expect((100 * withoutPotential) / total).toBeLessThan(DEFAULT_CRITERIA.tiers[0]!.minScore);
    const potential = DEFAULT_CRITERIA.criteria.find((c) => c.id === 'potential')!;
    expect(DEFAULT_CRITERIA.criteria.every((c) => c.weight <= potential.weight)).toBe(true);
    expect(parseCriteriaConfig(DEFAULT_CRITERIA).ok).toBe(true);
  });
});

describe('criteria config and rule version', () => {
  it('names the JSON path of every fault', () => {
    const result = parseCriteriaConfig({
      criteria: [
        { id: 'a', metric: 'revenue12m', weight: 'heavy', scale: { type: 'linear', min: 1, max: 1 } },
        { id: 'a', metric: 'bogus', weight: 1, scale: { type: 'curve' } },
      ],
      tiers: [{ id: 'key', minScore: 40 }, { id: 'low', minScore: 50 }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lines = result.error.message.split('\n');
    expect(lines).toEqual(expect.arrayContaining([
      'criteria[0].weight: expected number',
      'criteria[0].scale.max: min and max must differ',
      expect.stringMatching(/^criteria\[1\]\.metric: unknown metric "bogus"; expected one of revenue12m/),
      'criteria[1].scale.type: expected a scale with type "linear", "map", "thresholds" or "percentile"',
    ]));
    const tiersOnly = parseCriteriaConfig({ criteria: [{ id: 'a', metric: 'ltv', weight: 1, scale: { type: 'percentile' } }], tiers: [{ id: 'k', minScore: 40 }, { id: 'k', minScore: 50 }] });
    expect(tiersOnly.ok || tiersOnly.error.message.split('\n')).toEqual([
      'tiers[1].id: duplicate tier id "k"',
      'tiers[1].minScore: must be lower than tiers[0].minScore (40)',
      'tiers[1].minScore: the last tier must have minScore 0 so every account gets a tier',
    ]);
  });

  it('accepts period metrics and rejects unknown ones', () => {
    const ok = parseCriteriaConfig({ criteria: [{ id: 'w', metric: 'quarter.winRate', weight: 1, scale: { type: 'percentile' } }], tiers: [{ id: 's', minScore: 0 }] });
    expect(ok.ok).toBe(true);
    const bad = parseCriteriaConfig({ criteria: [{ id: 'w', metric: 'week.winRate', weight: 1, scale: { type: 'percentile' } }], tiers: [{ id: 's', minScore: 0 }] });
    expect(bad.ok).toBe(false);
  });

  it('is stable: key order and spelled-out defaults do not change it; content does', () => {
    const a: CriteriaConfigInput = { criteria: [{ id: 'x', metric: 'ltv', weight: 1, scale: { type: 'linear', min: 0, max: 10 } }], tiers: [{ id: 's', minScore: 0 }] };
    const reordered: CriteriaConfigInput = { tiers: [{ minScore: 0, id: 's' }], criteria: [{ scale: { max: 10, min: 0, type: 'linear' }, weight: 1, metric: 'ltv', id: 'x' }] };
    const explicit: CriteriaConfigInput = { ...a, hysteresis: 0, settings: DEFAULT_CRITERIA.settings, criteria: [{ ...a.criteria[0]!, label: { en: 'LTV' } }] };
    expect(ruleVersion(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(ruleVersion(reordered)).toBe(ruleVersion(a));
    expect(ruleVersion(explicit)).toBe(ruleVersion(a));
    expect(ruleVersion({ ...a, hysteresis: 1 })).not.toBe(ruleVersion(a));
    expect(ruleVersion({ ...a, tiers: [{ id: 't', minScore: 0 }] })).not.toBe(ruleVersion(a));
    const result = evaluatePortfolio(snapshot({ accounts: [], deals: [] }), parse(a), { lang: 'en' });
    expect(result.ruleVersion).toBe(ruleVersion(a));
  });
});

describe('reasons for values a scale cannot read', () => {
  it('says a text in a numeric field is not a number (0 points), and an absent one has no value', () => {
    const config = single({ id: 'p', metric: 'field:potential3y', weight: 1, scale: { type: 'linear', min: 0, max: 100 } });
    const text = scoreOf(config, { potential3y: 'lots' });
    expect(text.contributions[0]?.normalized).toBe(0);
    expect(text.contributions[0]?.reason).toContain('"lots" is not a number');
    expect(scoreOf(config, { potential3y: 'много' }, 'ru').contributions[0]?.reason).toContain('«много» не число');
    expect(scoreOf(config, {}).contributions[0]?.reason).toContain('no value');
  });
});
