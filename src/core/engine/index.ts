/**
 * The engine's public API (spec: shared/spec/engine.md). The live app builds a snapshot from
 * synced CRM data and calls these; `kam evaluate` feeds them a file instead.
 */
export { parseSnapshot } from '../model/parse-snapshot';
export type { PortfolioSnapshot, SnapshotAccount, SnapshotDeal, FxRate, DealStatus, AccountFields } from '../model/snapshot';
export type { InputIssue } from '../model/input-issues';
export type { Granularity, Period } from '../model/periods';
export type { Lang } from '../i18n/format-values';

export { parseCriteriaConfig } from '../scoring/criteria-config';
export type { CriteriaConfig, CriteriaConfigInput, Criterion, Scale, TierDefinition } from '../scoring/criteria-config';
export { DEFAULT_CRITERIA } from '../scoring/default-criteria';
export { ruleVersion, ENGINE_FORMULA_VERSION } from '../scoring/rule-version';
export type { Contribution } from '../scoring/score-portfolio';
export { DEFAULT_KPI_SETTINGS } from '../kpi/kpi-settings';
export type { KpiSettings } from '../kpi/kpi-settings';
export type { PortfolioKpis } from '../kpi/kpi-pack';
export type { PeriodKpis, AbcClass, XyzClass } from '../kpi/account-kpis';

export { evaluatePortfolio } from './evaluate-portfolio';
export type { EvaluationResult, AccountEvaluation, EvaluateOptions } from './evaluate-portfolio';

export { planNextSteps } from '../rules/plan-next-steps';
export type { PlanNextStepsInput, NextStepPlan, TaskIntent, CloseIntent, LedgerEntry, SkipReason } from '../rules/plan-next-steps';
export { parseNextStepRules, DEFAULT_NEXT_STEP_RULES } from '../rules/next-step-rules-config';
export type { NextStepRulesConfig, NextStepRulesInput } from '../rules/next-step-rules-config';
