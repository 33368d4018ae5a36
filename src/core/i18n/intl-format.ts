import type { Granularity } from '../model/periods';
import type { Lang } from './format-values';
import type { PluralForms } from './messages.en';

/**
 * Numbers, money, percentages, dates, periods and plurals through `Intl`, one formatter per
 * language. Calendar dates (`YYYY-MM-DD`) are formatted in UTC so no machine time zone moves a day.
 */
export interface Formatter {
  lang: Lang;
  /** The BCP 47 locale the formats use ("ru-RU", "en-US"), for collation and the like. */
  locale: string;
  /** Grouped, up to `digits` decimals ("1 234,5" / "1,234.5"); `fixed` always shows them, `signed` adds "+" to gains. */
  number(value: number, digits?: number, options?: { fixed?: boolean; signed?: boolean }): string;
  /** Whole units of the currency: "1 234 567 ₽" / "₽1,234,567". */
  money(value: number, currency: string): string;
  /** Short money: "1,2 млн ₽" / "₽1.2M". */
  moneyShort(value: number, currency: string): string;
  /** A fraction as a percentage (0.843 -> "84%"; under 10% one decimal unless `digits`); signed adds "+" to gains. */
  percent(fraction: number | null, options?: { signed?: boolean; digits?: number }): string;
  /** "31 окт. 2026 г." / "Oct 31, 2026"; "—" for null. The one date form of prose and CRM texts. */
  date(isoDate: string | null): string;
  /** A table column's date: "31.10.2026" / "10/31/2026"; "—" for null. */
  dateNumeric(isoDate: string | null): string;
  /** A moment (ISO timestamp) with its time: "31 окт. 2026 г., 14:05"; in `timeZone` (the reader's own when left out). */
  dateTime(isoInstant: string, timeZone?: string): string;
  /** "Oct 2026", "Q3 2026", "2025" (ru: "окт. 2026", "3 кв. 2026", "2025") from the period's first day. */
  period(granularity: Granularity, start: string): string;
  /** "5 days" / "5 дней": the number, then the word its plural category takes. */
  count(value: number, forms: PluralForms, digits?: number): string;
}

const LOCALES: Record<Lang, string> = { ru: 'ru-RU', en: 'en-US' };
const NONE = '—';

const utc = (isoDate: string): Date => new Date(`${isoDate.slice(0, 10)}T00:00:00Z`);

export function createFormatter(lang: Lang): Formatter {
  const locale = LOCALES[lang];
  // Building an Intl format costs far more than using one; the engine formats per account, so each is made once.
  const formats = new Map<string, Intl.NumberFormat>();
  const format = (key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat => {
    let made = formats.get(key);
    if (!made) formats.set(key, (made = new Intl.NumberFormat(locale, options)));
    return made;
  };
  const numberFormat = (digits: number): Intl.NumberFormat => format(`n${digits}`, { maximumFractionDigits: digits });
  const plural = new Intl.PluralRules(locale);
  const money = (value: number, currency: string, compact: boolean): string =>
    format(`${compact ? 'ms' : 'm'}${currency}`, {
      style: 'currency',
      currency,
      currencyDisplay: 'narrowSymbol',
      minimumFractionDigits: 0,
      ...(compact ? { notation: 'compact', maximumFractionDigits: 1 } : { maximumFractionDigits: 0 }),
    }).format(value);
  const monthYear = new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' });
  const fullDate = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const numericDate = new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' });

  return {
    lang,
    locale,
    number: (value, digits = 2, options = {}) =>
      options.fixed || options.signed
        ? format(`n${digits}${options.fixed ? 'f' : ''}${options.signed ? 's' : ''}`, {
            maximumFractionDigits: digits,
            minimumFractionDigits: options.fixed ? digits : 0,
            signDisplay: options.signed ? 'exceptZero' : 'auto',
          }).format(value)
        : numberFormat(digits).format(value),
    money: (value, currency) => money(value, currency, false),
    moneyShort: (value, currency) => money(value, currency, true),
    percent(fraction, options = {}) {
      if (fraction === null || !Number.isFinite(fraction)) return NONE;
      const digits = options.digits ?? (Math.abs(fraction) < 0.1 ? 1 : 0);
      const signed = options.signed === true;
      return format(`p${digits}${signed ? 's' : ''}`, {
        style: 'percent',
        maximumFractionDigits: digits,
        signDisplay: signed ? 'exceptZero' : 'auto',
      }).format(fraction);
    },
    date: (isoDate) => (isoDate === null ? NONE : fullDate.format(utc(isoDate))),
    dateNumeric: (isoDate) => (isoDate === null ? NONE : numericDate.format(utc(isoDate))),
    dateTime: (isoInstant, timeZone) =>
      new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(new Date(isoInstant)),
    period(granularity, start) {
      const day = utc(start);
      const year = day.getUTCFullYear();
      if (granularity === 'year') return String(year);
      if (granularity === 'month') return monthYear.format(day).replace(/\s*г\.$/, '');
      const quarter = Math.floor(day.getUTCMonth() / 3) + 1;
      return lang === 'ru' ? `${quarter} кв. ${year}` : `Q${quarter} ${year}`;
    },
    count(value, forms, digits = 0) {
      const rounded = Number(value.toFixed(digits));
      const category = plural.select(rounded);
      return `${numberFormat(digits).format(rounded)} ${forms[category] ?? forms.other}`;
    },
  };
}
