import { buildPortfolioReport, portfolioTrend, snapshotOf, type ReportInputs } from '../../../src/app/reports/build-portfolio-report';
import { riskText } from '../../../src/app/reports/risk-text';
import { reportVisibleTo, visibleTo } from '../../../src/app/reports/visibility';
import { i18n } from '../../../src/core/i18n/messages';
import { DEFAULT_CRITERIA, DEFAULT_NEXT_STEP_RULES, parseCriteriaConfig, type CriteriaConfig } from '../../../src/core/engine';
import { account, snapshot, won } from '../core/portfolio-fixture';

/** One criterion, revenue 12 m on 0..100, so every score below is worked out by hand. */
const parsed = parseCriteriaConfig({
  criteria: [{ id: 'revenue', metric: 'revenue12m', weight: 1, scale: { type: 'linear', min: 0, max: 100 } }],
  tiers: [
    { id: 'key', minScore: 70, label: { en: 'Key account', ru: 'Ключевой клиент' } },
    { id: 'develop', minScore: 30 },
    { id: 'standard', minScore: 0 },
  ],
  hysteresis: 0,
});
if (!parsed.ok) throw parsed.error;
const criteria: CriteriaConfig = parsed.value;

// P = Q3 2026, P' = Q2 2026. a grows, b's 2025-08 deal leaves its trailing year, c is new in Q3.
const portfolio = snapshot({
  accounts: [
    account('a', { ownerId: '7', industry: 'IT', fields: { contractEnd: '2026-11-15', satisfaction: 9 } }),
    account('b', { ownerId: '8', fields: { satisfaction: 4 } }),
    account('c', { ownerId: '7' }),
  ],
  deals: [won('a', '2026-01-15', 80), won('a', '2026-08-10', 100), won('b', '2025-08-10', 50), won('b', '2026-05-10', 40), won('c', '2026-09-01', 20)],
});

const inputs = (overrides: Partial<ReportInputs> = {}): ReportInputs => ({
  installationId: 'i1',
  granularity: 'quarter',
  asOf: '2026-10-31',
  snapshot: portfolio,
  criteria,
  rules: DEFAULT_NEXT_STEP_RULES,
  openSteps: [
    { accountId: 'a', dueDate: '2026-11-01' },
    { accountId: 'a', dueDate: '2026-12-01' },
  ],
  users: new Map([['7', 'Anna'], ['8', 'Boris']]),
  today: '2026-11-27',
  generatedAt: '2026-11-27T10:00:00.000Z',
  ...overrides,
});

describe('buildPortfolioReport', () => {
  const report = buildPortfolioReport(inputs());
  const row = (id: string) => report.accounts.find((r) => r.id === id);

  it('reports the latest complete quarter with the engine portfolio KPIs', () => {
    expect(report.period).toEqual({ start: '2026-07-01', end: '2026-09-30' });
    expect(report.previousPeriod).toEqual({ start: '2026-04-01', end: '2026-06-30' });
    // S = {a, b}, E = {a, b, c}: c is new; Q3 revenue 100 + 20; NRR (100 + 0) / (0 + 40); GRR 0 / 40.
    expect(report.kpis).toEqual({ customersStart: 2, customersEnd: 3, newCustomers: 1, lostCustomers: 0, retentionRate: 1, churnRate: 0, nrr: 2.5, grr: 0, revenue: 120 });
    expect(report.trend.map((t) => t.period.start)).toEqual(['2024-10-01', '2025-01-01', '2025-04-01', '2025-07-01', '2025-10-01', '2026-01-01', '2026-04-01', '2026-07-01']);
    expect(report.trend.map((t) => t.kpis.revenue)).toEqual([0, 0, 0, 50, 0, 80, 40, 120]);
    expect(report.trend[7]?.kpis).toEqual(report.kpis);
  });

  it('scores as of the period end, with the score and tier at the end of the previous period', () => {
    expect(report.accounts.map((r) => [r.id, r.tier, r.score, r.previousTier, r.previousScore, r.scoreChange])).toEqual([
      ['a', 'key', 100, 'key', 80, 20],
      ['b', 'develop', 40, 'key', 90, -50],
      ['c', 'standard', 20, 'standard', 0, 20],
    ]);
    expect(row('a')).toMatchObject({ name: 'Account a', ownerName: 'Anna', industry: 'IT', revenue: 100, previousRevenue: 0, revenue12m: 180, openSteps: 2, overdueSteps: 1, contractEnd: '2026-11-15' });
    expect(row('a')?.margin).toBe(DEFAULT_CRITERIA.settings.defaultMargin);
  });

  it('counts the tiers and the moves between them', () => {
    expect(report.tiers.distribution).toEqual({ key: 1, develop: 1, standard: 1 });
    expect(report.tiers.movements).toEqual([
      { from: 'key', to: 'key', count: 1 },
      { from: 'key', to: 'develop', count: 1 },
      { from: 'standard', to: 'standard', count: 1 },
    ]);
    expect(report.tiers.previousRuleVersion).toBe(report.ruleVersion);
  });

  it('takes the standing at the end of P\' from a frozen report when there is one, with its rule version', () => {
    const withFrozen = buildPortfolioReport(inputs({ previous: { ruleVersion: 'old', accounts: new Map([['b', { tier: 'develop', score: 50 }]]) } }));
    const b = withFrozen.accounts.find((r) => r.id === 'b');
    expect(b).toMatchObject({ previousTier: 'develop', previousScore: 50, scoreChange: -10 });
    expect(withFrozen.accounts.find((r) => r.id === 'a')).toMatchObject({ previousTier: null, previousScore: null, scoreChange: null });
    expect(withFrozen.tiers.movements).toContainEqual({ from: null, to: 'key', count: 1 });
    expect(withFrozen.tiers.previousRuleVersion).toBe('old');
  });

  it('rolls up per manager with the retention of their own accounts', () => {
    expect(report.managers).toEqual([
      { ownerId: '7', ownerName: 'Anna', accounts: 2, byTier: { key: 1, develop: 0, standard: 1 }, revenue: 120, revenue12m: 200, retentionRate: 1, openSteps: 2, overdueSteps: 1 },
      { ownerId: '8', ownerName: 'Boris', accounts: 1, byTier: { key: 0, develop: 1, standard: 0 }, revenue: 0, revenue12m: 40, retentionRate: 1, openSteps: 0, overdueSteps: 0 },
    ]);
  });

  it('lists key and develop accounts at risk with their reasons, never the last tier', () => {
    expect(report.atRisk).toEqual([
      { id: 'a', name: 'Account a', ownerId: '7', tier: 'key', score: 100, reasons: [{ kind: 'contractEnding', contractEnd: '2026-11-15', daysLeft: 46 }] },
      { id: 'b', name: 'Account b', ownerId: '8', tier: 'develop', score: 40, reasons: [{ kind: 'lowSatisfaction', satisfaction: 4, below: 6 }] },
    ]);
  });

  it('shows a manager their own accounts and an admin all', () => {
    const own = (ids: string[]) => portfolioTrend(snapshotOf(portfolio, new Set(ids)), criteria, 'quarter', report.period.end);
    const mine = reportVisibleTo(report, { userId: '8', isAdmin: false }, own(['b']));
    expect(mine.scope).toBe('own');
    expect(mine.accounts.map((r) => r.id)).toEqual(['b']);
    expect(mine.managers.map((m) => m.ownerId)).toEqual(['8']);
    expect(mine.atRisk.map((r) => r.id)).toEqual(['b']);
    const admin = reportVisibleTo(report, { userId: '8', isAdmin: true }, own(['b']));
    expect(admin.accounts).toHaveLength(3);
    expect(admin.scope).toBeUndefined();
    expect(admin.kpis).toEqual(report.kpis);
    expect(visibleTo([{ ownerId: null }], { userId: 'x', isAdmin: false })).toEqual([]);
  });

  it('computes a manager\'s KPIs, trend and tiers over their own accounts only', () => {
    // Over all accounts the subset trend is the report's own: the same engine formulas.
    expect(portfolioTrend(portfolio, criteria, 'quarter', report.period.end)).toEqual(report.trend);
    const anna = reportVisibleTo(report, { userId: '7', isAdmin: false }, portfolioTrend(snapshotOf(portfolio, new Set(['a', 'c'])), criteria, 'quarter', report.period.end));
    // Anna owns a and c: S = {a}, E = {a, c}; Q3 revenue 100 + 20; Q1 2026 holds a's 80 only.
    expect(anna.kpis).toMatchObject({ customersStart: 1, customersEnd: 2, newCustomers: 1, lostCustomers: 0, revenue: 120 });
    expect(anna.trend.map((t) => t.kpis.revenue)).toEqual([0, 0, 0, 0, 0, 80, 0, 120]);
    expect(anna.trend[7]?.kpis).toEqual(anna.kpis);
    expect(anna.tiers.distribution).toEqual({ key: 1, develop: 0, standard: 1 });
    expect(anna.tiers.movements).toEqual([{ from: 'key', to: 'key', count: 1 }, { from: 'standard', to: 'standard', count: 1 }]);
  });
});

describe('risk sentences', () => {
  it('say each reason in the reader\'s language with Intl dates, percentages and plurals', () => {
    const nbsp = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');
    expect(riskText({ kind: 'contractEnding', contractEnd: '2026-11-15', daysLeft: 46 }, i18n('en'))).toBe('contract ends Nov 15, 2026, in 46 days');
    expect(nbsp(riskText({ kind: 'contractEnding', contractEnd: '2026-11-15', daysLeft: 21 }, i18n('ru')))).toBe('договор заканчивается 15 нояб. 2026 г., через 21 день');
    expect(riskText({ kind: 'contractEnding', contractEnd: '2026-08-01', daysLeft: -60 }, i18n('en'))).toBe('contract expired on Aug 1, 2026 and is not renewed');
    expect(riskText({ kind: 'revenueFalling', growthYoY: -0.42 }, i18n('en'))).toBe('revenue over 12 months fell 42%');
    expect(riskText({ kind: 'noRecentWin', daysSinceLastWon: null }, i18n('ru'))).toBe('ещё нет выигранных сделок');
    expect(riskText({ kind: 'noRecentWin', daysSinceLastWon: 201 }, i18n('ru'))).toBe('нет выигранных сделок 201 день');
  });
});
