import { z } from 'zod';
import { ok, fail, type KamError, type Result } from '../errors';
import { DEFAULT_KPI_SETTINGS } from '../kpi/kpi-settings';
import { fromZodIssues, inputError } from '../model/input-issues';
import { isKnownMetric, metricHelp } from './metrics';

const share = z.number().min(0).max(1);
const label = z.object({ ru: z.string().min(1).optional(), en: z.string().min(1).optional() });

const linearScale = z
  .object({ type: z.literal('linear'), min: z.number(), max: z.number() })
  .refine((s) => s.min !== s.max, { message: 'min and max must differ', path: ['max'], params: { key: 'minMaxEqual' } });
const mapScale = z.object({ type: z.literal('map'), values: z.record(z.string(), share), default: share.default(0) });
const thresholdsScale = z.object({
  type: z.literal('thresholds'),
  steps: z
    .array(
      z
        .object({ gte: z.number().optional(), lte: z.number().optional(), value: share })
        .refine((step) => step.gte !== undefined || step.lte !== undefined, { message: 'a step needs gte or lte', params: { key: 'stepBound' } }),
    )
    .min(1),
});
const percentileScale = z.object({ type: z.literal('percentile') });

const scale = z.discriminatedUnion('type', [linearScale, mapScale, thresholdsScale, percentileScale], {
  error: 'expected a scale with type "linear", "map", "thresholds" or "percentile"',
});

const metric = z.string().refine(isKnownMetric, { error: (issue) => `unknown metric ${JSON.stringify(issue.input)}; expected ${metricHelp()}` });

const criterion = z.object({
  id: z.string().min(1),
  metric,
  weight: z.number().min(0),
  scale,
  /** Read when `metric` has no value the scale can use (spec section 5), with the same scale. */
  fallback: metric.optional(),
  label: label.optional(),
  unit: z.enum(['money', 'percent', 'number', 'days', 'years', 'text']).optional(),
});

const tier = z.object({ id: z.string().min(1), minScore: z.number().min(0).max(100), label: label.optional() });

const settings = z
  .object({
    customerWindowDays: z.number().int().min(1).default(DEFAULT_KPI_SETTINGS.customerWindowDays),
    defaultMargin: z.number().min(0).max(1).default(DEFAULT_KPI_SETTINGS.defaultMargin),
    maxLifetimeYears: z.number().positive().default(DEFAULT_KPI_SETTINGS.maxLifetimeYears),
    abc: z
      .object({ a: share, b: share })
      .refine((c) => c.a <= c.b, { message: 'a must not exceed b', path: ['b'], params: { key: 'notBelowPrevious' } })
      .default(DEFAULT_KPI_SETTINGS.abc),
    xyz: z
      .object({ x: z.number().min(0), y: z.number().min(0) })
      .refine((c) => c.x <= c.y, { message: 'x must not exceed y', path: ['y'], params: { key: 'notBelowPrevious' } })
      .default(DEFAULT_KPI_SETTINGS.xyz),
  })
  .default(DEFAULT_KPI_SETTINGS);

/** The config's fields, so a larger document (the installation settings) can embed them flat. */
export const criteriaConfigShape = {
  criteria: z.array(criterion).min(1),
  tiers: z.array(tier).min(1),
  hysteresis: z.number().min(0).max(100).default(0),
  settings,
};

type CriteriaConfigFields = z.output<z.ZodObject<typeof criteriaConfigShape>>;

/** The rules across fields (unique ids, tier order, weights); paths are relative to the config's root. */
export function checkCriteriaConfig(config: CriteriaConfigFields, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  config.criteria.forEach((c, i) => {
    if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['criteria', i, 'id'], message: `duplicate criterion id ${JSON.stringify(c.id)}`, params: { key: 'duplicateCode' } });
    seen.add(c.id);
  });
  if (config.criteria.reduce((sum, c) => sum + c.weight, 0) <= 0) {
    ctx.addIssue({ code: 'custom', path: ['criteria'], message: 'the weights must add up to more than 0', params: { key: 'weightsZero' } });
  }
  const tierIds = new Set<string>();
  config.tiers.forEach((t, i) => {
    if (tierIds.has(t.id)) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'id'], message: `duplicate tier id ${JSON.stringify(t.id)}`, params: { key: 'duplicateCode' } });
    tierIds.add(t.id);
    const before = config.tiers[i - 1];
    // Tiers are read in order, first match wins: a tier below a lower bar could never be reached.
    if (before && t.minScore >= before.minScore) {
      ctx.addIssue({ code: 'custom', path: ['tiers', i, 'minScore'], message: `must be lower than tiers[${i - 1}].minScore (${before.minScore})`, params: { key: 'tierOrder', limit: before.minScore } });
    }
  });
  const last = config.tiers[config.tiers.length - 1];
  if (last && last.minScore !== 0) {
    ctx.addIssue({ code: 'custom', path: ['tiers', config.tiers.length - 1, 'minScore'], message: 'the last tier must have minScore 0 so every account gets a tier', params: { key: 'lastTierZero' } });
  }
}

export const criteriaConfigSchema = z.object(criteriaConfigShape).superRefine(checkCriteriaConfig);

export type CriteriaConfig = z.output<typeof criteriaConfigSchema>;
/** What a user may write: defaults (hysteresis, settings, map default) may be left out. */
export type CriteriaConfigInput = z.input<typeof criteriaConfigSchema>;
export type Criterion = CriteriaConfig['criteria'][number];
export type Scale = Criterion['scale'];
export type TierDefinition = CriteriaConfig['tiers'][number];
export type Label = z.output<typeof label>;

/** Validates a criteria config (spec section 5); every fault is named by its JSON path. */
export function parseCriteriaConfig(json: unknown): Result<CriteriaConfig, KamError> {
  const parsed = criteriaConfigSchema.safeParse(json, { reportInput: true });
  return parsed.success ? ok(parsed.data) : fail(inputError('criteria config', fromZodIssues(parsed.error.issues)));
}
