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
    expect(Object.keys(first)).toEqual(['id', 'score', 'tier', 'contributions', 'abc', 'xyz', 'revenue12m', 'revenuePrev12m', 'growthYoY', 'ltv', 'romi', 'daysSinceLastWon', 'relationshipYears', 'kpis']);
    expect(Object.keys(first.kpis)).toEqual(['month', 'quarter', 'year']);
    expect(Object.keys(first.kpis.month)).toEqual(['revenue', 'previousRevenue', 'growth', 'wonDeals', 'lostDeals', 'winRate', 'averageDeal', 'cycleDays']);
    expect(Object.keys(first.contributions[0])).toEqual(['criterion', 'value', 'normalized', 'points', 'reason']);
    expect(out.accounts).toHaveLength(8);
    // Rates are fractions, never percentages.
    expect(out.portfolio.year.retentionRate).toBeLessThanOrEqual(1);
  });

  it('prints a readable table in Russian without --json, using the built-in criteria', () => {
    const { code, stdout } = run({ snapshot: join(EXAMPLES, 'portfolio.json'), lang: 'ru' });
    expect(code).toBe(0);
    expect(stdout).toContain('KAM Pilot: портфель на 2026-10-31');
    expect(stdout).toContain('Потенциал 42 млн RUB за 3 года: 84% от цели 50 млн');
    expect(stdout).toContain('KPI портфеля');
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
