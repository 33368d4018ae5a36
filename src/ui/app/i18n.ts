import { MESSAGES, type Messages, type PluralForms } from '../messages';
import type { Granularity, Lang, PeriodRef } from '../api-types';

/** Texts and Intl formatting for one reader's language: money in ₽ (or the base currency), dates, plurals, periods. */
export function createI18n(lang: Lang) {
  const locale = lang === 'ru' ? 'ru-RU' : 'en-GB';
  const m: Messages = MESSAGES[lang];
  const pluralRules = new Intl.PluralRules(locale);
  const numbers = new Map<string, Intl.NumberFormat>();
  const nf = (key: string, options: Intl.NumberFormatOptions) => {
    let format = numbers.get(key);
    if (!format) numbers.set(key, (format = new Intl.NumberFormat(locale, options)));
    return format;
  };
  const fill = (template: string, vars: Record<string, string | number>) =>
    template.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
  const day = (iso: string) => new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  const dash = '—';
  return {
    lang,
    locale,
    m,
    fill,
    plural: (forms: PluralForms, n: number) =>
      fill(forms[pluralRules.select(n)] ?? forms.other, { n: nf('n1max', { maximumFractionDigits: 1 }).format(n) }),
    number: (n: number | null | undefined, digits = 0) => (n == null ? dash : nf(`n${digits}`, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n)),
    money: (n: number | null | undefined, currency: string) =>
      n == null ? dash : nf(`m${currency}`, { style: 'currency', currency, currencyDisplay: 'narrowSymbol', maximumFractionDigits: 0 }).format(n),
    moneyShort: (n: number, currency: string) =>
      nf(`ms${currency}`, { style: 'currency', currency, currencyDisplay: 'narrowSymbol', notation: 'compact', maximumFractionDigits: 1 }).format(n),
    percent: (n: number | null | undefined, digits = 0) =>
      n == null ? dash : nf(`p${digits}`, { style: 'percent', maximumFractionDigits: digits }).format(n),
    signed: (n: number | null | undefined, digits = 1) =>
      n == null ? dash : nf(`s${digits}`, { signDisplay: 'exceptZero', maximumFractionDigits: digits }).format(n),
    date: (iso: string | null | undefined) =>
      iso ? new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(day(iso)) : dash,
    /** A table's date: 15.05.2027 / 15/05/2027. */
    dateShort: (iso: string | null | undefined) =>
      iso ? new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(day(iso)) : dash,
    /** "Oct 2026", "Q3 2026", "2025" (ru: "окт. 2026", "3 кв. 2026", "2025"). */
    period: (period: PeriodRef) => periodLabel(lang, locale, period.granularity, day(period.start)),
  };
}

function periodLabel(lang: Lang, locale: string, granularity: Granularity, start: Date): string {
  const year = start.getUTCFullYear();
  if (granularity === 'year') return String(year);
  if (granularity === 'quarter') {
    const q = Math.floor(start.getUTCMonth() / 3) + 1;
    return lang === 'ru' ? `${q} кв. ${year}` : `Q${q} ${year}`;
  }
  const month = new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' }).format(start).replace('.', '');
  return `${month} ${year}`;
}

export type I18n = ReturnType<typeof createI18n>;
