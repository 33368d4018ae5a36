import type { EvaluationResult } from '../engine/evaluate-portfolio';
import { i18n, type Lang } from '../i18n/messages';
import { byCodeUnits } from '../kpi/portfolio-index';
import { calendarDatePart, fromDay, toDay, type Day } from '../model/calendar-date';
import { quarterLabel } from '../model/periods';
import type { PortfolioSnapshot } from '../model/snapshot';
import { addBusinessDays } from './business-days';
import { DEFAULT_NEXT_STEP_RULES, type NextStepRulesConfig } from './next-step-rules-config';
import { NEXT_STEP_RULES, type NextStepRule } from './next-step-rules';
import { createRuleCaps, type RuleCapsConfig } from './rule-caps';
import type { RuleContext, WonDealRef } from './rule-context';

/** A task the app already created (its own ledger), as the planner needs it. */
export interface LedgerEntry {
  dedupKey: string;
  ruleId: string;
  accountId: string;
  ownerId: string;
  /** Date or datetime; its date part counts. */
  createdAt: string;
  state: 'open' | 'closed';
}

export interface TaskIntent {
  /** rule + account + cycle: stable across reruns, so a rerun or a crash never duplicates. */
  dedupKey: string;
  ruleId: string;
  accountId: string;
  ownerId: string;
  entity: { type: 'company'; id: string };
  title: string;
  description: string;
  /** YYYY-MM-DD, a business day. */
  dueDate: string;
}

export interface CloseIntent {
  dedupKey: string;
  reason: string;
}

export type SkipReason = 'duplicate' | 'open-task' | 'cooldown' | 'no-owner' | 'owner-cap' | 'rule-owner-cap' | 'rule-cap';

export interface NextStepPlan {
  create: TaskIntent[];
  close: CloseIntent[];
  skipped: Array<{ dedupKey: string; why: SkipReason }>;
}

export interface PlanNextStepsInput {
  snapshot: PortfolioSnapshot;
  evaluation: EvaluationResult;
  rules?: NextStepRulesConfig;
  /** Recent ledger entries: at least the open ones and those inside the longest cooldown. */
  ledger?: readonly LedgerEntry[];
  /** The planning day; defaults to the evaluation's asOf. */
  today?: string;
  lang: Lang;
  /** Tier names for people (the criteria config's tier labels), so task texts never show a bare id. */
  tierLabels?: Readonly<Record<string, Partial<Record<Lang, string>> | undefined>>;
}

const pairKey = (ruleId: string, accountId: string): string => `${ruleId}:${accountId}:`;

function buildContexts(input: PlanNextStepsInput, rules: NextStepRulesConfig, today: Day): Map<string, RuleContext> {
  const { snapshot, evaluation } = input;
  const accounts = new Map(snapshot.accounts.map((a) => [a.id, a]));
  const wonDeals = new Map<string, WonDealRef>();
  const recentWon = new Map<string, WonDealRef>();
  const dealTitles = new Map<string, string>();
  const { afterDays, withinDays } = rules.rules.wonFollowUp;
  for (const deal of snapshot.deals) {
    const title = deal.title?.trim() || null;
    if (title !== null) dealTitles.set(deal.id, title);
    if (deal.status !== 'won' || !deal.closedAt || !accounts.has(deal.accountId)) continue;
    const ref: WonDealRef = { id: deal.id, title, accountId: deal.accountId, closedAt: deal.closedAt, amount: deal.amount, currency: deal.currency, ownerId: deal.ownerId ?? null };
    wonDeals.set(deal.id, ref);
    const age = today - toDay(deal.closedAt);
    if (age < afterDays || age > withinDays) continue;
    const best = recentWon.get(deal.accountId);
    if (!best || deal.closedAt > best.closedAt || (deal.closedAt === best.closedAt && deal.id > best.id)) recentWon.set(deal.accountId, ref);
  }
  const reportQuarter = quarterLabel(toDay(evaluation.periods.quarter.start));
  const byRevenue = [...evaluation.accounts].sort((a, b) => b.revenue12m - a.revenue12m || byCodeUnits(a.id, b.id));
  const revenueRank = new Map(byRevenue.map((a, i) => [a.id, i + 1]));
  const tierList = Object.entries(input.tierLabels ?? {}).map(([id, label]) => ({ id, label }));
  const contexts = new Map<string, RuleContext>();
  for (const evaluated of evaluation.accounts) {
    const account = accounts.get(evaluated.id);
    if (!account) continue;
    contexts.set(evaluated.id, {
      accountId: evaluated.id,
      name: account.name ?? evaluated.id,
      ownerId: account.ownerId ?? null,
      tier: evaluated.tier,
      previousTier: account.previousTier ?? null,
      score: evaluated.score,
      fields: account.fields,
      potentialForecast3y: evaluated.potentialForecast3y,
      revenue12m: evaluated.revenue12m,
      revenueRank: revenueRank.get(evaluated.id) ?? evaluation.accounts.length,
      accountCount: evaluation.accounts.length,
      quarterKpis: evaluated.kpis.quarter,
      reportQuarter,
      reportQuarterStart: evaluation.periods.quarter.start,
      currency: evaluation.baseCurrency,
      today,
      todayQuarter: quarterLabel(today),
      recentWon: recentWon.get(evaluated.id) ?? null,
      wonDeals,
      dealTitle: (dealId) => dealTitles.get(dealId) ?? null,
      tierName: (tierId) => i18n(input.lang).tier(tierList, tierId),
    });
  }
  return contexts;
}

const watches = (tiers: readonly string[] | null, tier: string): boolean => tiers === null || tiers.includes(tier);

/**
 * Plans next steps (pure): which tasks to create, which open ones to close because their cause
 * is gone, and which were held back (duplicate, an open task already exists, cooldown, no
 * owner, the owner's daily cap). Deterministic for the same input, whatever its order.
 */
export function planNextSteps(input: PlanNextStepsInput): NextStepPlan {
  const rules = input.rules ?? DEFAULT_NEXT_STEP_RULES;
  const ledger = input.ledger ?? [];
  const lang = input.lang;
  const today = toDay(calendarDatePart(input.today ?? input.evaluation.asOf) ?? input.evaluation.asOf);
  const holidays = new Set(rules.holidays.map(toDay));
  const contexts = buildContexts(input, rules, today);
  const enabled = NEXT_STEP_RULES.filter((rule) => rules.rules[rule.key].enabled);
  const ruleById = new Map(enabled.map((rule) => [rule.id, rule]));

  const close: CloseIntent[] = [];
  const stillOpen = new Set<string>();
  for (const entry of ledger) {
    if (entry.state !== 'open') continue;
    const rule = ruleById.get(entry.ruleId);
    const prefix = pairKey(entry.ruleId, entry.accountId);
    // Tasks of disabled or unknown rules are left alone: switching a rule off stops new tasks, it does not erase work in progress.
    if (!rule || !entry.dedupKey.startsWith(prefix)) continue;
    const reason = closeReasonFor(rule, rules, contexts.get(entry.accountId), entry.dedupKey.slice(prefix.length), lang);
    if (reason === null) stillOpen.add(prefix);
    else close.push({ dedupKey: entry.dedupKey, reason });
  }

  const known = new Set(ledger.map((e) => e.dedupKey));
  const lastCreated = new Map<string, Day>();
  const createdToday = new Map<string, number>();
  for (const entry of ledger) {
    const date = calendarDatePart(entry.createdAt);
    if (date === null) continue;
    const day = toDay(date);
    const key = pairKey(entry.ruleId, entry.accountId);
    if (day > (lastCreated.get(key) ?? -Infinity)) lastCreated.set(key, day);
    if (day === today) createdToday.set(entry.ownerId, (createdToday.get(entry.ownerId) ?? 0) + 1);
  }

  const candidates: Array<{ ctx: RuleContext; rule: NextStepRule; priority: number; intent: Omit<TaskIntent, 'ownerId'> & { ownerId: string | null } }> = [];
  for (const ctx of contexts.values()) {
    enabled.forEach((rule, priority) => {
      const config = rules.rules[rule.key];
      if (!watches(config.tiers, ctx.tier)) return;
      const firing = (rule.fire as (c: RuleContext, k: typeof config, l: Lang) => ReturnType<NextStepRule['fire']>)(ctx, config, lang);
      if (firing === null) return;
      candidates.push({
        ctx,
        rule,
        priority,
        intent: {
          dedupKey: `${pairKey(rule.id, ctx.accountId)}${firing.cycle}`,
          ruleId: rule.id,
          accountId: ctx.accountId,
          ownerId: ctx.ownerId ?? firing.ownerId ?? null,
          entity: { type: 'company', id: ctx.accountId },
          title: firing.title,
          description: firing.description,
          dueDate: fromDay(addBusinessDays(today, config.dueInBusinessDays, holidays)),
        },
      });
    });
  }
  // The most valuable accounts first, then the more urgent rules: that is who a daily cap should favour.
  candidates.sort((a, b) => b.ctx.score - a.ctx.score || a.priority - b.priority || byCodeUnits(a.intent.dedupKey, b.intent.dedupKey));

  const plan: NextStepPlan = { create: [], close: close.sort((a, b) => byCodeUnits(a.dedupKey, b.dedupKey)), skipped: [] };
  const caps = createRuleCaps({
    ledger,
    today,
    closing: new Set(close.map((c) => c.dedupKey)),
    accountCount: contexts.size,
    capsOf: (ruleId) => (ruleById.get(ruleId) ? (rules.rules[(ruleById.get(ruleId) as NextStepRule).key] as RuleCapsConfig) : {}),
  });
  for (const { rule, intent } of candidates) {
    const pair = pairKey(rule.id, intent.accountId);
    const last = lastCreated.get(pair);
    const why: SkipReason | null = known.has(intent.dedupKey)
      ? 'duplicate'
      : stillOpen.has(pair)
        ? 'open-task'
        : last !== undefined && today - last < rules.rules[rule.key].cooldownDays
          ? 'cooldown'
          : intent.ownerId === null
            ? 'no-owner'
            : (createdToday.get(intent.ownerId) ?? 0) >= rules.maxNewTasksPerOwnerPerDay
              ? 'owner-cap'
              : caps.check(rule.id, intent.ownerId);
    if (why !== null) plan.skipped.push({ dedupKey: intent.dedupKey, why });
    else if (intent.ownerId !== null) {
      caps.count(rule.id, intent.ownerId);
      createdToday.set(intent.ownerId, (createdToday.get(intent.ownerId) ?? 0) + 1);
      plan.create.push({ ...intent, ownerId: intent.ownerId });
    }
  }
  return plan;
}

function closeReasonFor(rule: NextStepRule, rules: NextStepRulesConfig, ctx: RuleContext | undefined, cycle: string, lang: Lang): string | null {
  const { t } = i18n(lang);
  if (!ctx) return t('step.accountGone');
  const config = rules.rules[rule.key];
  if (!watches(config.tiers, ctx.tier)) return t('step.tierLeft')(ctx.tierName(ctx.tier));
  return (rule.closeReason as (c: RuleContext, k: typeof config, cy: string, l: Lang) => string | null)(ctx, config, cycle, lang);
}
