import { en } from '../../../src/core/i18n/messages.en';
import { ru } from '../../../src/core/i18n/messages.ru';
import { i18n, inEveryLanguage } from '../../../src/core/i18n/messages';

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
    expect(en.percent(0.843)).toBe('84%');
    expect(nbsp(ru.percent(0.055))).toBe('5,5 %');
    expect(en.percent(0.2, { signed: true })).toBe('+20%');
    expect(en.percent(null)).toBe('—');
    expect(en.date('2026-12-31')).toBe('Dec 31, 2026');
    expect(nbsp(ru.date('2026-12-31'))).toBe('31 дек. 2026 г.');
  });

  it('picks the plural form Intl.PluralRules gives', () => {
    const day = i18n('ru').t('plural.day');
    expect([1, 2, 5, 11, 21, 22].map((n) => ru.count(n, day))).toEqual(['1 день', '2 дня', '5 дней', '11 дней', '21 день', '22 дня']);
    expect(ru.count(2.5, day, 1)).toBe('2,5 дня');
    expect(en.count(1, i18n('en').t('plural.day'))).toBe('1 day');
    expect(en.count(3, i18n('en').t('plural.day'))).toBe('3 days');
  });
});
