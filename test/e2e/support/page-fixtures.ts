import { KamError, fail } from '../../../src/core/errors';
import type { Lang } from '../../../src/core/i18n/format-values';
import { issueText } from '../../../src/core/i18n/issue-text';
import { i18n } from '../../../src/core/i18n/messages';
import type { IssueRule } from '../../../src/core/model/input-issues';
import { describeSettingsPath } from '../../../src/app/settings/settings-diff-labels';
import { describeSettingsValue } from '../../../src/app/settings/settings-diff-values';
import type { PageUseCases } from '../../../src/http/api.routes';
import type {
  AccountView, PeriodRef, PortfolioAccountRow, PortfolioView, RulesRef, SettingsDoc, SettingsHistoryEntry, TierInfo,
} from '../../../src/ui/api-types';

/**
 * Test doubles of the page use cases (account view, portfolio, report, settings): data that
 * satisfies the API types, in the caller's language, so the browser suite exercises the real
 * pages, routes, CSP and frame auth. The settings double validates, previews and saves for real
 * (a weighted sum over fixed per-criterion values), so "what the preview shows is what saving
 * does" can be checked through the page.
 */
const TIER_LABELS: Record<Lang, Record<string, string>> = {
  ru: { key: 'Ключевой', develop: 'Развивать', standard: 'Базовый' },
  en: { key: 'Key account', develop: 'Develop', standard: 'Standard' },
};
const tiersOf = (lang: Lang, doc = INITIAL_SETTINGS): TierInfo[] =>
  doc.tiers.map((tier) => ({ id: tier.id, label: tier.label?.[lang] ?? TIER_LABELS[lang][tier.id] ?? tier.id, minScore: tier.minScore }));
const month = (year: number, m: number): PeriodRef => {
  const end = new Date(Date.UTC(year, m, 0)).toISOString().slice(0, 10);
  return { granularity: 'month', start: `${year}-${String(m).padStart(2, '0')}-01`, end };
};
const quarter = (year: number, q: number): PeriodRef => ({
  granularity: 'quarter', start: `${year}-${String(3 * q - 2).padStart(2, '0')}-01`, end: new Date(Date.UTC(year, 3 * q, 0)).toISOString().slice(0, 10),
});

export function accountView(lang: Lang, entity: 'company' | 'contact' | 'deal'): AccountView {
  const ru = lang === 'ru';
  const months = Array.from({ length: 24 }, (_, i) => month(2024 + Math.floor((10 + i) / 12), ((10 + i) % 12) + 1));
  return {
    asOf: '2026-11-27', baseCurrency: 'RUB', ruleVersion: 'r7', syncing: false, blocked: false,
    account: {
      id: '12', name: ru ? 'ООО «СтройМаш»' : 'StroyMash LLC', industry: ru ? 'Строительство' : 'Construction',
      owner: { id: '3', name: ru ? 'Анна Петрова' : 'Anna Petrova' }, link: { entity: 'company', id: '12', url: 'https://example.bitrix24.ru/crm/company/details/12/' },
      contractEnd: '2027-01-31', satisfaction: 7.5,
    },
    deal: entity === 'deal'
      ? { id: '501', title: ru ? 'Поставка бетона, 2027' : 'Concrete supply, 2027', stage: ru ? 'Переговоры' : 'Negotiation', status: 'open', amount: 4_800_000, currency: 'RUB', closeDate: '2026-12-20',
        link: { entity: 'deal', id: '501', url: 'https://example.bitrix24.ru/crm/deal/details/501/' } }
      : null,
    tiers: tiersOf(lang),
    evaluation: {
      tier: 'develop', score: 63.4, pointsToNextTier: 6.6, nextTier: 'key', abc: 'A', xyz: 'Y',
      reasons: [
        { criterion: 'potential', label: ru ? 'Потенциал' : 'Potential', points: 24, maxPoints: 40, achievement: 0.6, source: 'fallback',
          text: ru ? 'Оценка по выручке: 30 млн ₽ за 3 года, 60% от цели 50 млн ₽' : 'Estimate from revenue: RUB 30 M over 3 years, 60% of the RUB 50 M target' },
        { criterion: 'revenue', label: ru ? 'Выручка 12 мес.' : 'Revenue 12 m', points: 25, maxPoints: 25, achievement: 1.4, source: 'primary',
          text: ru ? 'Выручка за 12 месяцев 28 млн ₽: 140% от цели 20 млн ₽' : 'Revenue over 12 months RUB 28 M: 140% of the RUB 20 M target' },
        { criterion: 'growth', label: ru ? 'Рост' : 'Growth', points: 7.4, maxPoints: 15, achievement: 0.49, source: 'primary',
          text: ru ? 'Рост за год 24%' : 'Year-on-year growth 24%' },
        { criterion: 'industry', label: ru ? 'Отрасль' : 'Industry', points: 7, maxPoints: 10, achievement: null, source: 'primary',
          text: ru ? 'Строительство: приоритетная отрасль' : 'Construction: a priority industry' },
        { criterion: 'margin', label: ru ? 'Маржа' : 'Margin', points: 0, maxPoints: 10, achievement: null, source: 'missing',
          text: ru ? 'Маржа не указана: заполните поле «Маржа»' : 'Margin not entered: fill in the Margin field' },
      ],
    },
    revenueByMonth: months.map((period, i) => ({ period, revenue: 900_000 + 120_000 * i + (i % 3) * 250_000 })),
    scoreHistory: [
      { at: '2026-05-31', score: 41.2, tier: 'standard', ruleVersion: 'r5' },
      { at: '2026-07-31', score: 48.9, tier: 'develop', ruleVersion: 'r6' },
      { at: '2026-09-30', score: 58.1, tier: 'develop', ruleVersion: 'r7' },
      { at: '2026-11-27', score: 63.4, tier: 'develop', ruleVersion: 'r7' },
    ],
    kpis: [
      { period: month(2026, 10), revenue: 3_700_000, previousRevenue: 3_100_000, growth: 0.19, wonDeals: 2, winRate: 0.5 },
      { period: quarter(2026, 3), revenue: 9_800_000, previousRevenue: 8_200_000, growth: 0.2, wonDeals: 5, winRate: 0.62 },
      { period: { granularity: 'year', start: '2025-01-01', end: '2025-12-31' }, revenue: 27_500_000, previousRevenue: 22_000_000, growth: 0.25, wonDeals: 17, winRate: 0.58 },
    ],
    nextSteps: [
      // A Russian portal: its CRM to-dos are in Russian for everyone; their kind is in the reader's language.
      { id: 't1', title: 'Составить план развития для ООО «СтройМаш»', titleLang: 'ru', kind: ru ? 'План по ключевому клиенту' : 'Key account plan', due: '2026-11-20', overdue: true,
        owner: { id: '3', name: ru ? 'Анна Петрова' : 'Anna Petrova' }, link: { entity: 'task', id: '77', url: 'https://example.bitrix24.ru/crm/company/details/12/' } },
      { id: 't2', title: 'Начать переговоры о продлении с ООО «СтройМаш»: договор заканчивается 31 янв. 2027 г.', titleLang: 'ru', kind: ru ? 'Продление договора' : 'Contract renewal', due: '2026-12-05', overdue: false,
        owner: { id: '3', name: ru ? 'Анна Петрова' : 'Anna Petrova' }, link: null },
    ],
    risks: [
      { kind: 'contractEnding', text: ru ? 'Договор заканчивается через 65 дней' : 'The contract ends in 65 days' },
      { kind: 'lowSatisfaction', text: ru ? 'Удовлетворённость снизилась до 7,5' : 'Satisfaction fell to 7.5' },
    ],
  };
}

const OWNERS = [
  { id: '3', ru: 'Анна Петрова', en: 'Anna Petrova' },
  { id: '4', ru: 'Игорь Смирнов', en: 'Igor Smirnov' },
  { id: '5', ru: 'Мария Козлова', en: 'Maria Kozlova' },
];
const INDUSTRIES = [
  { ru: 'Строительство', en: 'Construction' }, { ru: 'Производство', en: 'Manufacturing' },
  { ru: 'Розничная торговля', en: 'Retail' }, { ru: 'Логистика', en: 'Logistics' },
];
const NAMES = ['Альфа', 'Вектор', 'Гранит', 'Дельта', 'Зенит', 'Империал', 'Квант', 'Лидер', 'Меридиан', 'Нева', 'Орион', 'Полюс', 'Ритм', 'Сириус', 'Титан', 'Урал', 'Феникс', 'Хронос', 'Эталон', 'Юпитер'];
const LATIN = ['Alfa', 'Vektor', 'Granit', 'Delta', 'Zenit', 'Imperial', 'Kvant', 'Lider', 'Meridian', 'Neva', 'Orion', 'Polyus', 'Ritm', 'Sirius', 'Titan', 'Ural', 'Feniks', 'Khronos', 'Etalon', 'Yupiter'];
export const ACCOUNT_COUNT = 40;

/** Per account, per criterion: the normalized value s_i the settings double scores with. */
const normalized = (i: number, criterion: number) => ((i * 37 + criterion * 53) % 100) / 100;

function scoreOf(i: number, doc: SettingsDoc): number {
  const total = doc.criteria.reduce((sum, c) => sum + c.weight, 0);
  const sum = doc.criteria.reduce((acc, c, k) => acc + c.weight * normalized(i, CRITERION_IDS.indexOf(c.id) >= 0 ? CRITERION_IDS.indexOf(c.id) : k), 0);
  return total > 0 ? Math.round((10_000 * sum) / total) / 100 : 0;
}
const tierFor = (score: number, doc: SettingsDoc) => doc.tiers.find((tier) => score >= tier.minScore)?.id ?? doc.tiers[doc.tiers.length - 1]?.id ?? '';

function accountRows(lang: Lang, doc: SettingsDoc): PortfolioAccountRow[] {
  return Array.from({ length: ACCOUNT_COUNT }, (_, i) => {
    const owner = OWNERS[i % OWNERS.length]!;
    const score = scoreOf(i, doc);
    const base = (lang === 'ru' ? NAMES : LATIN)[i % NAMES.length]!;
    return {
      id: String(100 + i), name: lang === 'ru' ? `ООО «${base}${i >= 20 ? '-2' : ''}»` : `${base}${i >= 20 ? ' 2' : ''} LLC`,
      link: { entity: 'company', id: String(100 + i), url: null }, owner: { id: owner.id, name: owner[lang] },
      tier: tierFor(score, doc), score, scoreDelta: i % 4 === 0 ? null : ((i % 7) - 3) * 1.5,
      industry: INDUSTRIES[i % INDUSTRIES.length]![lang], abc: (['A', 'B', 'C'] as const)[(i >> 2) % 3]!, xyz: (['X', 'Y', 'Z'] as const)[(i >> 1) % 3]!,
      revenue12m: 1_000_000 + ((i * 7919) % 40) * 450_000, growthYoY: ((i % 9) - 3) / 10, ltv: 5_000_000 + i * 210_000, margin: 0.12 + (i % 5) / 50,
      romi: i % 6 === 0 ? null : 1 + (i % 4) / 2, contractEnd: i % 5 === 0 ? null : `2027-${String((i % 12) + 1).padStart(2, '0')}-15`,
      openSteps: i % 4, overdueSteps: i % 7 === 0 ? 1 : 0,
    };
  });
}

export function portfolioView(lang: Lang, granularity: 'month' | 'quarter' | 'year', asOf: string | null): PortfolioView {
  const periods: PeriodRef[] = granularity === 'quarter'
    ? [quarter(2026, 3), quarter(2026, 2), quarter(2026, 1), quarter(2025, 4), quarter(2025, 3), quarter(2025, 2), quarter(2025, 1), quarter(2024, 4)]
    : granularity === 'month'
      ? Array.from({ length: 8 }, (_, i) => month(2026 - (i >= 10 ? 1 : 0), ((10 - i - 1 + 12) % 12) + 1))
      : [2025, 2024, 2023, 2022, 2021, 2020, 2019, 2018].map((y) => ({ granularity: 'year' as const, start: `${y}-01-01`, end: `${y}-12-31` }));
  const period = periods.find((p) => p.end === asOf) ?? periods[0]!;
  const accounts = accountRows(lang, currentSettings);
  const kpis = (k: number) => ({
    revenue: 52_000_000 + k * 3_100_000, customersStart: 36 + (k % 3), customersEnd: 38 + (k % 2), newCustomers: 3 + (k % 2), lostCustomers: 1 + (k % 2),
    retentionRate: 0.9 + k / 200, churnRate: 0.1 - k / 200, nrr: 1.02 + k / 100, grr: 0.92 + k / 300,
  });
  const distribution: Record<string, number> = {};
  for (const row of accounts) distribution[row.tier] = (distribution[row.tier] ?? 0) + 1;
  const managers = OWNERS.map((owner) => {
    const own = accounts.filter((row) => row.owner?.id === owner.id);
    const byTier: Record<string, number> = {};
    for (const row of own) byTier[row.tier] = (byTier[row.tier] ?? 0) + 1;
    return { owner: { id: owner.id, name: owner[lang] }, byTier, revenue: own.reduce((s, r) => s + r.revenue12m, 0), retentionRate: 0.93,
      openSteps: own.reduce((s, r) => s + r.openSteps, 0), overdueSteps: own.reduce((s, r) => s + r.overdueSteps, 0) };
  });
  return {
    period, scope: 'all' as const, periods, baseCurrency: 'RUB', rules: rulesNow(), frozen: { at: period.end },
    kpis: kpis(7), trend: [...periods].reverse().map((p, k) => ({ period: p, kpis: kpis(k) })),
    tiers: tiersOf(lang, currentSettings), distribution,
    movements: [{ from: 'develop', to: 'key', count: 2 }, { from: 'key', to: 'develop', count: 1 }, { from: 'standard', to: 'develop', count: 3 }, { from: null, to: 'standard', count: 2 }],
    accounts, managers,
    atRisk: accounts.filter((row) => row.tier !== 'standard' && (row.growthYoY ?? 0) < 0).slice(0, 4).map((row) => ({
      accountId: row.id, name: row.name, tier: row.tier, owner: row.owner, link: row.link,
      reasons: [{ kind: 'revenueDrop' as const, text: lang === 'ru' ? `Выручка падает: ${Math.round((row.growthYoY ?? 0) * 100)}% за год` : `Revenue falling: ${Math.round((row.growthYoY ?? 0) * 100)}% year on year` }],
    })),
  };
}

const CRITERION_IDS = ['potential', 'revenue', 'growth', 'industry'];
export const INITIAL_SETTINGS: SettingsDoc = {
  criteria: [
    { id: 'potential', metric: 'field:potential3y', weight: 40, scale: { type: 'linear', min: 0, max: 50_000_000 }, fallback: 'potentialForecast3y', label: { ru: 'Потенциал', en: 'Potential' } },
    { id: 'revenue', metric: 'revenue12m', weight: 25, scale: { type: 'linear', min: 0, max: 20_000_000 } },
    { id: 'growth', metric: 'growthYoY', weight: 15, scale: { type: 'linear', min: -0.5, max: 1 } },
    { id: 'industry', metric: 'industry', weight: 20, scale: { type: 'map', values: { CONSTRUCTION: 1, MANUFACTURING: 1 }, default: 0.3 } },
  ],
  tiers: [
    { id: 'key', minScore: 70, label: { ru: 'Ключевой', en: 'Key account' } },
    { id: 'develop', minScore: 45, label: { ru: 'Развивать', en: 'Develop' } },
    { id: 'standard', minScore: 0, label: { ru: 'Базовый', en: 'Standard' } },
  ],
  hysteresis: 5,
  rules: {
    maxNewTasksPerOwnerPerDay: 5,
    rules: {
      noContact: { enabled: true, cooldownDays: 14, dueInBusinessDays: 1, days: 30, whenNeverContacted: true },
      contractRenewal: { enabled: true, cooldownDays: 30, dueInBusinessDays: 3, days: 60, graceDays: 30 },
      revenueDrop: { enabled: false, cooldownDays: 60, dueInBusinessDays: 5, dropShare: 0.3, minPreviousRevenue: 0 },
    },
  },
  fieldMap: { potential: 'UF_CRM_POTENTIAL', margin: null, satisfaction: null, contractEnd: null, marketingCost: null },
  lang: 'ru',
  summaryPeriod: 'quarter',
};
let currentSettings: SettingsDoc = structuredClone(INITIAL_SETTINGS);
let currentVersion = 'r7';
const history: Array<Omit<SettingsHistoryEntry, 'changes'> & { changes: Change[] }> = [];
/** The criteria in force as the pages name them: saved on 2 June before the suites, or by the suites' own save. */
function rulesNow(): RulesRef {
  return { version: currentVersion, savedAt: history.find((entry) => entry.ruleVersion === currentVersion)?.at ?? '2026-06-02T09:30:00Z' };
}

export function resetSettings(): void {
  currentSettings = structuredClone(INITIAL_SETTINGS);
  currentVersion = 'r7';
  history.length = 0;
}

// As the real use case (src/http/settings-page.ts): each refused field's sentence in the reader's language.
function validate(doc: SettingsDoc, lang: Lang): Record<string, string> {
  const text = (rule: IssueRule) => issueText(i18n(lang), { rule });
  const fields: Record<string, string> = {};
  doc.criteria.forEach((c, i) => {
    if (typeof c.weight !== 'number' || !Number.isFinite(c.weight) || c.weight < 0) fields[`criteria.${i}.weight`] = text({ kind: 'min', limit: 0, inclusive: true });
    if (!c.id) fields[`criteria.${i}.id`] = text({ kind: 'required' });
  });
  doc.tiers.forEach((t, i) => {
    const before = doc.tiers[i - 1];
    if (before && t.minScore >= before.minScore) fields[`tiers.${i}.minScore`] = text({ kind: 'custom', key: 'tierOrder', limit: before.minScore });
  });
  return fields;
}

type Change = Pick<SettingsHistoryEntry['changes'][number], 'path' | 'before' | 'after'>;
function diff(before: unknown, after: unknown, path: string, out: Change[]): void {
  if (typeof before === 'object' && before && typeof after === 'object' && after) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      diff((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key], path ? `${path}.${key}` : key, out);
    }
  } else if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ path, before, after });
}

const invalid = (fields: Record<string, string>) => fail(new KamError('INPUT_INVALID', 'settings are not valid', { details: { fields } }));

export function fixtureUseCases(): PageUseCases {
  const previewOf = (doc: SettingsDoc, lang: Lang) => {
    const counts = { before: {} as Record<string, number>, after: {} as Record<string, number> };
    const moves = [];
    for (let i = 0; i < ACCOUNT_COUNT; i++) {
      const [scoreBefore, scoreAfter] = [scoreOf(i, currentSettings), scoreOf(i, doc)];
      const [from, to] = [tierFor(scoreBefore, currentSettings), tierFor(scoreAfter, doc)];
      counts.before[from] = (counts.before[from] ?? 0) + 1;
      counts.after[to] = (counts.after[to] ?? 0) + 1;
      if (from !== to) {
        const name = accountRows(lang, currentSettings)[i]!.name;
        moves.push({ accountId: String(100 + i), name, from, to, scoreBefore, scoreAfter, reason: lang === 'ru' ? 'Вес критерия «Потенциал» изменился' : 'The weight of Potential changed' });
      }
    }
    return { ruleVersion: `r${Number(currentVersion.slice(1)) + 1}`, counts, moves };
  };
  return {
    accountView: async (caller, query) => accountView(caller.lang, query.entity),
    portfolio: async (caller, query) => portfolioView(caller.lang, query.period, query.asOf),
    report: async (caller, query) => {
      const view = portfolioView(query.lang, query.period, query.asOf);
      const csv = ['id;name;tier;score', ...view.accounts.map((row) => `${row.id};${row.name};${row.tier};${row.score}`)].join('\n');
      return { body: Buffer.from(csv, 'utf8'), filename: `kam-report-${view.period.end}.${query.format}`, contentType: query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' };
    },
    settings: {
      view: async (caller) => ({
        ruleVersion: currentVersion, rules: rulesNow(), settings: structuredClone(currentSettings),
        metrics: [
          { metric: 'field:potential3y', label: caller.lang === 'ru' ? 'Потенциал за 3 года (поле)' : 'Potential over 3 years (field)', kind: 'field' },
          { metric: 'potentialForecast3y', label: caller.lang === 'ru' ? 'Прогноз потенциала за 3 года' : 'Potential forecast, 3 years', kind: 'kpi' },
          { metric: 'revenue12m', label: caller.lang === 'ru' ? 'Выручка за 12 месяцев' : 'Revenue, 12 months', kind: 'kpi' },
          { metric: 'growthYoY', label: caller.lang === 'ru' ? 'Рост за год' : 'Growth, year on year', kind: 'kpi' },
          { metric: 'industry', label: caller.lang === 'ru' ? 'Отрасль' : 'Industry', kind: 'field',
            values: [{ id: 'CONSTRUCTION', label: caller.lang === 'ru' ? 'Строительство' : 'Construction' }, { id: 'MANUFACTURING', label: caller.lang === 'ru' ? 'Производство' : 'Manufacturing' }, { id: 'RETAIL', label: caller.lang === 'ru' ? 'Розница' : 'Retail' }] },
        ],
        crmFields: [{ id: 'UF_CRM_POTENTIAL', label: caller.lang === 'ru' ? 'Потенциал (руб.)' : 'Potential (RUB)', type: 'double' }, { id: 'UF_CRM_NPS', label: 'NPS', type: 'integer' }],
        inputs: ['potential', 'margin', 'satisfaction', 'contractEnd', 'marketingCost'].map((id) => ({
          id, label: ({ potential: ['Потенциал за 3 года', 'Potential over 3 years'], margin: ['Маржа', 'Margin'], satisfaction: ['Удовлетворённость', 'Satisfaction'], contractEnd: ['Окончание договора', 'Contract end'], marketingCost: ['Маркетинговые затраты', 'Marketing cost'] } as Record<string, [string, string]>)[id]![caller.lang === 'ru' ? 0 : 1],
        })),
      }),
      preview: async (caller, input) => {
        const fields = validate(input as SettingsDoc, caller.lang);
        return Object.keys(fields).length ? (invalid(fields)) : { ok: true, value: previewOf(input as SettingsDoc, caller.lang) };
      },
      save: async (caller, input) => {
        const doc = input as SettingsDoc;
        const fields = validate(doc, caller.lang);
        if (Object.keys(fields).length) return invalid(fields);
        const { moves, ruleVersion } = previewOf(doc, caller.lang);
        const changes: Change[] = [];
        diff(currentSettings, doc, '', changes);
        currentSettings = structuredClone(doc);
        currentVersion = ruleVersion;
        history.unshift({ at: '2026-11-27T18:00:00Z', by: { id: '1', name: caller.lang === 'ru' ? 'Администратор портала' : 'Portal administrator' }, ruleVersion, changes });
        return { ok: true, value: { ruleVersion, rules: rulesNow(), moved: moves.length } };
      },
      history: async (caller) => history.map((entry) => ({
        ...entry, changes: entry.changes.map((change) => ({
          ...change, label: describeSettingsPath(change.path, currentSettings, caller.lang),
          beforeText: describeSettingsValue(change.path, change.before, { doc: currentSettings, crmFieldNames: new Map() }, caller.lang),
          afterText: describeSettingsValue(change.path, change.after, { doc: currentSettings, crmFieldNames: new Map() }, caller.lang),
        })),
      })),
    },
  };
}
