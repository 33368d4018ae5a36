import { z } from 'zod';
import { ok, fail, type KamError, type Result } from '../errors';
import { fromZodIssues, inputError } from '../model/input-issues';
import { calendarDate } from '../model/parse-snapshot';

const days = z.number().int().min(0);

/** Fields every rule has: on/off, which tiers it watches (null = all), cooldown, due date. */
const common = (defaults: { tiers: string[] | null; cooldownDays: number; dueInBusinessDays: number }) => ({
  enabled: z.boolean().default(true),
  tiers: z.array(z.string().min(1)).nullable().default(defaults.tiers),
  cooldownDays: days.default(defaults.cooldownDays),
  dueInBusinessDays: days.default(defaults.dueInBusinessDays),
});


export const nextStepRulesSchema = z.object({
  /** New tasks per owner per day, counting those already created that day. */
  maxNewTasksPerOwnerPerDay: z.number().int().min(1).default(5),
  /** Non-working days besides weekends (e.g. the national production calendar). */
  holidays: z.array(calendarDate).default([]),
  rules: z
    .object({
      // Each rule may be left out or given in part: missing keys take their defaults.
      noContact: z.object({ ...common({ tiers: ['key'], cooldownDays: 14, dueInBusinessDays: 1 }), days: days.default(30), whenNeverContacted: z.boolean().default(true) }).prefault({}),
      contractRenewal: z.object({ ...common({ tiers: null, cooldownDays: 30, dueInBusinessDays: 3 }), days: days.default(60), graceDays: days.default(30) }).prefault({}),
      revenueDrop: z.object({
        ...common({ tiers: ['key', 'develop'], cooldownDays: 60, dueInBusinessDays: 5 }),
        dropShare: z.number().gt(0).max(1).default(0.3),
        minPreviousRevenue: z.number().min(0).default(0),
      }).prefault({}),
      keyAccountPlan: z.object({ ...common({ tiers: null, cooldownDays: 90, dueInBusinessDays: 10 }), keyTier: z.string().min(1).default('key') }).prefault({}),
      lowSatisfaction: z.object({ ...common({ tiers: null, cooldownDays: 30, dueInBusinessDays: 2 }), below: z.number().default(6) }).prefault({}),
      potentialEstimate: z.object({
        ...common({ tiers: null, cooldownDays: 90, dueInBusinessDays: 5 }),
        /** The account field that holds the entered potential (criteria read it as `field:<key>`). */
        field: z.string().min(1).default('potential3y'),
        /** Promising: the engine's 3-year forecast is at least this (base currency)... */
        minForecast: z.number().min(0).default(10_000_000),
        /** ...or the account is in this top share of the portfolio by revenue over 12 months. */
        topRevenueShare: z.number().min(0).max(1).default(0.05),
        /** Asks per owner per day, on top of the all-rules daily cap. */
        maxPerOwnerPerDay: z.number().int().min(1).default(2),
        /** Open asks at most this share of the accounts: an ask to everyone is an ask to no one. */
        maxShareOfAccounts: z.number().gt(0).max(0.2).default(0.2),
      }).prefault({}),
      wonFollowUp: z.object({ ...common({ tiers: null, cooldownDays: 0, dueInBusinessDays: 2 }), afterDays: days.default(7), withinDays: days.default(30) })
        .refine((r) => r.withinDays >= r.afterDays, { path: ['withinDays'], message: 'must be at least afterDays', params: { key: 'notBelowPrevious' } })
        .prefault({}),
    })
    .prefault({}),
});

export type NextStepRulesConfig = z.output<typeof nextStepRulesSchema>;
export type NextStepRulesInput = z.input<typeof nextStepRulesSchema>;
export type RuleKey = keyof NextStepRulesConfig['rules'];

/** Validates the next-step rules; a partial config takes the defaults for what it leaves out. */
export function parseNextStepRules(json: unknown): Result<NextStepRulesConfig, KamError> {
  const parsed = nextStepRulesSchema.safeParse(json ?? {}, { reportInput: true });
  return parsed.success ? ok(parsed.data) : fail(inputError('next-step rules', fromZodIssues(parsed.error.issues)));
}

export const DEFAULT_NEXT_STEP_RULES: NextStepRulesConfig = nextStepRulesSchema.parse({});
