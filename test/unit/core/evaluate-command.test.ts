import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runEvaluate, type EvaluateCommandOptions } from '../../../src/cli/evaluate.command';

const ROOT = join(__dirname, '..', '..', '..');
const EXAMPLES = join(ROOT, 'docs', 'examples');

function run(options: EvaluateCommandOptions, files: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = runEvaluate(options, {
    readFile: (path) => files[path] ?? readFileSync(path, 'utf8'),
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
  });
  return { code, stdout, stderr };
}

describe('kam evaluate', () => {
  it('prints exactly the spec output shape with --json', () => {
    const { code, stdout, stderr } = run({ snapshot: join(EXAMPLES, 'portfolio.json'), config: join(EXAMPLES, 'criteria.json'), json: true });
    expect(code).toBe(0);
    expect(stderr).toMatch(/1 deal\(s\) name an unknown account and were left out: d78/);
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).toEqual(['asOf', 'baseCurrency', 'periods', 'portfolio', 'accounts', 'ruleVersion', 'unknownAccountDeals']);
    expect(out.periods).toEqual({
      month: { start: '2026-10-01', end: '2026-10-31' },
      quarter: { start: '2026-07-01', end: '2026-09-30' },
      year: { start: '2025-01-01', end: '2025-12-31' },
    });
    expect(Object.keys(out.portfolio.quarter)).toEqual(['customersStart', 'customersEnd', 'newCustomers', 'lostCustomers', 'retentionRate', 'churnRate', 'nrr', 'grr', 'revenue']);
    const first = out.accounts[0];
    expect(Object.keys(first)).toEqual([
      'id', 'score', 'tier', 'contributions', 'abc', 'xyz', 'revenue12m', 'revenuePrev12m', 'growthYoY', 'ltv', 'romi',
      'daysSinceLastWon', 'relationshipYears', 'potentialForecast3y', 'pointsToNextTier', 'missingCriteria', 'kpis',
    ]);
    expect(Object.keys(first.kpis)).toEqual(['month', 'quarter', 'year']);
    expect(Object.keys(first.kpis.month)).toEqual(['revenue', 'previousRevenue', 'growth', 'wonDeals', 'lostDeals', 'winRate', 'averageDeal', 'cycleDays']);
    expect(Object.keys(first.contributions[0])).toEqual(['criterion', 'value', 'source', 'normalized', 'points', 'reason']);
    expect(out.accounts).toHaveLength(9);
    // Rates are fractions, never percentages.
    expect(out.portfolio.year.retentionRate).toBeLessThanOrEqual(1);
  });

  it('shows the forecast, the source of each value, what is missing and the points to the next tier', () => {
    const { stdout } = run({ snapshot: join(EXAMPLES, 'portfolio.json'), config: join(EXAMPLES, 'criteria.json'), json: true });
    const byId = new Map((JSON.parse(stdout).accounts as Array<Record<string, unknown> & { id: string }>).map((a) => [a.id, a]));
    // Kama Chemicals bought 0, 1.2, 1.5, 1.8, 2.1, 2.4, 2.7, 3.3 M in 2024-Q4..2026-Q3: beta = 16.8 / 42 = 0.4 M,
    // alpha = 1.875 - 4.5 x 0.4 = 0.075 M; 12 x 0.075 + 0.4 x (9 + ... + 20) = 70.5 M.
    expect(byId.get('c9')).toMatchObject({
      tier: 'key',
      potentialForecast3y: 70_500_000,
      pointsToNextTier: null,
      missingCriteria: [],
      contributions: expect.arrayContaining([
        expect.objectContaining({ criterion: 'potential', value: 70_500_000, source: 'fallback', normalized: 1, points: 40 }),
      ]),
    });
    // Baltic Foods: no potential entered and no purchase history, no satisfaction score, nothing to grow from.
    expect(byId.get('c7')).toMatchObject({ score: 6, tier: 'standard', potentialForecast3y: null, pointsToNextTier: 39, missingCriteria: ['potential', 'growth', 'satisfaction'] });
    // A falling trend is floored at 0 quarter by quarter, never negative.
    expect(byId.get('c4')).toMatchObject({ potentialForecast3y: 0, pointsToNextTier: 24.6 });
    expect(byId.get('c5')).toMatchObject({ score: 35.3, pointsToNextTier: 9.7, missingCriteria: ['growth', 'satisfaction'] });
  });

  it('prints a readable table in Russian without --json, using the built-in criteria', () => {
    const { code, stdout } = run({ snapshot: join(EXAMPLES, 'portfolio.json'), lang: 'ru' });
    expect(code).toBe(0);
    expect(stdout).toContain('KAM Pilot: портфель на 31 окт. 2026 г.');
    expect(stdout).toContain('Потенциал 42\u00a0млн\u00a0₽ за 3 года: 140\u00a0% от цели 30\u00a0млн\u00a0₽, максимум баллов');
    expect(stdout).toContain('Прогноз потенциала 70,5\u00a0млн\u00a0₽ за 3 года: 235\u00a0% от цели 30\u00a0млн\u00a0₽, максимум баллов (оценка по динамике закупок за последние 8 кварталов: поле «Потенциал за 3 года» не заполнено)');
    // Portfolio KPIs first, periods labelled, tier labels instead of ids, Russian number formats.
    expect(stdout.indexOf('KPI портфеля')).toBeLessThan(stdout.search(/Клиенты \(\d+\)/));
    expect(stdout.search(/Клиенты \(\d+\)/)).toBeGreaterThan(0);
    expect(stdout).toMatch(/Квартал 3 кв\. 2026/);
    expect(stdout).toMatch(/Ключевой клиент\s+\d+,\d+/);
    expect(stdout).not.toMatch(/\bkey\b/);
    expect(stdout).toContain('KPI портфеля');
    // The criteria by where they came from, never by the version hash (which --json keeps for machines).
    expect(stdout).toContain('KAM Pilot: портфель на 31 окт. 2026 г. (базовая валюта RUB, встроенные критерии)');
    const { ruleVersion } = JSON.parse(run({ snapshot: join(EXAMPLES, 'portfolio.json'), json: true }).stdout) as { ruleVersion: string };
    expect(ruleVersion).toMatch(/^[0-9a-f]{6,}$/);
    expect(stdout).not.toContain(ruleVersion);
  });

  it('names a --config file\'s criteria by the file in the table, in English too', () => {
    const config = join(EXAMPLES, 'criteria.json');
    const { stdout } = run({ snapshot: join(EXAMPLES, 'portfolio.json'), config });
    const { ruleVersion } = JSON.parse(run({ snapshot: join(EXAMPLES, 'portfolio.json'), config, json: true }).stdout) as { ruleVersion: string };
    expect(stdout.split('\n')[0]).toBe(`KAM Pilot: portfolio as of Oct 31, 2026 (base currency RUB, the criteria from ${config})`);
    expect(stdout).not.toContain(ruleVersion);
  });

  it('honours --as-of', () => {
    const { stdout } = run({ snapshot: join(EXAMPLES, 'portfolio.json'), asOf: '2026-06-30', json: true });
    expect(JSON.parse(stdout).periods.quarter).toEqual({ start: '2026-04-01', end: '2026-06-30' });
  });

  it.each([
    [{ snapshot: '/nope/missing.json' }, {}, /snapshot \/nope\/missing\.json: cannot read the file \(ENOENT\)/],
    [{ snapshot: 'bad.json' }, { 'bad.json': '{"deals": [' }, /snapshot bad\.json: invalid JSON/],
    [{ snapshot: 'typed.json' }, { 'typed.json': '{"baseCurrency":"RUB","asOf":"2026-10-31","accounts":[],"deals":[{"id":"d","accountId":"a","amount":"5","currency":"RUB","status":"open","createdAt":"2026-01-01"}]}' }, /deals\[0\]\.amount: expected number/],
    [{ snapshot: join(EXAMPLES, 'portfolio.json'), config: 'c.json' }, { 'c.json': '{"criteria":[],"tiers":[]}' }, /config c\.json:\ncriteria: expected at least 1 item/],
    [{ snapshot: join(EXAMPLES, 'portfolio.json'), asOf: '31.10.2026' }, {}, /--as-of: expected date YYYY-MM-DD/],
    [{ snapshot: join(EXAMPLES, 'portfolio.json'), lang: 'de' }, {}, /--lang: expected "ru" or "en"/],
  ])('fails with exit code 1 and the fault on stderr, nothing on stdout (%#)', (options, files, message) => {
    const { code, stdout, stderr } = run({ ...options, json: true } as EvaluateCommandOptions, files as Record<string, string>);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});
