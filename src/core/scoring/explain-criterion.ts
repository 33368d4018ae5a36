import { formatDays, formatMoney, formatNumber, formatPercent, formatYears, type Lang } from '../i18n/format-values';
import type { Criterion } from './criteria-config';
import { fillLabel, metricLabel } from './metric-labels';
import { defaultUnit, type MetricUnit, type MetricValue } from './metrics';

/** What the scale did with the value, so the sentence can say it. */
export type ScaleOutcome =
  | { kind: 'missing' }
  | { kind: 'linear' }
  | { kind: 'map'; listed: boolean }
  | { kind: 'thresholds'; step: { gte?: number; lte?: number } | null }
  | { kind: 'percentile' };

function formatValue(value: number | string | boolean, unit: MetricUnit, lang: Lang, currency?: string, signed = false): string {
  if (typeof value !== 'number') return String(value);
  switch (unit) {
    case 'money':
      return formatMoney(value, lang, currency);
    case 'percent':
      return formatPercent(value, lang, signed);
    case 'days':
      return formatDays(value, lang);
    case 'years':
      return formatYears(value, lang);
    default:
      return formatNumber(value, lang);
  }
}

const TEXT = {
  en: {
    missing: 'no value, so 0 points',
    target: (pct: string, max: string) => `${pct} of the ${max} target`,
    range: (pct: string, min: string, max: string) => `${pct} on the scale from ${min} to ${max}`,
    inverted: (pct: string, min: string, max: string) => `${pct} (lower is better: full marks at ${max}, none at ${min})`,
    listed: (pct: string) => `rated ${pct}`,
    unlisted: (pct: string) => `not on the list, default ${pct}`,
    step: (cond: string, pct: string) => `step ${cond} gives ${pct}`,
    noStep: 'matches no step, so 0%',
    percentile: (pct: string) => `percentile rank ${pct} in the portfolio`,
  },
  ru: {
    missing: 'нет значения, поэтому 0 баллов',
    target: (pct: string, max: string) => `${pct} от цели ${max}`,
    range: (pct: string, min: string, max: string) => `${pct} по шкале от ${min} до ${max}`,
    inverted: (pct: string, min: string, max: string) => `${pct} (чем меньше, тем лучше: максимум при ${max}, ноль при ${min})`,
    listed: (pct: string) => `оценка ${pct}`,
    unlisted: (pct: string) => `нет в списке, по умолчанию ${pct}`,
    step: (cond: string, pct: string) => `порог ${cond} даёт ${pct}`,
    noStep: 'не попадает ни в один порог, поэтому 0%',
    percentile: (pct: string) => `процентильный ранг ${pct} в портфеле`,
  },
};

/**
 * One plain sentence per criterion, e.g. "Potential 42 M RUB over 3 years: 84% of the 50 M
 * target" / "Потенциал 42 млн RUB за 3 года: 84% от цели 50 млн".
 */
export function explainCriterion(args: {
  criterion: Criterion;
  value: MetricValue;
  normalized: number;
  outcome: ScaleOutcome;
  lang: Lang;
  currency: string;
}): string {
  const { criterion, value, normalized, outcome, lang, currency } = args;
  const text = TEXT[lang];
  const template = metricLabel(criterion.metric, lang, criterion.label);
  if (outcome.kind === 'missing' || value === null) return `${fillLabel(template, null)}: ${text.missing}`;
  const unit = criterion.unit ?? defaultUnit(criterion.metric);
  // Changes read with a sign (+34%); levels such as a margin do not (22%).
  const signed = /growth|romi/i.test(criterion.metric);
  const subject = fillLabel(template, formatValue(value, unit, lang, currency, signed));
  const pct = formatPercent(normalized, lang);
  // Bounds are printed without the currency ("50 M"): the value already names it.
  const bound = (n: number): string => formatValue(n, unit, lang, undefined, signed);
  const scale = criterion.scale;
  switch (outcome.kind) {
    case 'linear': {
      if (scale.type !== 'linear') break;
      if (scale.min > scale.max) return `${subject}: ${text.inverted(pct, bound(scale.min), bound(scale.max))}`;
      if (scale.min === 0) return `${subject}: ${text.target(pct, bound(scale.max))}`;
      return `${subject}: ${text.range(pct, bound(scale.min), bound(scale.max))}`;
    }
    case 'map':
      return `${subject}: ${outcome.listed ? text.listed(pct) : text.unlisted(pct)}`;
    case 'thresholds': {
      const step = outcome.step;
      if (!step) return `${subject}: ${text.noStep}`;
      const parts = [step.gte !== undefined ? `≥ ${bound(step.gte)}` : '', step.lte !== undefined ? `≤ ${bound(step.lte)}` : ''];
      return `${subject}: ${text.step(parts.filter(Boolean).join(lang === 'ru' ? ' и ' : ' and '), pct)}`;
    }
    case 'percentile':
      return `${subject}: ${text.percentile(pct)}`;
  }
  return subject;
}
