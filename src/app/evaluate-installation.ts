import type { EvaluationResult } from '../core/engine/evaluate-portfolio';
import type { Lang } from '../core/i18n/format-values';
import type { PortfolioSnapshot } from '../core/model/snapshot';
import type { CrmTraits } from '../core/ports/crm-connector.port';
import type { AccountSnapshot } from '../core/ports/evaluation-store.port';
import type { Storage } from '../core/ports/storage.port';
import type { NextStepPlan } from '../core/rules/plan-next-steps';
import type { NextStepRulesConfig } from '../core/rules/next-step-rules-config';
import type { CriteriaConfig } from '../core/scoring/criteria-config';
import { buildSnapshot, type SnapshotBuild } from './build-snapshot';
import { inlineEvaluationRunner, type EvaluationRunner } from './evaluation/evaluation-runner';
import { nameFieldCriteria, readCrmFields } from './settings/crm-fields';

/**
 * Evaluate use case: the synced portfolio -> scores, tiers with reasons, the KPI pack, saved as a
 * dated run with its rule version; then the next-step plan against the task ledger. The store is
 * read here; the engine and the planner (pure, CPU-heavy) run on the given runner.
 */
export interface EvaluationOutcome {
  evaluation: EvaluationResult;
  snapshot: PortfolioSnapshot;
  build: SnapshotBuild;
  plan: NextStepPlan;
}

export async function evaluateInstallation(deps: {
  storage: Storage;
  installationId: string;
  asOf: string;
  criteria: CriteriaConfig;
  rules: NextStepRulesConfig;
  lang: Lang;
  /** The CRM's facts: its default currency, how its own company is flagged. */
  traits: Pick<CrmTraits, 'ownCompanyField' | 'defaultCurrency'>;
  contactsAsAccounts?: boolean;
  /** Where the engine and the planner run (a worker thread in `kam serve`); default this thread. */
  runner?: EvaluationRunner;
}): Promise<EvaluationOutcome> {
  const { storage, installationId, asOf } = deps;
  const build = await buildSnapshot({ storage, installationId, asOf, traits: deps.traits, contactsAsAccounts: deps.contactsAsAccounts ?? false });
  // The planner reads the ledger's open tasks and the recent ones (cooldowns, daily caps).
  const since = new Date(Date.parse(`${asOf}T00:00:00Z`) - 400 * 86_400_000).toISOString();
  const live = await storage.taskLedger.list(installationId, { states: ['open', 'pending'] });
  const recent = await storage.taskLedger.list(installationId, { states: ['closed'], createdSince: since });
  const ledger = [...live, ...recent]
    .map((entry) => ({
      dedupKey: entry.dedupKey,
      ruleId: entry.ruleId,
      accountId: entry.accountId,
      ownerId: entry.ownerId ?? '',
      createdAt: entry.createdAt,
      state: entry.state === 'closed' ? ('closed' as const) : ('open' as const),
    }));
  const tierLabels = Object.fromEntries(deps.criteria.tiers.map((tier) => [tier.id, tier.label]));
  // A criterion on a portal's own CRM field saved without a label (before the settings page named
  // such criteria) is named by the CRM here, so its reasons never show the field's code. A label
  // is wording only: the rule version stays the same.
  const fields = await readCrmFields(storage, installationId);
  const criteria = { ...deps.criteria, criteria: nameFieldCriteria(deps.criteria.criteria, fields) };
  const { evaluation, plan } = await (deps.runner ?? inlineEvaluationRunner).run({
    snapshot: build.snapshot, criteria, rules: deps.rules, ledger, asOf, lang: deps.lang, tierLabels,
  });
  const previous = new Map(build.snapshot.accounts.map((account) => [account.id, account.previousTier ?? null]));
  const rows: AccountSnapshot[] = evaluation.accounts.map((account) => {
    const { id, score, tier, contributions, kpis, ...summary } = account;
    return {
      accountId: id,
      asOf: evaluation.asOf,
      score,
      tier,
      previousTier: previous.get(id) ?? null,
      ruleVersion: evaluation.ruleVersion,
      contributions,
      kpis: { ...summary, periods: kpis },
    };
  });
  await storage.evaluations.saveRun(
    { installationId, asOf: evaluation.asOf, ruleVersion: evaluation.ruleVersion, portfolio: { periods: evaluation.periods, kpis: evaluation.portfolio, baseCurrency: evaluation.baseCurrency } },
    rows,
  );
  return { evaluation, snapshot: build.snapshot, build, plan };
}
