import { i18n as catalogue, type PluralForms } from '../../core/i18n/messages';
import type { Lang, PeriodRef, RulesRef } from '../api-types';

/**
 * The pages' view of the one catalogue (src/core/i18n): their messages (`m`), the shared ones (`t`),
 * and the same Intl formatter the server and the CRM texts use, with "—" for a missing value.
 */
export function createI18n(lang: Lang) {
  const { t, fmt, pages, industry, tier } = catalogue(lang);
  const dash = t('common.none');
  return {
    lang,
    locale: fmt.locale,
    m: pages,
    t,
    fmt,
    industry,
    /** A tier by its label in this language, else the default tiers' name, else its other label (never its code where a name is known). */
    tier,
    /** "12,5 балла" / "12.5 points": the number, then its plural form. */
    count: (forms: PluralForms, n: number) => fmt.count(n, forms, 1),
    /** Exactly `digits` decimals, for columns of scores and rates. */
    number: (n: number | null | undefined, digits = 0) => (n == null ? dash : fmt.number(n, digits, { fixed: true })),
    money: (n: number | null | undefined, currency: string) => (n == null ? dash : fmt.money(n, currency)),
    moneyShort: (n: number, currency: string) => fmt.moneyShort(n, currency),
    percent: (n: number | null | undefined, digits = 0) => fmt.percent(n ?? null, { digits }),
    signed: (n: number | null | undefined, digits = 1) => (n == null ? dash : fmt.number(n, digits, { signed: true })),
    date: (iso: string | null | undefined) => fmt.date(iso ?? null),
    /** A table's date: 15.05.2027 / 05/15/2027. */
    dateShort: (iso: string | null | undefined) => fmt.dateNumeric(iso ?? null),
    /** A moment in the reader's own time zone. */
    dateTime: (iso: string) => fmt.dateTime(iso),
    /** A next-step rule's name; the settings document keys rules by a plain string. */
    ruleName: (key: string) => (pages.ruleName as Partial<Record<string, string>>)[key] ?? key,
    /** "Oct 2026", "Q3 2026", "2025" (ru: "окт. 2026", "3 кв. 2026", "2025"). */
    period: (period: PeriodRef) => fmt.period(period.granularity, period.start),
    /** "Scored with the criteria of Nov 27, 2026, 2:05 PM" (the reader's time zone), or as installed; never the hash. */
    rules: (rules: RulesRef | null) => (rules === null ? dash : rules.savedAt ? pages.rulesSaved(fmt.dateTime(rules.savedAt)) : pages.rulesInitial),
    failure: (status: number) => failureText(pages, status),
  };
}

/**
 * Why a request of the page failed, for the reader, by the answer's HTTP status (0: no answer at
 * all). The server's own message is English and names internals (fields, hosts), so it is never shown.
 */
export function failureText(pages: ReturnType<typeof catalogue>['pages'], status: number): string {
  if (status === 401) return pages.deniedText;
  if (status === 403) return pages.adminOnlyText;
  if (status === 404) return pages.failed.notFound;
  if (status === 429) return pages.failed.tooMany;
  if (status === 503) return pages.unavailable;
  if (status === 0) return pages.failed.offline;
  return status >= 500 ? pages.failed.server : pages.failed.invalid;
}

export type I18n = ReturnType<typeof createI18n>;
