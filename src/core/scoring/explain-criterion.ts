import { i18n, type Lang } from '../i18n/messages';
import type { Criterion, Scale } from './criteria-config';
import { fillLabel, metricLabel, type Texts } from './metric-labels';
import { defaultUnit, type MetricUnit, type MetricValue } from './metrics';

/** What the scale did with the value, so the sentence can say it. */
export type ScaleOutcome =
  | { kind: 'missing' }
  /** `share` is (v - min) / (max - min) before clamping: above 1 is over-achievement, shown as such. */
  | { kind: 'linear'; share: number }
  | { kind: 'map'; listed: boolean }
  | { kind: 'thresholds'; step: { gte?: number; lte?: number } | null }
  | { kind: 'percentile' };

/**
 * A metric's value as the reader says it, through the catalogue's Intl formatter: money in the
 * short form the pages use ("42 млн ₽" / "₽42M"), percentages, day and year counts with their
 * plural.
 */
function formatValue(value: number | string | boolean, unit: MetricUnit, lang: Lang, currency: string, signed = false): string {
  const { t, fmt } = i18n(lang);
  if (typeof value !== 'number') return String(value);
  switch (unit) {
    case 'money':
      return fmt.moneyShort(value, currency);
    case 'percent':
      return fmt.percent(value, { signed });
    case 'days':
      return fmt.count(value, t('plural.day'), 1);
    case 'years':
      return fmt.count(value, t('plural.year'), 1);
    default:
      return fmt.number(value);
  }
}

/** Where a criterion's value came from (spec section 5). */
export type ValueSource = 'primary' | 'fallback' | 'missing';

export interface Reading {
  /** The value scored: the primary's, the fallback's, or (missing) the primary's raw value. */
  value: MetricValue;
  /** The criterion's own metric value, whatever was scored. */
  primaryValue: MetricValue;
  normalized: number;
  outcome: ScaleOutcome;
  source: ValueSource;
}

export type Explainer = (reading: Reading) => string;

/** A value sentence for one metric under the criterion's scale: "<label with value>: <what the scale made of it>". */
function createValueSentence(args: { metric: string; label: Partial<Texts> | undefined; unit: MetricUnit | undefined; scale: Scale; lang: Lang; currency: string }) {
  const { metric, scale, lang, currency } = args;
  const { t } = i18n(lang);
  const template = metricLabel(metric, lang, args.label);
  const unit = args.unit ?? defaultUnit(metric);
  // Changes read with a sign (+34%); levels such as a margin do not (22%).
  const signed = /growth|romi/i.test(metric);
  const bound = (n: number): string => formatValue(n, unit, lang, currency, signed);
  let linearTail: (pct: string) => string = (pct) => pct;
  if (scale.type === 'linear') {
    const [min, max] = [bound(scale.min), bound(scale.max)];
    if (scale.min > scale.max) linearTail = (pct) => t('reason.inverted')(pct, min, max);
    else if (scale.min === 0) linearTail = (pct) => t('reason.target')(pct, max);
    else linearTail = (pct) => t('reason.range')(pct, min, max);
  }
  const stepText = (step: { gte?: number; lte?: number }): string =>
    [step.gte !== undefined ? `≥ ${bound(step.gte)}` : '', step.lte !== undefined ? `≤ ${bound(step.lte)}` : ''].filter(Boolean).join(t('reason.and'));
  const sentence = (value: number | string | boolean, normalized: number, outcome: ScaleOutcome): string => {
    // An industry reads by its name ("Construction"), not its CRM code, where the catalogue knows it.
    const shown = metric === 'industry' && typeof value === 'string' ? i18n(lang).industry(value) : formatValue(value, unit, lang, currency, signed);
    const subject = fillLabel(template, shown);
    const pct = i18n(lang).fmt.percent(normalized);
    switch (outcome.kind) {
      case 'linear':
        // Past the target the points stop at 100%, but the sentence tells how far past it the value is.
        return `${subject}: ${outcome.share > 1 ? t('reason.fullMarks')(linearTail(i18n(lang).fmt.percent(outcome.share))) : linearTail(pct)}`;
      case 'map':
        return `${subject}: ${outcome.listed ? t('reason.listed')(pct) : t('reason.unlisted')(pct)}`;
      case 'thresholds':
        return `${subject}: ${outcome.step ? t('reason.step')(stepText(outcome.step), pct) : t('reason.noStep')}`;
      case 'percentile':
        return `${subject}: ${t('reason.percentile')(pct)}`;
      case 'missing':
        return `${fillLabel(template, null)}: ${t('reason.notNumber')(String(value).slice(0, 40))}`;
    }
  };
  return { sentence, name: fillLabel(template, null) };
}

/** Why a computed metric has no value (period KPIs by their name after the dot); '' when the catalogue does not say. */
function whyMissing(metric: string, lang: Lang): string {
  const key = metric.includes('.') ? metric.slice(metric.indexOf('.') + 1) : metric;
  return i18n(lang).lookup(`reason.whyMissing.${key}`) ?? '';
}

/** What an estimate rests on, for the metrics that are estimates by nature. */
const estimateBasis = (metric: string, lang: Lang): string => i18n(lang).lookup(`reason.basis.${metric}`) ?? '';

const isEnteredField = (metric: string): boolean => metric.startsWith('field:') || metric === 'industry';

/**
 * Builds the reason writer for one criterion: one plain sentence per account, e.g. "Potential
 * ₽42M over 3 years: 84% of the ₽50M target" / "Потенциал 42 млн ₽ за 3 года: 84 % от цели
 * 50 млн ₽" (spec section 5 asks for a sentence a KAM understands; its wording is an example). An estimate (fallback) says so and what it rests on; a missing value says what
 * to fill in. Labels and bounds are worked out once per criterion, not per account: on 200,000
 * accounts that is most of the scoring time.
 */
export function createExplainer({ criterion, lang, currency }: { criterion: Criterion; lang: Lang; currency: string }): Explainer {
  const { t } = i18n(lang);
  const common = { unit: criterion.unit, scale: criterion.scale, lang, currency };
  const primary = createValueSentence({ metric: criterion.metric, label: criterion.label, ...common });
  const fallback = criterion.fallback === undefined ? null : createValueSentence({ metric: criterion.fallback, label: undefined, ...common });
  const entered = isEnteredField(criterion.metric);
  const fillIn = entered ? t('reason.fillIn')(primary.name) : '';
  const why = whyMissing(criterion.metric, lang);
  const noValue = fallback
    ? `${primary.name}: ${t('reason.neitherValue')(fallback.name, whyMissing(criterion.fallback as string, lang))}${fillIn}`
    : `${primary.name}: ${why && !entered ? t('reason.because')(why) : t('reason.noValue')}${fillIn}`;
  const basis = criterion.fallback === undefined ? '' : estimateBasis(criterion.fallback, lang);

  return ({ value, primaryValue, normalized, outcome, source }) => {
    if (source === 'fallback' && fallback && value !== null) {
      const gap =
        primaryValue === null
          ? entered ? t('reason.primaryNotFilled')(primary.name) : t('reason.primaryUnknown')(primary.name)
          : t('reason.primaryNotNumber')(primary.name, String(primaryValue).slice(0, 40));
      return `${fallback.sentence(value, normalized, outcome)}${t('reason.estimate')(basis, gap)}`;
    }
    if (value === null) return noValue;
    // A value is there but the scale cannot read it (a text in a numeric field): say so, not "no value".
    if (source === 'missing') return `${primary.sentence(value, normalized, { kind: 'missing' })}${fillIn}`;
    return primary.sentence(value, normalized, outcome);
  };
}
