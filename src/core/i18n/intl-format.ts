import type { Granularity } from '../model/periods';
import type { Lang } from './format-values';
import type { PluralForms } from './messages.en';

/**
 * Numbers, money, percentages, dates, periods and plurals through `Intl`, one formatter per
 * language. Calendar dates (`YYYY-MM-DD`) are formatted in UTC so no machine time zone moves a day.
 */
export interface Formatter {
  lang: Lang;
  /** Grouped, up to `digits` decimals ("1 234,5" / "1,234.5"). */
  number(value: number, digits?: number): string;
  /** Whole units of the currency: "1 234 567 ₽" / "₽1,234,567". */
  money(value: number, currency: string): string;
  /** Short money: "1,2 млн ₽" / "₽1.2M". */
  moneyShort(value: number, currency: string): string;
  /** A fraction as a percentage (0.843 -> "84%"; under 10% one decimal); signed adds "+" to gains. */
  percent(fraction: number | null, options?: { signed?: boolean }): string;
  /** "31 окт. 2026 г." / "Oct 31, 2026"; "—" for null. */
  date(isoDate: string | null): string;
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
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const numberFormat = (digits: number): Intl.NumberFormat => {
    let format = numberFormats.get(digits);
    if (!format) numberFormats.set(digits, (format = new Intl.NumberFormat(locale, { maximumFractionDigits: digits })));
    return format;
  };
  const plural = new Intl.PluralRules(locale);
  const money = (value: number, currency: string, compact: boolean): string =>
    new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      currencyDisplay: 'narrowSymbol',
      minimumFractionDigits: 0,
      ...(compact ? { notation: 'compact', maximumFractionDigits: 1 } : { maximumFractionDigits: 0 }),
    }).format(value);
  const monthYear = new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' });
  const fullDate = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

  return {
    lang,
    number: (value, digits = 2) => numberFormat(digits).format(value),
    money: (value, currency) => money(value, currency, false),
    moneyShort: (value, currency) => money(value, currency, true),
    percent(fraction, options = {}) {
      if (fraction === null || !Number.isFinite(fraction)) return NONE;
      const digits = Math.abs(fraction) < 0.1 ? 1 : 0;
      return new Intl.NumberFormat(locale, {
        style: 'percent',
        maximumFractionDigits: digits,
        signDisplay: options.signed ? 'exceptZero' : 'auto',
      }).format(fraction);
    },
    date: (isoDate) => (isoDate === null ? NONE : fullDate.format(utc(isoDate))),
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
