/**
 * One voice for text: every user-facing string of KAM Pilot, in Russian and English.
 *
 * How to use it (server, CLI, pages, CRM texts):
 *   const { t, fmt } = i18n(lang);
 *   t('kpi.revenue')                        // a plain message
 *   t('risk.contractEnding')(fmt.date(d), fmt.count(45, t('plural.day')))   // a message with parameters
 *   fmt.money(1250000, 'RUB'), fmt.percent(0.84), fmt.period('quarter', '2026-07-01')
 *   pages.nextTier(tier, fmt.count(12.5, pages.points, 1))   // the pages' part (./messages.pages.ts)
 *
 * How to add a message: add the key to messages.en.ts (the reference key set), then the same
 * key to messages.ru.ts; the compiler refuses a language that misses a key or takes other
 * parameters. Numbers, money, dates, periods and plurals never go into a message as text made
 * by hand: format them with `fmt` (./intl-format.ts, built on Intl) and pass the result in.
 * Parameters are named and ordered the same in both languages, so no (ru, en) / (en, ru) pair
 * can put the wrong language in front of a user.
 */
import type { Lang } from './format-values';
import { createFormatter, type Formatter } from './intl-format';
import { en, type MessageCatalogue, type MessageKey } from './messages.en';
import { PAGE_MESSAGES, type PageMessages } from './messages.pages';
import { ru } from './messages.ru';

export type { MessageCatalogue, MessageKey, PluralForms } from './messages.en';
export type { Formatter } from './intl-format';
export type { PageMessages } from './messages.pages';
export type { Lang } from './format-values';

const CATALOGUES: Record<Lang, MessageCatalogue> = { en, ru };

export const LANGS: readonly Lang[] = ['ru', 'en'];

export function isLang(value: unknown): value is Lang {
  return value === 'ru' || value === 'en';
}

export interface I18n {
  lang: Lang;
  t: <K extends MessageKey>(key: K) => MessageCatalogue[K];
  fmt: Formatter;
  /** The pages' messages (card tab, portfolio, settings), checked for parity like the rest. */
  pages: PageMessages;
  /** A plain message whose key is built at run time (a metric's label, why a KPI is missing); null when there is none. */
  lookup(key: string): string | null;
  /** The catalogue's name for an industry code; the code itself when the catalogue has none (a portal's own entry). */
  industry(code: string | null): string;
  /**
   * A tier's label in this language, from the criteria config; without one, the default tiers' name
   * for its id, then its label in the other language; its id only when there is none of these.
   */
  tier(tiers: ReadonlyArray<{ id: string; label?: Partial<Record<Lang, string>> | undefined }>, id: string | null): string;
}

const cache = new Map<Lang, I18n>();

export function i18n(lang: Lang): I18n {
  const cached = cache.get(lang);
  if (cached) return cached;
  const catalogue = CATALOGUES[lang];
  const t = <K extends MessageKey>(key: K): MessageCatalogue[K] => catalogue[key];
  const made: I18n = {
    lang,
    t,
    fmt: createFormatter(lang),
    pages: PAGE_MESSAGES[lang],
    lookup(key) {
      const text = catalogue[key as MessageKey] as unknown;
      return typeof text === 'string' ? text : null;
    },
    industry(code) {
      if (code === null || code === '') return catalogue['common.none'];
      const key = `industry.${code}` as MessageKey;
      const name = catalogue[key] as unknown;
      return typeof name === 'string' ? name : code;
    },
    tier(tiers, id) {
      if (id === null) return catalogue['common.none'];
      const label = tiers.find((candidate) => candidate.id === id)?.label;
      const standard = catalogue[`tier.${id}` as MessageKey] as unknown;
      return label?.[lang] || (typeof standard === 'string' ? standard : null) || label?.[lang === 'ru' ? 'en' : 'ru'] || id;
    },
  };
  cache.set(lang, made);
  return made;
}

/** Both languages of one message, for records that carry every language (CRM texts, frozen reports). */
export function inEveryLanguage<K extends MessageKey>(key: K): Record<Lang, MessageCatalogue[K]> {
  return { ru: ru[key], en: en[key] };
}

