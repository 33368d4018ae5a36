import { evaluatePortfolio, type EvaluationResult } from '../../core/engine/evaluate-portfolio';
import { KamError, isKamError, type ErrorCode, type Result } from '../../core/errors';
import type { Lang } from '../../core/i18n/format-values';
import type { PortfolioSnapshot } from '../../core/model/snapshot';
import type { NextStepRulesConfig } from '../../core/rules/next-step-rules-config';
import { planNextSteps, type NextStepPlan, type PlanNextStepsInput } from '../../core/rules/plan-next-steps';
import type { CriteriaConfig } from '../../core/scoring/criteria-config';

/**
 * The CPU-heavy, pure part of an evaluation: the engine over the snapshot, then the next-step
 * plan against the task ledger. Everything in and out is plain data, so it can run on a worker
 * thread (evaluation-runner.ts) as well as inline, with the same result.
 */
export interface EvaluationTask {
  snapshot: PortfolioSnapshot;
  criteria: CriteriaConfig;
  rules: NextStepRulesConfig;
  ledger: NonNullable<PlanNextStepsInput['ledger']>;
  asOf: string;
  lang: Lang;
  tierLabels: NonNullable<PlanNextStepsInput['tierLabels']>;
}

export interface EvaluationWork {
  evaluation: EvaluationResult;
  plan: NextStepPlan;
}

/** A KamError as plain data: a worker's error crosses the thread boundary as a structured clone, which drops the class. */
export interface PlainKamError {
  code: ErrorCode;
  message: string;
  status: number;
  retryable: boolean;
  details: Record<string, unknown>;
}

export function evaluatePortfolioTask(task: EvaluationTask): EvaluationWork {
  const evaluation = evaluatePortfolio(task.snapshot, task.criteria, { asOf: task.asOf, lang: task.lang, reasonLangs: ['ru', 'en'] });
  const plan = planNextSteps({
    snapshot: task.snapshot, evaluation, rules: task.rules, ledger: task.ledger, today: task.asOf, lang: task.lang, tierLabels: task.tierLabels,
  });
  return { evaluation, plan };
}

/** The task with its expected failures (the engine's KamErrors) as a result, for the worker. */
export function evaluatePortfolioTaskResult(task: EvaluationTask): Result<EvaluationWork, PlainKamError> {
  try {
    return { ok: true, value: evaluatePortfolioTask(task) };
  } catch (error) {
    if (!isKamError(error)) throw error;
    return { ok: false, error: { code: error.code, message: error.message, status: error.status, retryable: error.retryable, details: error.details } };
  }
}

export const toKamError = (plain: PlainKamError): KamError =>
  new KamError(plain.code, plain.message, { status: plain.status, retryable: plain.retryable, details: plain.details });
