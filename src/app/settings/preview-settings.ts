import { evaluatePortfolio, type AccountEvaluation, type EvaluationResult } from '../../core/engine/evaluate-portfolio';
import { KamError, fail, ok, type Result } from '../../core/errors';
import type { Lang } from '../../core/i18n/format-values';
import { byCodeUnits } from '../../core/kpi/portfolio-index';
import type { CrmTraits } from '../../core/ports/crm-connector.port';
import type { Storage } from '../../core/ports/storage.port';
import type { Contribution } from '../../core/scoring/score-portfolio';
import { buildSnapshot, type SnapshotBuild } from '../build-snapshot';
import { applyDraft, criteriaOf, documentFromStored, type SettingsDocument } from './settings-document';

/** One account whose tier the draft would change. */
export interface TierMove {
  accountId: string;
  name: string;
  from: string;
  to: string;
  scoreBefore: number;
  scoreAfter: number;
  /** The criterion whose points changed most, with its points on both sides and its reason after. */
  mainChange: { criterion: string; pointsBefore: number; pointsAfter: number; reason: string } | null;
}

export interface SettingsPreview {
  /** The validated document the draft amounts to (what saving would store). */
  document: SettingsDocument;
  ruleVersion: { before: string; after: string };
  /** Accounts per tier id, every tier of each side's config listed (0 included). */
  counts: { before: Record<string, number>; after: Record<string, number> };
  /** Highest score after first, ties by id. */
  moves: TierMove[];
  /** The field mapping changed: synced values follow it only after the next full sync. */
  resyncNeeded: boolean;
}

export interface PreviewInput {
  storage: Storage;
  installationId: string;
  draft: unknown;
  /** The evaluation day; the same the following cycle uses, so the preview is what it will do. */
  asOf: string;
  defaultLang: Lang;
  /** The installation's CRM facts (its connector's traits), as the cycle builds the snapshot with them. */
  traits: Pick<CrmTraits, 'ownCompanyField' | 'defaultCurrency'>;
}

const countTiers = (tierIds: readonly string[], evaluation: EvaluationResult): Record<string, number> => {
  const counts: Record<string, number> = Object.fromEntries(tierIds.map((id) => [id, 0]));
  for (const account of evaluation.accounts) counts[account.tier] = (counts[account.tier] ?? 0) + 1;
  return counts;
};

function mainChange(before: AccountEvaluation, after: AccountEvaluation): TierMove['mainChange'] {
  const old = new Map(before.contributions.map((c) => [c.criterion, c]));
  const ids = [...after.contributions.map((c) => c.criterion), ...before.contributions.map((c) => c.criterion).filter((id) => !after.contributions.some((c) => c.criterion === id))];
  let best: { id: string; delta: number; was?: Contribution; now?: Contribution } | null = null;
  for (const id of ids) {
    const now = after.contributions.find((c) => c.criterion === id);
    const was = old.get(id);
    const delta = Math.abs((now?.points ?? 0) - (was?.points ?? 0));
    if (best === null || delta > best.delta) best = { id, delta, ...(was ? { was } : {}), ...(now ? { now } : {}) };
  }
  if (best === null) return null;
  return { criterion: best.id, pointsBefore: best.was?.points ?? 0, pointsAfter: best.now?.points ?? 0, reason: best.now?.reason ?? best.was?.reason ?? '' };
}

/** What the current settings and the draft each make of the same snapshot build. */
export interface SettingsComparison {
  current: SettingsDocument;
  next: SettingsDocument;
  before: EvaluationResult;
  after: EvaluationResult;
  names: Map<string, string>;
}

/**
 * Evaluates the stored synced portfolio under the current settings and under the draft, on one
 * snapshot build (same asOf, same previous tiers for hysteresis), exactly as the next cycle
 * will; nothing is written. A draft that does not validate comes back as INPUT_INVALID naming
 * each path.
 */
export async function compareSettings(input: PreviewInput): Promise<Result<SettingsComparison, KamError>> {
  const { storage, installationId, asOf } = input;
  const installation = await storage.installations.get(installationId);
  if (!installation) return fail(new KamError('NOT_FOUND', 'Installation not found.', { details: { installationId } }));
  const current = documentFromStored(installation.settings, input.defaultLang);
  const next = applyDraft(current, input.draft);
  if (!next.ok) return next;
  const builds = new Map<boolean, Promise<SnapshotBuild>>();
  const buildFor = (contactsAsAccounts: boolean): Promise<SnapshotBuild> => {
    if (!builds.has(contactsAsAccounts)) builds.set(contactsAsAccounts, buildSnapshot({ storage, installationId, asOf, traits: input.traits, contactsAsAccounts }));
    return builds.get(contactsAsAccounts) as Promise<SnapshotBuild>;
  };
  const [beforeBuild, afterBuild] = await Promise.all([buildFor(current.contactsAsAccounts), buildFor(next.value.contactsAsAccounts)]);
  const before = evaluatePortfolio(beforeBuild.snapshot, criteriaOf(current), { asOf, lang: current.lang });
  const after = evaluatePortfolio(afterBuild.snapshot, criteriaOf(next.value), { asOf, lang: next.value.lang });
  const names = new Map(afterBuild.snapshot.accounts.map((account) => [account.id, account.name ?? account.id]));
  return ok({ current, next: next.value, before, after, names });
}

/** The settings page's preview: tier counts before and after, and every account that would move. */
export async function previewSettings(input: PreviewInput): Promise<Result<SettingsPreview, KamError>> {
  const compared = await compareSettings(input);
  if (!compared.ok) return compared;
  const { current, next, before, after, names } = compared.value;
  const beforeById = new Map(before.accounts.map((account) => [account.id, account]));
  const moves: TierMove[] = [];
  for (const account of after.accounts) {
    const was = beforeById.get(account.id);
    // An account only one side has (contacts as accounts switched) moves from or to no tier.
    if (was && was.tier === account.tier) continue;
    moves.push({
      accountId: account.id,
      name: names.get(account.id) ?? account.id,
      from: was?.tier ?? '',
      to: account.tier,
      scoreBefore: was?.score ?? 0,
      scoreAfter: account.score,
      mainChange: was ? mainChange(was, account) : null,
    });
  }
  moves.sort((a, b) => b.scoreAfter - a.scoreAfter || byCodeUnits(a.accountId, b.accountId));
  return ok({
    document: next,
    ruleVersion: { before: before.ruleVersion, after: after.ruleVersion },
    counts: { before: countTiers(current.tiers.map((t) => t.id), before), after: countTiers(next.tiers.map((t) => t.id), after) },
    moves,
    resyncNeeded: JSON.stringify(current.fieldMap) !== JSON.stringify(next.fieldMap),
  });
}
