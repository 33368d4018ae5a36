import type { Lang } from '../i18n/format-values';
import type { CriteriaConfig, Criterion, Scale, TierDefinition } from './criteria-config';
import { createExplainer, type ScaleOutcome, type ValueSource } from './explain-criterion';
import { isReadable, numericValue, readMetric, type MetricSource, type MetricValue } from './metrics';

export interface Contribution {
  criterion: string;
  /** The raw metric value scored: the criterion's own, or its fallback's (null when missing). */
  value: MetricValue;
  /** Where the value came from: the criterion's metric, its fallback, or nowhere (0 points). */
  source: ValueSource;
  /** s_i in [0, 1]. */
  normalized: number;
  /** 100 x weight_i x s_i / sum of weights. */
  points: number;
  reason: string;
  /** The reason in every language asked for with `reasonLangs` (the live app shows the reader's own). */
  reasons?: Partial<Record<Lang, string>>;
}

export interface ScoringSubject extends MetricSource {
  id: string;
  previousTier: string | null;
}

export interface AccountScore {
  score: number;
  tier: string;
  contributions: Contribution[];
  /** Ids of the criteria with source `missing`, in config order. */
  missingCriteria: string[];
  /** minScore of the tier above minus the score, 2 decimals; null in the first tier. */
  pointsToNextTier: number | null;
}

/** Rounds to 2 decimals without binary artefacts (1.005 -> 1.01). */
export function round2(value: number): number {
  return Math.round(Number((value * 100).toPrecision(12))) / 100;
}

/**
 * Percentile rank shares for one criterion: 0 lowest, 1 highest, ties share the mean rank.
 * Accounts without a numeric value are left out of the ranking (they score 0 as missing).
 * A lone ranked account sits in the middle (0.5), as if everyone were tied.
 */
export function percentileShares(values: ReadonlyArray<number | null>): Array<number | null> {
  const ranked = values.flatMap((v, i) => (v === null ? [] : [{ v, i }])).sort((a, b) => a.v - b.v);
  const shares = new Array<number | null>(values.length).fill(null);
  const n = ranked.length;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && (ranked[end + 1] as { v: number }).v === (ranked[start] as { v: number }).v) end += 1;
    const meanRank = (start + end) / 2;
    for (let k = start; k <= end; k += 1) shares[(ranked[k] as { i: number }).i] = n === 1 ? 0.5 : meanRank / (n - 1);
    start = end + 1;
  }
  return shares;
}

/** A criterion's reading for one account: which value is scored, from which metric, and its source. */
interface Picked {
  value: MetricValue;
  primaryValue: MetricValue;
  /** The metric the scored value belongs to (abc/xyz letters are read by it). */
  metric: string;
  source: ValueSource;
}

export function pickValue(criterion: Criterion, subject: MetricSource): Picked {
  const primaryValue = readMetric(criterion.metric, subject);
  if (isReadable(criterion.metric, primaryValue, criterion.scale.type)) return { value: primaryValue, primaryValue, metric: criterion.metric, source: 'primary' };
  if (criterion.fallback !== undefined) {
    const value = readMetric(criterion.fallback, subject);
    if (isReadable(criterion.fallback, value, criterion.scale.type)) return { value, primaryValue, metric: criterion.fallback, source: 'fallback' };
  }
  return { value: primaryValue, primaryValue, metric: criterion.metric, source: 'missing' };
}

function normalize(scale: Scale, picked: Picked, percentile: number | null): { normalized: number; outcome: ScaleOutcome } {
  const missing = { normalized: 0, outcome: { kind: 'missing' } as const };
  if (picked.source === 'missing') return missing;
  const value = picked.value as number | string | boolean;
  if (scale.type === 'map') {
    const listed = Object.prototype.hasOwnProperty.call(scale.values, String(value));
    return { normalized: listed ? (scale.values[String(value)] as number) : scale.default, outcome: { kind: 'map', listed } };
  }
  const v = numericValue(picked.metric, value) as number;
  switch (scale.type) {
    case 'linear': {
      const share = (v - scale.min) / (scale.max - scale.min);
      return { normalized: Math.min(1, Math.max(0, share)), outcome: { kind: 'linear', share } };
    }
    case 'thresholds': {
      const step = scale.steps.find((s) => (s.gte === undefined || v >= s.gte) && (s.lte === undefined || v <= s.lte));
      return { normalized: step ? step.value : 0, outcome: { kind: 'thresholds', step: step ?? null } };
    }
    case 'percentile':
      return percentile === null ? missing : { normalized: percentile, outcome: { kind: 'percentile' } };
  }
}

/**
 * The first tier (config order) whose minScore <= score. With hysteresis h and a known previous
 * tier above that, the account keeps the previous tier while score >= its minScore - h: a
 * score hovering at a boundary does not flip the tier (and the CRM field) every run.
 * Moving up always needs the plain minScore.
 */
export function assignTier(score: number, tiers: readonly TierDefinition[], hysteresis: number, previousTier: string | null): string {
  const plainIndex = tiers.findIndex((t) => t.minScore <= score);
  const plain = plainIndex === -1 ? tiers.length - 1 : plainIndex;
  const prevIndex = previousTier === null ? -1 : tiers.findIndex((t) => t.id === previousTier);
  if (prevIndex !== -1 && prevIndex < plain && score >= (tiers[prevIndex] as TierDefinition).minScore - hysteresis) {
    return previousTier as string;
  }
  return (tiers[plain] as TierDefinition).id;
}

/** The plain minScore of the tier just above `tier` (config order) minus the score; null in the first tier. */
export function pointsToNextTier(score: number, tiers: readonly TierDefinition[], tier: string): number | null {
  const index = tiers.findIndex((t) => t.id === tier);
  return index <= 0 ? null : round2((tiers[index - 1] as TierDefinition).minScore - score);
}

/** Scores every account; two passes because percentile scales rank the whole portfolio. */
export function scorePortfolio(args: { config: CriteriaConfig; subjects: readonly ScoringSubject[]; lang: Lang; currency: string; reasonLangs?: readonly Lang[] }): AccountScore[] {
  const { config, subjects, lang, currency } = args;
  const extraLangs = args.reasonLangs ?? [];
  const extraExplainers = extraLangs.map((extra) => config.criteria.map((criterion) => createExplainer({ criterion, lang: extra, currency })));
  const totalWeight = config.criteria.reduce((sum, c) => sum + c.weight, 0);
  const picks = config.criteria.map((c) => subjects.map((s) => pickValue(c, s)));
  const explainers = config.criteria.map((criterion) => createExplainer({ criterion, lang, currency }));
  // A percentile ranks the values actually scored, entered and estimated alike.
  const percentiles = config.criteria.map((c, ci) =>
    c.scale.type === 'percentile'
      ? percentileShares((picks[ci] as Picked[]).map((p) => (p.source === 'missing' ? null : numericValue(p.metric, p.value))))
      : null,
  );
  return subjects.map((subject, si) => {
    let weighted = 0;
    const missingCriteria: string[] = [];
    const contributions = config.criteria.map((criterion, ci): Contribution => {
      const picked = (picks[ci] as Picked[])[si] as Picked;
      const { normalized, outcome } = normalize(criterion.scale, picked, percentiles[ci]?.[si] ?? null);
      weighted += criterion.weight * normalized;
      if (picked.source === 'missing') missingCriteria.push(criterion.id);
      const reading = { ...picked, normalized, outcome };
      const contribution: Contribution = {
        criterion: criterion.id,
        value: picked.value,
        source: picked.source,
        normalized,
        points: (100 * criterion.weight * normalized) / totalWeight,
        reason: (explainers[ci] as (typeof explainers)[number])(reading),
      };
      if (extraLangs.length > 0) {
        contribution.reasons = Object.fromEntries(extraLangs.map((extra, li) => [extra, (extraExplainers[li]?.[ci] as (typeof explainers)[number])(reading)]));
      }
      return contribution;
    });
    const score = round2((100 * weighted) / totalWeight);
    const tier = assignTier(score, config.tiers, config.hysteresis, subject.previousTier);
    return { score, tier, contributions, missingCriteria, pointsToNextTier: pointsToNextTier(score, config.tiers, tier) };
  });
}
