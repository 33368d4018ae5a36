import type { DemoPass } from '../../../src/app/demo/run-demo';
import { renderDemoReport, summarizeDemo } from '../../../src/cli/demo-report';
import { DEFAULT_CRITERIA } from '../../../src/core/engine';
import type { AccountSnapshot, EvaluationRun } from '../../../src/core/ports/evaluation-store.port';

const kpis = { customersStart: 10, customersEnd: 12, newCustomers: 3, lostCustomers: 1, retentionRate: 0.9, churnRate: 0.1, nrr: 1.12, grr: 0.85, revenue: 1_234_567 };
const run: EvaluationRun = {
  id: 'r1', installationId: 'i1', asOf: '2026-11-27', ruleVersion: 'v1', accountCount: 3, createdAt: '2026-11-27T00:00:00Z',
  portfolio: {
    baseCurrency: 'RUB',
    periods: { month: { start: '2026-10-01', end: '2026-10-31' }, quarter: { start: '2026-07-01', end: '2026-09-30' }, year: { start: '2025-01-01', end: '2025-12-31' } },
    kpis: { month: kpis, quarter: kpis, year: kpis },
  },
};
const snapshot = (accountId: string, tier: string, score: number): AccountSnapshot => ({
  accountId, asOf: '2026-11-27', score, tier, previousTier: null, ruleVersion: 'v1', kpis: {},
  contributions: [
    { points: 30, reason: 'potential (ru)', reasons: { ru: 'Потенциал большой', en: 'Large potential' } },
    { points: 10, reason: 'growth', reasons: { ru: 'Рост', en: 'Growth' } },
    { points: 1, reason: 'tiny', reasons: { ru: 'Мелочь', en: 'Tiny' } },
  ],
});
const accounts = [snapshot('2', 'develop', 50.5), snapshot('1', 'key', 81.25), snapshot('3', 'standard', 10)];
const names = new Map([['1', 'Alpha'], ['2', 'Beta'], ['3', 'Gamma']]);
const pass: DemoPass = {
  mode: 'full', sync: { companies: 1, contacts: 2, deals: 5 }, evaluated: 3, tiers: {}, seconds: 1.25,
  api: { requests: 11, byPhase: { setup: 3, sync: 4, writeBack: 4 }, byMethod: {}, rejections: {} },
  writes: { fields: 3, comments: 1, todos: 2, closed: 0 },
  ruleVersion: 'v1',
  tierChanges: [],
};

describe('the demo report', () => {
  it('summarises the business content once, in the reader\'s language, for the text and --json alike', () => {
    const summary = summarizeDemo({ lang: 'en', run, accounts, names, tiers: DEFAULT_CRITERIA.tiers });
    expect(summary.portfolio.map((p) => p.label)).toEqual(['Oct 2026', 'Q3 2026', '2025']);
    expect(summary.tiers).toEqual([
      { id: 'key', label: 'Key account', count: 1 },
      { id: 'develop', label: 'Develop', count: 1 },
      { id: 'standard', label: 'Standard', count: 1 },
    ]);
    expect(summary.topAccounts.map((a) => [a.name, a.tierLabel, a.score, a.reasons])).toEqual([
      ['Alpha', 'Key account', 81.25, ['Large potential', 'Growth']],
      ['Beta', 'Develop', 50.5, ['Large potential', 'Growth']],
      ['Gamma', 'Standard', 10, ['Large potential', 'Growth']],
    ]);
  });

  it('prints the portfolio and top accounts first and the telemetry last, with labels, not ids', () => {
    const text = renderDemoReport(summarizeDemo({ lang: 'ru', run, accounts, names, tiers: DEFAULT_CRITERIA.tiers }), [pass], 'amoCRM');
    const at = (needle: string) => {
      const index = text.indexOf(needle);
      expect([needle, index >= 0]).toEqual([needle, true]);
      return index;
    };
    expect(at('KAM Pilot · демо на песочнице amoCRM')).toBeLessThan(at('KPI портфеля'));
    expect(text).not.toContain('Bitrix24');
    expect(at('KPI портфеля')).toBeLessThan(at('Главные клиенты'));
    expect(at('Главные клиенты')).toBeLessThan(at('Запросы и записи (телеметрия)'));
    at('Квартал 3 кв. 2026');
    at('Уровни: Ключевой клиент 1 · Развитие 1 · Стандартный 1');
    at('81,25  Ключевой клиент · Alpha');
    at('· Потенциал большой');
    at('синхронизировано: 1 компания, 2 контакта, 5 сделок');
    expect(text.replace(/\u00a0|\u202f/g, ' ')).toContain('1 234 567 ₽');
    expect(text).not.toMatch(/\b(key|develop|standard)\b/);
  });

  it('counts the telemetry with the catalogue\'s plural forms in both languages (never "1 comments")', () => {
    const one: DemoPass = { ...pass, api: { ...pass.api, requests: 1 }, writes: { fields: 1, comments: 1, todos: 1, closed: 1 } };
    const many: DemoPass = { ...pass, api: { ...pass.api, requests: 21 }, writes: { fields: 5, comments: 2, todos: 0, closed: 3 } };
    const render = (lang: 'ru' | 'en') => renderDemoReport(summarizeDemo({ lang, run, accounts, names, tiers: DEFAULT_CRITERIA.tiers }), [pass, one, many], 'Bitrix24');
    const en = render('en');
    expect(en).toContain('written: 3 fields, 1 comment, 2 to-dos, 0 closed');
    expect(en).toContain('written: 1 field, 1 comment, 1 to-do, 1 closed');
    expect(en).toContain('written: 5 fields, 2 comments, 0 to-dos, 3 closed');
    expect(en).toContain('1 request (setup 3');
    expect(en).toContain('11 requests (setup 3');
    const ru = render('ru');
    expect(ru).toContain('записано: 3 поля, 1 комментарий, 2 дела, закрыто 0');
    expect(ru).toContain('записано: 1 поле, 1 комментарий, 1 дело, закрыто 1');
    expect(ru).toContain('записано: 5 полей, 2 комментария, 0 дел, закрыто 3');
    expect(ru).toContain('1 запрос (настройка 3');
    expect(ru).toContain('21 запрос (настройка 3');
    expect(ru).toContain('11 запросов (настройка 3');
  });
});
