import type { NextStepRulesConfig } from '../../core/rules/next-step-rules-config';
import type { TierDefinition } from '../../core/scoring/criteria-config';
import type { AtRiskAccount, ReportAccountRow, RiskReason } from './report-types';

/** A contract ending within this many days of the period's end is a risk. */
export const CONTRACT_RISK_DAYS = 90;
/** No won deal for longer than this is a risk (half a year: most B2B accounts buy at least that often). */
export const NO_WIN_RISK_DAYS = 180;

const DAY_MS = 86_400_000;
const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to.slice(0, 10)}T00:00:00Z`) - Date.parse(`${from.slice(0, 10)}T00:00:00Z`)) / DAY_MS);

/**
 * The synced company inputs the signals read (a date, and satisfaction as the CRM holds it), read
 * once for the portfolio rows and the card tab alike.
 */
export function riskInputs(fields: Record<string, unknown>): Pick<RiskFacts, 'contractEnd' | 'satisfaction'> {
  const { contractEnd, satisfaction } = fields;
  return {
    contractEnd: typeof contractEnd === 'string' && /^\d{4}-\d{2}-\d{2}/.test(contractEnd) ? contractEnd.slice(0, 10) : null,
    satisfaction: typeof satisfaction === 'number' && Number.isFinite(satisfaction) ? satisfaction : null,
  };
}

/** What the risk signals of one account are computed from: a portfolio row, or the card tab's stored evaluation. */
export type RiskFacts = Pick<ReportAccountRow, 'tier' | 'growthYoY' | 'satisfaction' | 'contractEnd' | 'daysSinceLastWon'>;

export interface RiskPolicy {
  tiers: readonly TierDefinition[];
  rules: NextStepRulesConfig;
  /** The day the facts are as of (the period's end, or the evaluation's day). */
  asOf: string;
}

/**
 * One account's risk signals: the portfolio's "at risk" list and the card tab both ask this, so
 * they never disagree. Only key and develop accounts are watched (every tier but the last in
 * config order). Thresholds follow the next-step rules where they have one, so the page and the
 * to-dos agree: revenue 12 m down by the revenue-drop share or more, satisfaction below the
 * low-satisfaction bar; then a contract ending within 90 days (or ended and not renewed, however
 * long ago), or no won deal for 180.
 */
export function accountRisks(facts: RiskFacts, policy: RiskPolicy): RiskReason[] {
  if (!policy.tiers.slice(0, -1).some((tier) => tier.id === facts.tier)) return [];
  const dropShare = policy.rules.rules.revenueDrop.dropShare;
  const below = policy.rules.rules.lowSatisfaction.below;
  const reasons: RiskReason[] = [];
  if (facts.growthYoY !== null && facts.growthYoY <= -dropShare) reasons.push({ kind: 'revenueFalling', growthYoY: facts.growthYoY });
  if (facts.satisfaction !== null && facts.satisfaction < below) reasons.push({ kind: 'lowSatisfaction', satisfaction: facts.satisfaction, below });
  if (facts.contractEnd !== null) {
    const daysLeft = daysBetween(policy.asOf, facts.contractEnd);
    // An ended contract stays a risk however long ago it ended, until the CRM holds a new end
    // (a renewal moves the date forward): an account with no contract in force is not safe.
    if (daysLeft <= CONTRACT_RISK_DAYS) reasons.push({ kind: 'contractEnding', contractEnd: facts.contractEnd.slice(0, 10), daysLeft });
  }
  if (facts.daysSinceLastWon === null || facts.daysSinceLastWon > NO_WIN_RISK_DAYS) reasons.push({ kind: 'noRecentWin', daysSinceLastWon: facts.daysSinceLastWon });
  return reasons;
}

/** The key and develop accounts at risk, each with its reasons (see accountRisks). */
export function findAtRisk(args: { rows: readonly ReportAccountRow[] } & RiskPolicy): AtRiskAccount[] {
  const found: AtRiskAccount[] = [];
  for (const row of args.rows) {
    const reasons = accountRisks(row, args);
    if (reasons.length > 0) found.push({ id: row.id, name: row.name, ownerId: row.ownerId, tier: row.tier, score: row.score, reasons });
  }
  return found;
}
