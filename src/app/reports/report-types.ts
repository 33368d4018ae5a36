import type { PortfolioKpis } from '../../core/kpi/kpi-pack';
import type { AbcClass, XyzClass } from '../../core/kpi/account-kpis';
import type { FxRate } from '../../core/model/snapshot';
import type { Granularity, Period } from '../../core/model/periods';
import type { TierDefinition } from '../../core/scoring/criteria-config';

/**
 * The portfolio report: what the head of sales' page shows and what every export carries.
 * Data only, no language: labels come from the message catalogue (src/core/i18n/messages.ts)
 * when the report is shown or exported. Money is in `baseCurrency`, full precision; rates are
 * fractions (0.8, not 80); dates are `YYYY-MM-DD`.
 */
export interface PortfolioReport {
  installationId: string;
  granularity: Granularity;
  /** The report period P (spec section 2) and the one before it. */
  period: Period;
  previousPeriod: Period;
  baseCurrency: string;
  /** The rule version the scores and tiers of P were made with. */
  ruleVersion: string;
  /** The FX rates the money was converted with (kept so a frozen report can say so). */
  fxRates: FxRate[];
  /** When this report was computed (ISO instant). */
  generatedAt: string;
  /** Set when the report was read from the frozen store (version 1 = first freeze). */
  frozen: { version: number; reason: 'closed' | 'recompute'; frozenAt: string } | null;
  /** Portfolio KPIs of P. */
  kpis: PortfolioKpis;
  /** The last 8 periods of this granularity, oldest first, the last one being P. */
  trend: Array<{ period: Period; kpis: PortfolioKpis }>;
  tiers: TierSummary;
  /** One row per evaluated account, highest score first. */
  accounts: ReportAccountRow[];
  managers: ManagerRollup[];
  atRisk: AtRiskAccount[];
  /** Set when the report was cut to the viewer's own accounts (a manager's view, see visibility.ts). */
  scope?: 'own';
}

export interface TierSummary {
  /** The tiers in config order, with their labels. */
  definitions: TierDefinition[];
  /** Accounts per tier at the end of P (every tier present, 0 included). */
  distribution: Record<string, number>;
  /** From the tier at the end of P' to the tier at the end of P; `from` null = not in the portfolio then. */
  movements: Array<{ from: string | null; to: string; count: number }>;
  /** Rule versions in force at the end of P' and P (they differ when criteria changed between). */
  previousRuleVersion: string;
  ruleVersion: string;
}

export interface ReportAccountRow {
  id: string;
  name: string;
  ownerId: string | null;
  ownerName: string | null;
  /** The CRM's industry code; show it through the catalogue's industry names. */
  industry: string | null;
  tier: string;
  previousTier: string | null;
  score: number;
  /** The score at the end of P', null when the account was not there. */
  previousScore: number | null;
  scoreChange: number | null;
  /** Revenue in P and P', and the growth between (null when P' had none). */
  revenue: number;
  previousRevenue: number;
  growth: number | null;
  revenue12m: number;
  growthYoY: number | null;
  ltv: number;
  margin: number;
  romi: number | null;
  abc: AbcClass;
  xyz: XyzClass | null;
  contractEnd: string | null;
  satisfaction: number | null;
  daysSinceLastWon: number | null;
  openSteps: number;
  overdueSteps: number;
}

export interface ManagerRollup {
  ownerId: string | null;
  ownerName: string | null;
  accounts: number;
  byTier: Record<string, number>;
  revenue: number;
  revenue12m: number;
  /** Retention of this manager's accounts over P (the engine's formula on their sub-portfolio). */
  retentionRate: number | null;
  openSteps: number;
  overdueSteps: number;
}

export type RiskReason =
  | { kind: 'revenueFalling'; growthYoY: number }
  | { kind: 'lowSatisfaction'; satisfaction: number; below: number }
  /** daysLeft < 0: the contract ended that many days before the period's end. */
  | { kind: 'contractEnding'; contractEnd: string; daysLeft: number }
  | { kind: 'noRecentWin'; daysSinceLastWon: number | null };

export interface AtRiskAccount {
  id: string;
  name: string;
  ownerId: string | null;
  tier: string;
  score: number;
  reasons: RiskReason[];
}

/** Who asks, for the visibility filter: a manager sees their own accounts, an admin all. */
export interface ReportViewer {
  userId: string;
  isAdmin: boolean;
}
