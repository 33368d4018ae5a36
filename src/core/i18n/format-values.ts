/**
 * Number wording for the engine's reasons and task texts. Russian uses a decimal comma and "млн"/"тыс.".
 * New code formats through ./intl-format.ts and takes its words from ./messages.ts; these stay until
 * the scoring and rules texts move onto the catalogue (their wording is pinned by the engine's tests).
 */
export type Lang = 'ru' | 'en';

const SCALES: Record<Lang, Array<[number, string]>> = {
  en: [[1e9, 'B'], [1e6, 'M'], [1e3, 'K']],
  ru: [[1e9, 'млрд'], [1e6, 'млн'], [1e3, 'тыс.']],
};

/** Up to `digits` decimals, no trailing zeros, thousands grouped; "−" for minus. */
export function formatNumber(value: number, lang: Lang, digits = 2): string {
  const factor = 10 ** digits;
  const rounded = Math.round(Math.abs(value) * factor) / factor;
  const [whole = '0', fraction] = String(rounded).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, lang === 'ru' ? '\u00a0' : ',');
  const text = fraction ? `${grouped}${lang === 'ru' ? ',' : '.'}${fraction}` : grouped;
  return value < 0 && rounded !== 0 ? `−${text}` : text;
}

/** "42 M RUB" / "42 млн RUB"; without a currency "50 M" (the form used for targets). */
export function formatMoney(value: number, lang: Lang, currency?: string): string {
  const abs = Math.abs(value);
  const scale = SCALES[lang].find(([size]) => abs >= size);
  const body = scale ? `${formatNumber(value / scale[0], lang, abs / scale[0] < 100 ? 1 : 0)} ${scale[1]}` : formatNumber(value, lang, 0);
  return currency ? `${body} ${currency}` : body;
}

/** A fraction as a percentage: 0.84 -> "84%"; signed adds "+" to gains (growth). */
export function formatPercent(fraction: number, lang: Lang, signed = false): string {
  const text = `${formatNumber(fraction * 100, lang, Math.abs(fraction) < 0.1 ? 1 : 0)}%`;
  return signed && fraction > 0 ? `+${text}` : text;
}

/** Russian plural: 1 день, 2 дня, 5 дней; fractions take the genitive singular (2,5 дня). */
export function ruPlural(value: number, one: string, few: string, many: string): string {
  if (!Number.isInteger(value)) return few;
  const n = Math.abs(value) % 100;
  if (n >= 11 && n <= 14) return many;
  if (n % 10 === 1) return one;
  return n % 10 >= 2 && n % 10 <= 4 ? few : many;
}

export function formatDays(value: number, lang: Lang): string {
  const n = Math.round(value * 10) / 10;
  const text = formatNumber(n, lang, 1);
  if (lang === 'en') return `${text} ${n === 1 ? 'day' : 'days'}`;
  return `${text} ${ruPlural(n, 'день', 'дня', 'дней')}`;
}

export function formatYears(value: number, lang: Lang): string {
  const n = Math.round(value * 10) / 10;
  const text = formatNumber(n, lang, 1);
  if (lang === 'en') return `${text} ${n === 1 ? 'year' : 'years'}`;
  return `${text} ${ruPlural(n, 'год', 'года', 'лет')}`;
}
