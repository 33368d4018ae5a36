import { buildPortfolioReport } from '../../../src/app/reports/build-portfolio-report';
import { toPortfolioView } from '../../../src/ui/portfolio-view.mapper';
import { rulesRef } from '../../../src/app/reports/rules-ref';
import { REPORT_DEFAULTS, account, snapshot, won } from '../core/portfolio-fixture';

const yearReport = (deals: ReturnType<typeof won>[]) =>
  buildPortfolioReport({
    installationId: 'i1',
    granularity: 'year',
    asOf: '2026-11-27',
    snapshot: snapshot({ asOf: '2026-12-31', accounts: [account('a'), account('b')], deals }),
    ...REPORT_DEFAULTS,
  });

describe('portfolio page view: the period picker', () => {
  it('offers no period before the first customer or revenue, newest first, while the trend keeps all 8', () => {
    // Revenue from 2023 on; 2024 has none but lies between real years, so it stays.
    const report = yearReport([won('a', '2023-05-10', 1000), won('a', '2025-03-10', 2000), won('b', '2025-06-10', 500)]);
    const view = toPortfolioView(report, 'en');
    expect(view.trend.map((row) => row.period.start.slice(0, 4))).toEqual(['2018', '2019', '2020', '2021', '2022', '2023', '2024', '2025']);
    expect(view.periods.map((period) => period.start.slice(0, 4))).toEqual(['2025', '2024', '2023']);
    expect(view.periods.every((period) => period.granularity === 'year')).toBe(true);
  });

  it('keeps the report\'s own period when the portfolio has no data at all', () => {
    const view = toPortfolioView(yearReport([]), 'ru');
    expect(view.periods).toEqual([{ granularity: 'year', start: '2025-01-01', end: '2025-12-31' }]);
  });
});

describe('portfolio page view: CRM links and scope', () => {
  const links = {
    card: (installation: { domain: string }, kind: string, id: string) => `https://${installation.domain}/${kind}/${id}`,
    step: () => 'unused',
  };

  it('links each account and at-risk row to its company card, a contact account to the contact', () => {
    const report = { ...yearReport([won('a', '2025-03-10', 2000)]) };
    report.accounts = [...report.accounts, { ...(report.accounts[0] as (typeof report.accounts)[number]), id: 'contact:42', name: 'Person' }];
    report.atRisk = [{ id: 'a', name: 'Account a', ownerId: null, tier: 'key', score: 90, reasons: [] }];
    const view = toPortfolioView(report, 'en', { links, installation: { domain: 'portal.example', clientEndpoint: null } });
    expect(view.accounts.find((row) => row.id === 'a')?.link).toEqual({ entity: 'company', id: 'a', url: 'https://portal.example/company/a' });
    expect(view.accounts.find((row) => row.id === 'contact:42')?.link).toEqual({ entity: 'contact', id: '42', url: 'https://portal.example/contact/42' });
    expect(view.atRisk[0]?.link?.url).toBe('https://portal.example/company/a');
    expect(view.scope).toBe('all');
    expect(toPortfolioView({ ...report, scope: 'own' }, 'en').scope).toBe('own');
    expect(toPortfolioView(report, 'en').accounts[0]?.link).toBeNull();
  });
});

describe('portfolio page view: the criteria named for people, not by their hash', () => {
  const change = (changedAt: string, previousRuleVersion: string, ruleVersion: string) => ({ changedAt, previousRuleVersion, ruleVersion });
  // Defaults (d0) as installed, then A saved on 1 Sep, a rules-only save (A -> A) on 5 Sep, B on 1 Oct, A again on 20 Nov.
  const history = [
    change('2026-11-20T10:00:00Z', 'B', 'A'), change('2026-10-01T08:00:00Z', 'A', 'B'),
    change('2026-09-05T12:00:00Z', 'A', 'A'), change('2026-09-01T14:05:00Z', 'd0', 'A'),
  ];

  it('names a version by the save that brought it in force; a frozen report by the save before its close', () => {
    expect(rulesRef(history, 'B')).toEqual({ version: 'B', savedAt: '2026-10-01T08:00:00Z' });
    expect(rulesRef(history, 'A')).toEqual({ version: 'A', savedAt: '2026-11-20T10:00:00Z' });
    // A Q3 report frozen on 1 Oct with A: the September save, not the later one, and never the rules-only save.
    expect(rulesRef(history, 'A', '2026-10-01T00:10:00Z')).toEqual({ version: 'A', savedAt: '2026-09-01T14:05:00Z' });
    expect(rulesRef(history, 'd0')).toEqual({ version: 'd0', savedAt: null });
    expect(rulesRef([], 'd0')).toEqual({ version: 'd0', savedAt: null });
    expect(rulesRef(history, null)).toBeNull();
  });

  it('puts the criteria in the view as a reference, the frozen mark without a version', () => {
    const report = yearReport([won('a', '2025-03-10', 2000)]);
    const view = toPortfolioView({ ...report, ruleVersion: 'A' }, 'en', null, history);
    expect(view.rules).toEqual({ version: 'A', savedAt: '2026-11-20T10:00:00Z' });
    const frozen = toPortfolioView({ ...report, ruleVersion: 'A', frozen: { version: 1, reason: 'closed', frozenAt: '2026-10-01T00:10:00Z' } }, 'en', null, history);
    expect([frozen.rules?.savedAt, frozen.frozen]).toEqual(['2026-09-01T14:05:00Z', { at: '2026-10-01' }]);
    expect(Object.keys(view)).not.toContain('ruleVersion');
  });
});

describe('portfolio page view: owners', () => {
  it('names an owner the CRM lacks as unknown and keeps every manager row, owners and none alike, never showing a CRM id', () => {
    const report = buildPortfolioReport({
      installationId: 'i1',
      granularity: 'year',
      asOf: '2026-11-27',
      snapshot: snapshot({ asOf: '2026-12-31', accounts: [account('a', { ownerId: '7' }), account('b', { ownerId: '9041' }), account('c', { ownerId: null })], deals: [won('a', '2025-03-10', 3000), won('b', '2025-03-10', 2000), won('c', '2025-03-10', 1000)] }),
      ...REPORT_DEFAULTS,
      users: new Map([['7', 'Ivan Petrov']]),
    });
    const expected = { en: ['Ivan Petrov', 'User not found in the CRM', 'No owner'], ru: ['Ivan Petrov', 'Сотрудник не найден в CRM', 'Не назначен'] };
    for (const lang of ['en', 'ru'] as const) {
      const view = toPortfolioView(report, lang);
      expect(view.managers.map((row) => row.owner.name)).toEqual(expected[lang]);
      // The rows add up to the portfolio.
      expect(view.managers.reduce((sum, row) => sum + row.revenue, 0)).toBe(6000);
      expect(view.accounts.map((row) => row.owner?.name ?? null)).toEqual([expected[lang][0], expected[lang][1], null]);
    }
  });
});
