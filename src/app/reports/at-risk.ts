import type { NextStepRulesConfig } from '../../core/rules/next-step-rules-config';
import type { TierDefinition } from '../../core/scoring/criteria-config';
import type { AtRiskAccount, ReportAccountRow, RiskReason } from './report-types';

/** A contract ending within this many days of the period's end is a risk. */
export const CONTRACT_RISK_DAYS = 90;
/** No won deal for longer than this is a risk (half a year: most B2B accounts buy at least that often). */
export const NO_WIN_RISK_DAYS = 180;

const DAY_MS = 86_400_000;
const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to.slice(0, 10)}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/**
 * The key and develop accounts at risk, each with its reasons. "Key and develop" are every tier
 * but the last in config order. Thresholds follow the next-step rules where they have one, so the
 * page and the to-dos agree: revenue 12 m down by the revenue-drop share or more, satisfaction
 * below the low-satisfaction bar; then a contract ending within 90 days (or ended within the last 90), or no won deal for 180.
 */
export function findAtRisk(args: { rows: readonly ReportAccountRow[]; tiers: readonly TierDefinition[]; rules: NextStepRulesConfig; asOf: string }): AtRiskAccount[] {
  const watched = new Set(args.tiers.slice(0, -1).map((tier) => tier.id));
  const dropShare = args.rules.rules.revenueDrop.dropShare;
  const below = args.rules.rules.lowSatisfaction.below;
  const found: AtRiskAccount[] = [];
  for (const row of args.rows) {
    if (!watched.has(row.tier)) continue;
    const reasons: RiskReason[] = [];
    if (row.growthYoY !== null && row.growthYoY <= -dropShare) reasons.push({ kind: 'revenueFalling', growthYoY: row.growthYoY });
    if (row.satisfaction !== null && row.satisfaction < below) reasons.push({ kind: 'lowSatisfaction', satisfaction: row.satisfaction, below });
    if (row.contractEnd !== null) {
      const daysLeft = daysBetween(args.asOf, row.contractEnd);
      // An ended contract not yet renewed (up to 90 days back) is as much a risk as one about to end.
      if (Math.abs(daysLeft) <= CONTRACT_RISK_DAYS) reasons.push({ kind: 'contractEnding', contractEnd: row.contractEnd.slice(0, 10), daysLeft });
    }
    if (row.daysSinceLastWon === null || row.daysSinceLastWon > NO_WIN_RISK_DAYS) reasons.push({ kind: 'noRecentWin', daysSinceLastWon: row.daysSinceLastWon });
    if (reasons.length > 0) found.push({ id: row.id, name: row.name, ownerId: row.ownerId, tier: row.tier, score: row.score, reasons });
  }
  return found;
}
