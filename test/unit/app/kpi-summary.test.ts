import { kpiSummaryText } from '../../../src/app/kpi-summary';
import { DEFAULT_CRITERIA, evaluatePortfolio } from '../../../src/core/engine';
import { account, snapshot, won } from '../core/portfolio-fixture';

describe('the KPI summary posted to the CRM', () => {
  const portfolio = snapshot({
    accounts: [account('c1', { name: 'Stroymontazh', industry: 'CONSTRUCTION', fields: { potential3y: 60_000_000 } })],
    deals: [won('c1', '2026-10-05', 1_500_000), won('c1', '2025-10-05', 1_000_000), won('c1', '2026-09-05', 900_000)],
  });
  const evaluation = evaluatePortfolio(portfolio, DEFAULT_CRITERIA, { lang: 'ru', reasonLangs: ['ru', 'en'] });
  const only = evaluation.accounts[0];
  if (!only) throw new Error('no account');

  it('speaks the reader\'s language end to end: labelled month, tier label, Intl money, reasons in that language', () => {
    const en = kpiSummaryText(only, evaluation, DEFAULT_CRITERIA, 'en').split('\n');
    expect(en[0]).toBe('KAM Pilot · summary for Oct 2026');
    expect(en[1]).toMatch(/^Tier: (Key account|Develop|Standard) · score \d+(\.\d+)?$/);
    expect(en[2]).toBe('Revenue this month: ₽1.5M (previous: ₽900K)');
    expect(en.slice(6).every((line) => /^• [A-Z]/.test(line) && !/[а-я]/i.test(line))).toBe(true);
    const ru = kpiSummaryText(only, evaluation, DEFAULT_CRITERIA, 'ru');
    expect(ru).toContain('KAM Pilot · итоги за окт. 2026');
    expect(ru).toContain('Почему такой балл:');
    expect(ru).not.toMatch(/\b(key|develop|standard)\b/);
  });
});
