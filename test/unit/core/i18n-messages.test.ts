import { en } from '../../../src/core/i18n/messages.en';
import { ru } from '../../../src/core/i18n/messages.ru';
import { i18n, inEveryLanguage } from '../../../src/core/i18n/messages';
import { PAGE_MESSAGES, PORTFOLIO_KPI_KEYS, type PageMessages, type RuleParamKey } from '../../../src/core/i18n/messages.pages';
import type { PortfolioKpis } from '../../../src/core/kpi/kpi-pack';
import { DEFAULT_NEXT_STEP_RULES } from '../../../src/core/rules/next-step-rules-config';

// Compile-time: the labelled parameters are exactly the rules' numbers and switches, so a new
// parameter without a label (or a label for a parameter that is gone) fails `npm run typecheck`.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const labelsCoverEveryParameter: Same<keyof PageMessages['ruleParam'], RuleParamKey> = true;

/** Every leaf of a nested message object, as "a.b" paths with the kind of value found there. */
function leaves(value: unknown, path = ''): string[] {
  if (typeof value === 'function') return [`${path}:function/${value.length}`];
  if (typeof value === 'string') return [`${path}:${value.length > 0 ? 'text' : 'EMPTY'}`];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => leaves(inner, path ? `${path}.${key}` : key));
}

describe('message catalogue', () => {
  it('gives every key in both languages, with the same kind of value and never an empty text', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as Array<keyof typeof en>) {
      expect([key, typeof ru[key]]).toEqual([key, typeof en[key]]);
      if (typeof en[key] === 'string') expect((ru[key] as string).length).toBeGreaterThan(0);
    }
    // Every Russian plural names the forms Intl.PluralRules('ru') can ask for.
    for (const key of Object.keys(ru).filter((k) => k.startsWith('plural.')) as Array<'plural.day'>) {
      expect(Object.keys(ru[key]).sort()).toEqual(['few', 'many', 'one', 'other']);
    }
  });

  it('gives every page message in both languages, with the same parameters, never an empty text', () => {
    const [ruLeaves, enLeaves] = [leaves(PAGE_MESSAGES.ru), leaves(PAGE_MESSAGES.en)];
    const plurals = new Set(['points', 'accountsCount']);
    const withoutPlurals = (list: string[]) => list.filter((leaf) => !plurals.has(leaf.split('.')[0] as string)).sort();
    expect(withoutPlurals(enLeaves)).toEqual(withoutPlurals(ruLeaves));
    expect(ruLeaves.filter((leaf) => leaf.endsWith('EMPTY'))).toEqual([]);
    for (const key of plurals) expect(Object.keys(PAGE_MESSAGES.ru[key as 'points']).sort()).toEqual(['few', 'many', 'one', 'other']);
    // The pages reach their part through the one catalogue, beside the shared messages.
    expect(i18n('en').pages.nextTier('Key account', '12.5 points')).toBe('12.5 points to reach “Key account”');
    expect(i18n('ru').pages.nextTier('Ключевой', i18n('ru').fmt.count(12.5, PAGE_MESSAGES.ru.points, 1))).toBe('До уровня «Ключевой» не хватает 12,5 балла');
  });

  it('labels every parameter of every next-step rule, with a hint, in both languages (no raw key on the page)', () => {
    expect(labelsCoverEveryParameter).toBe(true);
    const shown = Object.values(DEFAULT_NEXT_STEP_RULES.rules).flatMap((rule) =>
      Object.entries(rule).filter(([key, value]) => key !== 'enabled' && (typeof value === 'number' || typeof value === 'boolean')).map(([key]) => key));
    expect(shown).toEqual(expect.arrayContaining(['minForecast', 'topRevenueShare', 'maxPerOwnerPerDay', 'maxShareOfAccounts']));
    for (const lang of ['ru', 'en'] as const) {
      const labels = PAGE_MESSAGES[lang].ruleParam as Record<string, { label: string; hint: string } | undefined>;
      for (const key of shown) {
        expect([lang, key, labels[key]]).toEqual([lang, key, { label: expect.stringMatching(/\S/), hint: expect.stringMatching(/\S/) }]);
        expect(labels[key]!.label).not.toBe(key);
      }
    }
  });

  it('names every portfolio KPI in both languages from the one core catalogue, the pages deriving theirs from it', () => {
    const kpis: Record<keyof PortfolioKpis, number> = { revenue: 0, customersStart: 0, customersEnd: 0, newCustomers: 0, lostCustomers: 0, retentionRate: 0, churnRate: 0, nrr: 0, grr: 0 };
    expect([...PORTFOLIO_KPI_KEYS].sort()).toEqual(Object.keys(kpis).sort());
    for (const key of PORTFOLIO_KPI_KEYS) {
      const [ruName, enName] = [ru[`kpi.${key}`], en[`kpi.${key}`]];
      expect([key, ruName, enName]).toEqual([key, expect.stringMatching(/\S/), expect.stringMatching(/\S/)]);
      // The Russian name is Russian (the acronyms NRR/GRR are the same in both), the English one has no Cyrillic.
      if (ruName !== enName) expect(ruName).toMatch(/[а-яё]/i);
      expect(enName).not.toMatch(/[а-яё]/i);
      expect([key, PAGE_MESSAGES.ru.kpi[key], PAGE_MESSAGES.en.kpi[key]]).toEqual([key, ruName, enName]);
    }
    expect(PAGE_MESSAGES.ru.granularity.quarter).toBe(ru['granularity.quarter']);
    expect(PAGE_MESSAGES.en.granularity).toEqual({ month: en['granularity.month'], quarter: en['granularity.quarter'], year: en['granularity.year'] });
  });

  it('puts parameters in the same order in both languages', () => {
    const both = inEveryLanguage('risk.lowSatisfaction');
    expect(both.en('4', '6')).toBe('satisfaction 4, below 6');
    expect(both.ru('4', '6')).toBe('удовлетворённость 4, ниже 6');
  });

  it('names industries and tiers, falling back to the code only for a portal\'s own entries', () => {
    expect(i18n('ru').industry('MANUFACTURING')).toBe('Производство');
    expect(i18n('en').industry('MANUFACTURING')).toBe('Manufacturing');
    expect(i18n('en').industry('UC_12AB')).toBe('UC_12AB');
    expect(i18n('en').industry(null)).toBe('—');
    const tiers = [{ id: 'key', label: { ru: 'Ключевой клиент', en: 'Key account' } }, { id: 'x' }];
    expect(i18n('ru').tier(tiers, 'key')).toBe('Ключевой клиент');
    expect(i18n('en').tier(tiers, 'x')).toBe('x');
    // A tier saved without a label in the reader's language: the default tiers' name for its id, then its other label.
    const unlabelled = [{ id: 'develop' }, { id: 'standard', label: { ru: 'Базовый' } }, { id: 'vip', label: { en: 'VIP' } }];
    expect(i18n('ru').tier(unlabelled, 'develop')).toBe('Развитие');
    expect(i18n('en').tier(unlabelled, 'standard')).toBe('Standard');
    expect(i18n('ru').tier(unlabelled, 'standard')).toBe('Базовый');
    expect(i18n('ru').tier(unlabelled, 'vip')).toBe('VIP');
  });
});

describe('Intl formatters', () => {
  const ru = i18n('ru').fmt;
  const en = i18n('en').fmt;
  const nbsp = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

  it('labels periods the way people say them', () => {
    expect(en.period('month', '2026-10-01')).toBe('Oct 2026');
    expect(en.period('quarter', '2026-07-01')).toBe('Q3 2026');
    expect(en.period('year', '2025-01-01')).toBe('2025');
    expect(ru.period('month', '2026-10-01')).toBe('окт. 2026');
    expect(ru.period('quarter', '2026-07-01')).toBe('3 кв. 2026');
  });

  it('formats money in roubles, percentages and dates per language', () => {
    expect(nbsp(ru.money(1234567.6, 'RUB'))).toBe('1 234 568 ₽');
    expect(en.money(1234567.6, 'RUB')).toBe('₽1,234,568');
    expect(nbsp(ru.moneyShort(1_250_000, 'RUB'))).toBe('1,3 млн ₽');
    // The one short money form: engine reasons, to-dos and the pages' charts all use it.
    expect(en.moneyShort(42_000_000, 'RUB')).toBe('₽42M');
    expect(nbsp(ru.moneyShort(42_000_000, 'RUB'))).toBe('42 млн ₽');
    expect(en.moneyShort(600_000, 'RUB')).toBe('₽600K');
    expect(nbsp(ru.moneyShort(600_000, 'RUB'))).toBe('600 тыс. ₽');
    expect(en.percent(0.843)).toBe('84%');
    expect(nbsp(ru.percent(0.055))).toBe('5,5 %');
    expect(en.percent(0.2, { signed: true })).toBe('+20%');
    expect(en.percent(null)).toBe('—');
    expect(en.date('2026-12-31')).toBe('Dec 31, 2026');
    expect(nbsp(ru.date('2026-12-31'))).toBe('31 дек. 2026 г.');
    expect(ru.dateNumeric('2026-12-31')).toBe('31.12.2026');
    expect(en.dateNumeric('2026-12-31')).toBe('12/31/2026');
    expect(nbsp(ru.dateTime('2026-12-31T14:05:00Z', 'UTC'))).toBe('31 дек. 2026 г., 14:05');
    expect(en.dateTime('2026-12-31T14:05:00Z', 'UTC')).toBe('Dec 31, 2026, 2:05 PM');
    expect(en.number(72, 1, { fixed: true })).toBe('72.0');
    expect(en.number(-1.25, 1, { signed: true })).toBe('-1.3');
    expect(en.number(3, 1, { signed: true })).toBe('+3');
    expect(en.percent(0.8425, { digits: 1 })).toBe('84.3%');
  });

  it('picks the plural form Intl.PluralRules gives', () => {
    const day = i18n('ru').t('plural.day');
    expect([1, 2, 5, 11, 21, 22].map((n) => ru.count(n, day))).toEqual(['1 день', '2 дня', '5 дней', '11 дней', '21 день', '22 дня']);
    expect(ru.count(2.5, day, 1)).toBe('2,5 дня');
    expect(en.count(1, i18n('en').t('plural.day'))).toBe('1 day');
    expect(en.count(3, i18n('en').t('plural.day'))).toBe('3 days');
    expect([1, 2, 5, 2.5].map((n) => ru.count(n, i18n('ru').t('plural.year'), 1))).toEqual(['1 год', '2 года', '5 лет', '2,5 года']);
    expect(en.count(1.5, i18n('en').t('plural.year'), 1)).toBe('1.5 years');
  });
});
