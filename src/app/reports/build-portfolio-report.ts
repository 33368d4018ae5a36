import { evaluatePortfolio, type AccountEvaluation, type EvaluationResult } from '../../core/engine/evaluate-portfolio';
import { computeKpiPack, type PortfolioKpis } from '../../core/kpi/kpi-pack';
import { indexPortfolio } from '../../core/kpi/portfolio-index';
import { fromDay, toDay } from '../../core/model/calendar-date';
import { reportPeriods, toPeriod, type DayRange, type Granularity } from '../../core/model/periods';
import type { PortfolioSnapshot } from '../../core/model/snapshot';
import type { NextStepRulesConfig } from '../../core/rules/next-step-rules-config';
import type { CriteriaConfig } from '../../core/scoring/criteria-config';
import { findAtRisk, riskInputs } from './at-risk';
import type { ManagerRollup, PortfolioReport, ReportAccountRow, TierSummary } from './report-types';

export const TREND_PERIODS = 8;

/** The tiers and scores at the end of P', when a frozen report of P' says them. */
export interface PreviousStanding {
  ruleVersion: string;
  accounts: Map<string, { tier: string; score: number }>;
}

export interface ReportInputs {
  installationId: string;
  granularity: Granularity;
  /** Day D: the report period is the latest complete period ending on or before it. */
  asOf: string;
  snapshot: PortfolioSnapshot;
  criteria: CriteriaConfig;
  rules: NextStepRulesConfig;
  /** Open next steps (ledger entries open or pending) with their due dates. */
  openSteps: ReadonlyArray<{ accountId: string; dueDate: string | null }>;
  /** Owner id -> name, from the CRM's users. */
  users: ReadonlyMap<string, string>;
  /** Today (YYYY-MM-DD): a next step due before it is overdue. */
  today: string;
  generatedAt: string;
  previous?: PreviousStanding | null;
}

const numberOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Portfolio KPIs of the g-period ending on `end` (the engine's formulas, nothing of our own). */
function periodKpisEnding(snapshot: PortfolioSnapshot, criteria: CriteriaConfig, g: Granularity, end: number): PortfolioKpis {
  const index = indexPortfolio(snapshot, end);
  return computeKpiPack({ index, asOf: end, settings: criteria.settings }).portfolio[g];
}

/** The 8 periods ending with P, oldest first. */
function trailingPeriods(g: Granularity, current: DayRange): DayRange[] {
  const ranges = [current];
  while (ranges.length < TREND_PERIODS) ranges.unshift(reportPeriods(g, (ranges[0] as DayRange).start - 1).current);
  return ranges;
}

/** The snapshot cut to some accounts and their deals (a manager's own; the engine's formulas apply unchanged). */
export function snapshotOf(snapshot: PortfolioSnapshot, accountIds: ReadonlySet<string>): PortfolioSnapshot {
  return { ...snapshot, accounts: snapshot.accounts.filter((a) => accountIds.has(a.id)), deals: snapshot.deals.filter((d) => accountIds.has(d.accountId)) };
}

/**
 * The portfolio KPIs of the 8 periods of granularity g ending with the latest complete one on or
 * before `asOf`, oldest first: the report's trend, for any snapshot (a manager's own accounts).
 */
export function portfolioTrend(snapshot: PortfolioSnapshot, criteria: CriteriaConfig, g: Granularity, asOf: string): PortfolioReport['trend'] {
  return trailingPeriods(g, reportPeriods(g, toDay(asOf)).current).map((range) => ({ period: toPeriod(range), kpis: periodKpisEnding(snapshot, criteria, g, range.end) }));
}

function evaluateAt(snapshot: PortfolioSnapshot, criteria: CriteriaConfig, day: number, tiers: ReadonlyMap<string, string>): EvaluationResult {
  const accounts = snapshot.accounts.map((account) => ({ ...account, previousTier: tiers.get(account.id) ?? null }));
  return evaluatePortfolio({ ...snapshot, accounts }, criteria, { asOf: fromDay(day), lang: 'en' });
}

/**
 * The portfolio report of one period (see report-types.ts). Every figure comes from the engine:
 * the account pack and scores as of P's last day (so a period's report depends on the period,
 * not on the day it was asked for), the standing at the end of P' from the frozen report of P'
 * when there is one (else the engine as of P''s last day), and the trend from the KPI pack at
 * the end of each of the 8 periods.
 */
export function buildPortfolioReport(input: ReportInputs): PortfolioReport {
  const { snapshot, criteria, granularity: g } = input;
  const { current, previous } = reportPeriods(g, toDay(input.asOf));
  const periodEnd = fromDay(current.end);

  let standing = input.previous ?? null;
  let previousEvaluation: EvaluationResult | null = null;
  if (!standing) {
    previousEvaluation = evaluateAt(snapshot, criteria, previous.end, new Map());
    standing = { ruleVersion: previousEvaluation.ruleVersion, accounts: new Map(previousEvaluation.accounts.map((a) => [a.id, { tier: a.tier, score: a.score }])) };
  }
  const previousTiers = new Map([...standing.accounts].map(([id, s]) => [id, s.tier]));
  const evaluation = evaluateAt(snapshot, criteria, current.end, previousTiers);

  const trendRanges = trailingPeriods(g, current);
  const trend = trendRanges.map((range, i) => {
    const last = i === trendRanges.length - 1;
    const beforeLast = i === trendRanges.length - 2;
    const kpis = last
      ? evaluation.portfolio[g]
      : beforeLast && previousEvaluation
        ? previousEvaluation.portfolio[g]
        : periodKpisEnding(snapshot, criteria, g, range.end);
    return { period: toPeriod(range), kpis };
  });

  const steps = countSteps(input.openSteps, input.today);
  const byId = new Map(snapshot.accounts.map((account) => [account.id, account]));
  const context = { standing, steps, users: input.users, g, defaultMargin: criteria.settings.defaultMargin };
  const rows = evaluation.accounts.map((account) => accountRow(account, byId.get(account.id), context));

  return {
    installationId: input.installationId,
    granularity: g,
    period: toPeriod(current),
    previousPeriod: toPeriod(previous),
    baseCurrency: snapshot.baseCurrency,
    ruleVersion: evaluation.ruleVersion,
    fxRates: snapshot.fxRates,
    generatedAt: input.generatedAt,
    frozen: null,
    kpis: evaluation.portfolio[g],
    trend,
    tiers: tierSummary(rows, criteria.tiers, standing.ruleVersion, evaluation.ruleVersion),
    accounts: rows,
    managers: managerRollups(rows, snapshot, criteria, g, current.end),
    atRisk: findAtRisk({ rows, tiers: criteria.tiers, rules: input.rules, asOf: periodEnd }),
  };
}

function countSteps(openSteps: ReportInputs['openSteps'], today: string): Map<string, { open: number; overdue: number }> {
  const counts = new Map<string, { open: number; overdue: number }>();
  for (const step of openSteps) {
    const entry = counts.get(step.accountId) ?? { open: 0, overdue: 0 };
    entry.open += 1;
    if (step.dueDate !== null && step.dueDate < today) entry.overdue += 1;
    counts.set(step.accountId, entry);
  }
  return counts;
}

function accountRow(
  account: AccountEvaluation,
  source: PortfolioSnapshot['accounts'][number] | undefined,
  context: { standing: PreviousStanding; steps: Map<string, { open: number; overdue: number }>; users: ReadonlyMap<string, string>; g: Granularity; defaultMargin: number },
): ReportAccountRow {
  const { standing, steps, users, g } = context;
  const before = standing.accounts.get(account.id) ?? null;
  const fields = source?.fields ?? {};
  const ownerId = source?.ownerId ?? null;
  const period = account.kpis[g];
  const margin = numberOrNull(fields['margin']);
  return {
    id: account.id,
    name: source?.name ?? account.id,
    ownerId,
    ownerName: ownerId === null ? null : (users.get(ownerId) ?? null),
    industry: source?.industry ?? null,
    tier: account.tier,
    previousTier: before?.tier ?? null,
    score: account.score,
    previousScore: before?.score ?? null,
    scoreChange: before === null ? null : Math.round((account.score - before.score) * 100) / 100,
    revenue: period.revenue,
    previousRevenue: period.previousRevenue,
    growth: period.growth,
    revenue12m: account.revenue12m,
    growthYoY: account.growthYoY,
    ltv: account.ltv,
    // The engine's LTV uses the account's margin or the default one (spec section 4): report the one it used.
    margin: margin ?? context.defaultMargin,
    romi: account.romi,
    abc: account.abc,
    xyz: account.xyz,
    ...riskInputs(fields),
    daysSinceLastWon: account.daysSinceLastWon,
    openSteps: steps.get(account.id)?.open ?? 0,
    overdueSteps: steps.get(account.id)?.overdue ?? 0,
  };
}

/** The tier distribution of `rows` and their moves since the previous period, in the tiers' order. */
export function tierSummary(rows: readonly ReportAccountRow[], tiers: CriteriaConfig['tiers'], previousRuleVersion: string, ruleVersion: string): TierSummary {
  const distribution: Record<string, number> = Object.fromEntries(tiers.map((tier) => [tier.id, 0]));
  const moves = new Map<string, { from: string | null; to: string; count: number }>();
  for (const row of rows) {
    distribution[row.tier] = (distribution[row.tier] ?? 0) + 1;
    const key = `${row.previousTier ?? ''}\u0000${row.tier}`;
    const move = moves.get(key) ?? { from: row.previousTier, to: row.tier, count: 0 };
    move.count += 1;
    moves.set(key, move);
  }
  const order = new Map(tiers.map((tier, i) => [tier.id, i]));
  const rank = (id: string | null) => (id === null ? -1 : (order.get(id) ?? tiers.length));
  const movements = [...moves.values()].sort((a, b) => rank(a.from) - rank(b.from) || rank(a.to) - rank(b.to));
  return { definitions: tiers, distribution, movements, previousRuleVersion, ruleVersion };
}

function managerRollups(rows: readonly ReportAccountRow[], snapshot: PortfolioSnapshot, criteria: CriteriaConfig, g: Granularity, end: number): ManagerRollup[] {
  const groups = new Map<string | null, ReportAccountRow[]>();
  for (const row of rows) groups.set(row.ownerId, [...(groups.get(row.ownerId) ?? []), row]);
  const rollups: ManagerRollup[] = [];
  for (const [ownerId, own] of groups) {
    const ids = new Set(own.map((row) => row.id));
    // The manager's retention is the engine's portfolio formula on their own accounts and deals.
    const sub = snapshotOf(snapshot, ids);
    const byTier: Record<string, number> = Object.fromEntries(criteria.tiers.map((tier) => [tier.id, 0]));
    for (const row of own) byTier[row.tier] = (byTier[row.tier] ?? 0) + 1;
    rollups.push({
      ownerId,
      ownerName: own[0]?.ownerName ?? null,
      accounts: own.length,
      byTier,
      revenue: own.reduce((sum, row) => sum + row.revenue, 0),
      revenue12m: own.reduce((sum, row) => sum + row.revenue12m, 0),
      retentionRate: periodKpisEnding(sub, criteria, g, end).retentionRate,
      openSteps: own.reduce((sum, row) => sum + row.openSteps, 0),
      overdueSteps: own.reduce((sum, row) => sum + row.overdueSteps, 0),
    });
  }
  return rollups.sort((a, b) => b.revenue12m - a.revenue12m || String(a.ownerId).localeCompare(String(b.ownerId)));
}
