import type { Lang } from '../i18n/format-values';
import type { CriteriaConfig, Criterion, TierDefinition } from './criteria-config';
import { createExplainer, type ScaleOutcome } from './explain-criterion';
import { numericValue, readMetric, type MetricSource, type MetricValue } from './metrics';

export interface Contribution {
  criterion: string;
  /** The raw metric value (null when missing). */
  value: MetricValue;
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

function normalize(criterion: Criterion, value: MetricValue, percentile: number | null): { normalized: number; outcome: ScaleOutcome } {
  const missing = { normalized: 0, outcome: { kind: 'missing' } as const };
  if (value === null) return missing;
  const scale = criterion.scale;
  if (scale.type === 'map') {
    const listed = Object.prototype.hasOwnProperty.call(scale.values, String(value));
    return { normalized: listed ? (scale.values[String(value)] as number) : scale.default, outcome: { kind: 'map', listed } };
  }
  const v = numericValue(criterion.metric, value);
  if (v === null) return missing;
  switch (scale.type) {
    case 'linear':
      return { normalized: Math.min(1, Math.max(0, (v - scale.min) / (scale.max - scale.min))), outcome: { kind: 'linear' } };
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

/** Scores every account; two passes because percentile scales rank the whole portfolio. */
export function scorePortfolio(args: { config: CriteriaConfig; subjects: readonly ScoringSubject[]; lang: Lang; currency: string; reasonLangs?: readonly Lang[] }): AccountScore[] {
  const { config, subjects, lang, currency } = args;
  const extraLangs = args.reasonLangs ?? [];
  const extraExplainers = extraLangs.map((extra) => config.criteria.map((criterion) => createExplainer({ criterion, lang: extra, currency })));
  const totalWeight = config.criteria.reduce((sum, c) => sum + c.weight, 0);
  const values = config.criteria.map((c) => subjects.map((s) => readMetric(c.metric, s)));
  const explainers = config.criteria.map((criterion) => createExplainer({ criterion, lang, currency }));
  const percentiles = config.criteria.map((c, ci) =>
    c.scale.type === 'percentile' ? percentileShares((values[ci] as MetricValue[]).map((v) => numericValue(c.metric, v))) : null,
  );
  return subjects.map((subject, si) => {
    let weighted = 0;
    const contributions = config.criteria.map((criterion, ci): Contribution => {
      const value = (values[ci] as MetricValue[])[si] ?? null;
      const { normalized, outcome } = normalize(criterion, value, percentiles[ci]?.[si] ?? null);
      weighted += criterion.weight * normalized;
      const contribution: Contribution = {
        criterion: criterion.id,
        value,
        normalized,
        points: (100 * criterion.weight * normalized) / totalWeight,
        reason: (explainers[ci] as (typeof explainers)[number])(value, normalized, outcome),
      };
      if (extraLangs.length > 0) {
        contribution.reasons = Object.fromEntries(extraLangs.map((extra, li) => [extra, (extraExplainers[li]?.[ci] as (typeof explainers)[number])(value, normalized, outcome)]));
      }
      return contribution;
    });
    const score = round2((100 * weighted) / totalWeight);
    return { score, tier: assignTier(score, config.tiers, config.hysteresis, subject.previousTier), contributions };
  });
}
