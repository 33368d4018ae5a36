import type { Lang } from '../i18n/format-values';

/**
 * The wording of score reasons, one table per language with the same keys, so a sentence can
 * never come out half in one language. `name` is a metric's label without its value
 * ("Potential over 3 years").
 */
export interface ReasonTexts {
  noValue: string;
  notNumber: (raw: string) => string;
  fillIn: (name: string) => string;
  /** No value, and the fallback has none either; `why` may be empty. */
  neitherValue: (fallbackName: string, why: string) => string;
  because: (why: string) => string;
  /** Appended to an estimate's reason: what it is based on and why the primary was not used. */
  estimate: (basis: string, primaryGap: string) => string;
  primaryNotFilled: (name: string) => string;
  primaryUnknown: (name: string) => string;
  primaryNotNumber: (name: string, raw: string) => string;
  target: (pct: string, max: string) => string;
  range: (pct: string, min: string, max: string) => string;
  inverted: (pct: string, min: string, max: string) => string;
  fullMarks: (text: string) => string;
  listed: (pct: string) => string;
  unlisted: (pct: string) => string;
  step: (cond: string, pct: string) => string;
  noStep: string;
  percentile: (pct: string) => string;
  and: string;
}

export const REASON_TEXTS: Record<Lang, ReasonTexts> = {
  en: {
    noValue: 'no value, so 0 points',
    notNumber: (raw) => `"${raw}" is not a number, so 0 points`,
    fillIn: (name) => `; fill in “${name}”`,
    neitherValue: (fallbackName, why) => `no value, and no “${fallbackName}” either${why ? ` (${why})` : ''}, so 0 points`,
    because: (why) => `no value (${why}), so 0 points`,
    estimate: (basis, gap) => ` (an estimate${basis}: ${gap})`,
    primaryNotFilled: (name) => `“${name}” is not filled in`,
    primaryUnknown: (name) => `“${name}” has no value`,
    primaryNotNumber: (name, raw) => `“${name}” holds "${raw}", not a number`,
    target: (pct, max) => `${pct} of the ${max} target`,
    range: (pct, min, max) => `${pct} on the scale from ${min} to ${max}`,
    inverted: (pct, min, max) => `${pct} (lower is better: full marks at ${max}, none at ${min})`,
    fullMarks: (text) => `${text}, full marks`,
    listed: (pct) => `rated ${pct}`,
    unlisted: (pct) => `not on the list, default ${pct}`,
    step: (cond, pct) => `step ${cond} gives ${pct}`,
    noStep: 'matches no step, so 0%',
    percentile: (pct) => `percentile rank ${pct} in the portfolio`,
    and: ' and ',
  },
  ru: {
    noValue: 'нет значения, поэтому 0 баллов',
    notNumber: (raw) => `«${raw}» не число, поэтому 0 баллов`,
    fillIn: (name) => `; заполните поле «${name}»`,
    neitherValue: (fallbackName, why) => `нет значения, и «${fallbackName}» тоже нет${why ? ` (${why})` : ''}, поэтому 0 баллов`,
    because: (why) => `нет значения (${why}), поэтому 0 баллов`,
    estimate: (basis, gap) => ` (оценка${basis}: ${gap})`,
    primaryNotFilled: (name) => `поле «${name}» не заполнено`,
    primaryUnknown: (name) => `значение «${name}» неизвестно`,
    primaryNotNumber: (name, raw) => `в поле «${name}» не число: «${raw}»`,
    target: (pct, max) => `${pct} от цели ${max}`,
    range: (pct, min, max) => `${pct} по шкале от ${min} до ${max}`,
    inverted: (pct, min, max) => `${pct} (чем меньше, тем лучше: максимум при ${max}, ноль при ${min})`,
    fullMarks: (text) => `${text}, максимум баллов`,
    listed: (pct) => `оценка ${pct}`,
    unlisted: (pct) => `нет в списке, по умолчанию ${pct}`,
    step: (cond, pct) => `порог ${cond} даёт ${pct}`,
    noStep: 'не попадает ни в один порог, поэтому 0%',
    percentile: (pct) => `процентильный ранг ${pct} в портфеле`,
    and: ' и ',
  },
};

type Texts = Record<Lang, string>;

/** Why a computed metric has no value, keyed by metric (period KPIs by their name after the dot). */
const WHY_MISSING: Record<string, Texts> = {
  potentialForecast3y: {
    en: 'fewer than 2 of the last 8 quarters had purchases, too few for a forecast',
    ru: 'закупки были меньше чем в 2 из последних 8 кварталов, этого мало для прогноза',
  },
  growthYoY: { en: 'no purchases in the 12 months before to compare with', ru: 'нет закупок за предыдущие 12 месяцев для сравнения' },
  growth: { en: 'no revenue in the period before to compare with', ru: 'нет выручки за предыдущий период для сравнения' },
  winRate: { en: 'no deals closed in the period', ru: 'нет закрытых сделок за период' },
  averageDeal: { en: 'no deals won in the period', ru: 'нет выигранных сделок за период' },
  cycleDays: { en: 'no deals won in the period', ru: 'нет выигранных сделок за период' },
  xyz: { en: 'no purchases in the last 12 months', ru: 'нет закупок за последние 12 месяцев' },
  daysSinceLastWon: { en: 'no deal won yet', ru: 'ещё нет выигранных сделок' },
  romi: { en: 'the marketing cost is not filled in', ru: 'не заполнены маркетинговые затраты' },
};

/** What an estimate rests on, for the metrics that are estimates by nature. */
const ESTIMATE_BASIS: Record<string, Texts> = {
  potentialForecast3y: { en: ' from the purchase trend of the last 8 quarters', ru: ' по динамике закупок за последние 8 кварталов' },
  margin: { en: ' from the default margin in the settings', ru: ' по марже по умолчанию из настроек' },
};

export function whyMissing(metric: string, lang: Lang): string {
  const key = metric.includes('.') ? metric.slice(metric.indexOf('.') + 1) : metric;
  return WHY_MISSING[key]?.[lang] ?? '';
}

export function estimateBasis(metric: string, lang: Lang): string {
  return ESTIMATE_BASIS[metric]?.[lang] ?? '';
}
