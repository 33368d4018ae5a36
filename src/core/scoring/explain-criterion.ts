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
    notNumber: (raw: string) => `"${raw}" is not a number, so 0 points`,
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
    notNumber: (raw: string) => `«${raw}» не число, поэтому 0 баллов`,
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

export type Explainer = (value: MetricValue, normalized: number, outcome: ScaleOutcome) => string;

/**
 * Builds the reason writer for one criterion: one plain sentence per account, e.g. "Potential
 * 42 M RUB over 3 years: 84% of the 50 M target" / "Потенциал 42 млн RUB за 3 года: 84% от
 * цели 50 млн". Label, unit and scale bounds are worked out once per criterion, not per account:
 * on 200,000 accounts that is most of the scoring time.
 */
export function createExplainer({ criterion, lang, currency }: { criterion: Criterion; lang: Lang; currency: string }): Explainer {
  const text = TEXT[lang];
  const template = metricLabel(criterion.metric, lang, criterion.label);
  const missing = `${fillLabel(template, null)}: ${text.missing}`;
  const unit = criterion.unit ?? defaultUnit(criterion.metric);
  // Changes read with a sign (+34%); levels such as a margin do not (22%).
  const signed = /growth|romi/i.test(criterion.metric);
  // Bounds are printed without the currency ("50 M"): the value already names it.
  const bound = (n: number): string => formatValue(n, unit, lang, undefined, signed);
  const scale = criterion.scale;
  let linearTail: (pct: string) => string = (pct) => pct;
  if (scale.type === 'linear') {
    const [min, max] = [bound(scale.min), bound(scale.max)];
    if (scale.min > scale.max) linearTail = (pct) => text.inverted(pct, min, max);
    else if (scale.min === 0) linearTail = (pct) => text.target(pct, max);
    else linearTail = (pct) => text.range(pct, min, max);
  }
  const stepText = (step: { gte?: number; lte?: number }): string =>
    [step.gte !== undefined ? `≥ ${bound(step.gte)}` : '', step.lte !== undefined ? `≤ ${bound(step.lte)}` : '']
      .filter(Boolean)
      .join(lang === 'ru' ? ' и ' : ' and ');

  return (value, normalized, outcome) => {
    if (value === null) return missing;
    // A value is there but the scale cannot read it (a text in a numeric field): say so, not "no value".
    if (outcome.kind === 'missing') return `${fillLabel(template, null)}: ${text.notNumber(String(value).slice(0, 40))}`;
    const subject = fillLabel(template, formatValue(value, unit, lang, currency, signed));
    const pct = formatPercent(normalized, lang);
    switch (outcome.kind) {
      case 'linear':
        return `${subject}: ${linearTail(pct)}`;
      case 'map':
        return `${subject}: ${outcome.listed ? text.listed(pct) : text.unlisted(pct)}`;
      case 'thresholds':
        return `${subject}: ${outcome.step ? text.step(stepText(outcome.step), pct) : text.noStep}`;
      case 'percentile':
        return `${subject}: ${text.percentile(pct)}`;
    }
  };
}
