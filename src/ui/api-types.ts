/**
 * The JSON the pages read and write: one contract shared by the pages (src/ui/app) and the
 * routes (src/http/api.routes.ts). Texts that come from the engine (reasons, risk texts) arrive
 * in the caller's language; everything else is labelled by the pages from their catalogue.
 * Dates are ISO calendar days (YYYY-MM-DD), money is in `baseCurrency` at full precision,
 * rates are fractions (0.8, not 80).
 */
import type { PortfolioKpis } from '../core/kpi/kpi-pack';
export type Lang = 'ru' | 'en';
export type Granularity = 'month' | 'quarter' | 'year';
export type AbcClass = 'A' | 'B' | 'C';
export type XyzClass = 'X' | 'Y' | 'Z';

/** A closed calendar period; the pages label it ("Oct 2026", "Q3 2026", "2025"). */
export interface PeriodRef {
  granularity: Granularity;
  start: string;
  end: string;
}

export interface TierInfo {
  id: string;
  /** In the caller's language (the configured label, or the tier's default name). */
  label: string;
  minScore: number;
}

export interface PersonRef {
  id: string;
  name: string;
}

/** Where a CRM entity opens: the pages open it through the CRM (frame SDK), or as a link. */
export interface CrmLink {
  entity: 'company' | 'contact' | 'deal' | 'task' | 'lead';
  id: string;
  url: string | null;
}

export interface ApiError {
  error: {
    code: string;
    message: string;
    /** Per-field messages, keyed by the JSON path of the field (`criteria.0.weight`). */
    fields?: Record<string, string>;
  };
}

// ---------------------------------------------------------------- card tab: GET /api/account-view

export interface ScoreReason {
  criterion: string;
  /** The criterion's label in the caller's language. */
  label: string;
  points: number;
  /** The most this criterion can give (100 x weight / sum of weights); null when not known. */
  maxPoints: number | null;
  /** Value against the criterion's target (1.4 = 140%: over-achievement is not capped); null when not a ratio. */
  achievement: number | null;
  text: string;
  source: 'primary' | 'fallback' | 'missing';
}

export interface NextStepView {
  id: string;
  /**
   * The to-do's title as the CRM shows it: written once, in the portal's language (`titleLang`),
   * since everyone in the portal reads the same task. `kind` is its rule's name in the reader's
   * language (null for a to-do of no rule we know), so a reader of another language still sees
   * what the to-do is about; the page leads with it when the languages differ.
   */
  title: string;
  titleLang: Lang;
  kind: string | null;
  due: string | null;
  overdue: boolean;
  owner: PersonRef | null;
  link: CrmLink | null;
}

export interface RiskSignal {
  kind: 'revenueDrop' | 'lowSatisfaction' | 'contractEnding' | 'noRecentWin' | 'other';
  text: string;
}

export interface AccountView {
  asOf: string;
  baseCurrency: string;
  ruleVersion: string | null;
  /** The first sync or evaluation has not finished yet. */
  syncing: boolean;
  /** The CRM refused the app's tokens: sync is stopped until an administrator reinstalls; the data may be old. */
  blocked: boolean;
  account: {
    id: string;
    name: string;
    /** The industry's name as the CRM shows it, never its code. */
    industry: string | null;
    owner: PersonRef | null;
    link: CrmLink | null;
    contractEnd: string | null;
    /** 0..10 as entered in the CRM. */
    satisfaction: number | null;
  } | null;
  /** In the deal tab: the deal itself, shown beside its account. */
  deal: {
    id: string;
    title: string;
    /** The stage as the CRM names it; null when unknown (the page then names the status). */
    stage: string | null;
    status: 'open' | 'won' | 'lost';
    amount: number | null;
    currency: string | null;
    closeDate: string | null;
    link: CrmLink | null;
  } | null;
  tiers: TierInfo[];
  evaluation: {
    tier: string;
    score: number;
    /** Points still needed for the next tier up; null on the top tier. */
    pointsToNextTier: number | null;
    nextTier: string | null;
    abc: AbcClass | null;
    xyz: XyzClass | null;
    reasons: ScoreReason[];
  } | null;
  /** The last 24 closed months, oldest first. */
  revenueByMonth: Array<{ period: PeriodRef; revenue: number }>;
  /** Each evaluation that changed the score or tier, oldest first. */
  scoreHistory: Array<{ at: string; score: number; tier: string; ruleVersion: string | null }>;
  /** The last closed month, quarter and year. */
  kpis: Array<{ period: PeriodRef; revenue: number; previousRevenue: number; growth: number | null; wonDeals: number; winRate: number | null }>;
  nextSteps: NextStepView[];
  risks: RiskSignal[];
}

// ---------------------------------------------------------------- portfolio: GET /api/portfolio

/** The engine's portfolio KPIs of one period (spec section 3), as the page receives them. */
export type PortfolioKpiSet = PortfolioKpis;

export interface PortfolioAccountRow {
  id: string;
  name: string;
  link: CrmLink | null;
  owner: PersonRef | null;
  tier: string;
  score: number;
  /** Score change since the previous period; null when the account was not evaluated then. */
  scoreDelta: number | null;
  industry: string | null;
  abc: AbcClass | null;
  xyz: XyzClass | null;
  revenue12m: number;
  growthYoY: number | null;
  ltv: number | null;
  margin: number | null;
  romi: number | null;
  contractEnd: string | null;
  openSteps: number;
  overdueSteps: number;
}

export interface ManagerRow {
  owner: PersonRef;
  byTier: Record<string, number>;
  revenue: number;
  retentionRate: number | null;
  openSteps: number;
  overdueSteps: number;
}

/**
 * The criteria a score was made with, as people name them: when they were saved (the settings
 * history); `savedAt` null: the criteria as installed, never saved since. `version` (the
 * engine's hash) is for a tooltip only.
 */
export interface RulesRef {
  version: string;
  savedAt: string | null;
}

export interface PortfolioView {
  period: PeriodRef;
  /** Whose accounts every figure covers: the whole portfolio (an administrator) or the caller's own (a manager). */
  scope: 'all' | 'own';
  /** The closed periods that can be picked, newest first. */
  periods: PeriodRef[];
  baseCurrency: string;
  rules: RulesRef | null;
  /** Set when the period's report was frozen at its close (and reads the same after rates or criteria change). */
  frozen: { at: string } | null;
  kpis: PortfolioKpiSet;
  /** The last 8 periods of the same granularity, oldest first, this one last. */
  trend: Array<{ period: PeriodRef; kpis: PortfolioKpiSet }>;
  tiers: TierInfo[];
  distribution: Record<string, number>;
  /** Moves since the previous period (from = null: newly evaluated). */
  movements: Array<{ from: string | null; to: string; count: number }>;
  accounts: PortfolioAccountRow[];
  managers: ManagerRow[];
  atRisk: Array<{ accountId: string; name: string; tier: string; owner: PersonRef | null; link: CrmLink | null; reasons: RiskSignal[] }>;
}

// ---------------------------------------------------------------- settings: GET/POST /api/settings

export type ScaleDoc =
  | { type: 'linear'; min: number; max: number }
  | { type: 'map'; values: Record<string, number>; default?: number }
  | { type: 'thresholds'; steps: Array<{ gte?: number; lte?: number; value: number }> }
  | { type: 'percentile' };

export interface CriterionDoc {
  id: string;
  metric: string;
  weight: number;
  scale: ScaleDoc;
  fallback?: string;
  label?: { ru?: string; en?: string };
}

export interface TierDoc {
  id: string;
  minScore: number;
  label?: { ru?: string; en?: string };
}

/** One next-step rule: on/off and its numeric parameters (cooldownDays, dueInBusinessDays, days, ...). */
export interface RuleDoc {
  enabled: boolean;
  [parameter: string]: boolean | number | string | string[] | null;
}

export interface SettingsDoc {
  criteria: CriterionDoc[];
  tiers: TierDoc[];
  hysteresis: number;
  rules: { maxNewTasksPerOwnerPerDay: number; rules: Record<string, RuleDoc> };
  /** Our input -> the CRM field that holds it (potential, margin, satisfaction, contractEnd, marketingCost). */
  fieldMap: Record<string, string | null>;
  lang: Lang;
  summaryPeriod: Granularity;
}

export interface MetricOption {
  /** The metric name a criterion stores (`revenue12m`, `quarter.growth`, `field:potential3y`). */
  metric: string;
  label: string;
  kind: 'kpi' | 'field';
  /** For list fields: the values a map scale can give points to. */
  values?: Array<{ id: string; label: string }>;
}

export interface SettingsView {
  ruleVersion: string;
  /** The criteria in force, named for people. */
  rules: RulesRef;
  settings: SettingsDoc;
  metrics: MetricOption[];
  /** The CRM's own fields that can be mapped to our inputs. */
  crmFields: Array<{ id: string; label: string; type: string }>;
  /** Our inputs that the field mapping covers, labelled. */
  inputs: Array<{ id: string; label: string }>;
}

export interface SettingsPreview {
  ruleVersion: string;
  counts: { before: Record<string, number>; after: Record<string, number> };
  moves: Array<{ accountId: string; name: string; from: string; to: string; scoreBefore: number; scoreAfter: number; reason: string | null }>;
}

export interface SettingsSaved {
  ruleVersion: string;
  rules: RulesRef;
  moved: number;
}

export interface SettingsHistoryEntry {
  at: string;
  by: PersonRef | null;
  ruleVersion: string;
  /**
   * `label`: the path as people read it ("Potential over 3 years: weight"); `path` keys it.
   * `beforeText`/`afterText`: the values as people read them, in the caller's language (a metric or
   * CRM field by its name, on/off, numbers as the reader writes them); `before`/`after` are the raw values.
   */
  changes: Array<{ path: string; label: string; before: unknown; after: unknown; beforeText: string; afterText: string }>;
}
