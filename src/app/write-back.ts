import { setImmediate as nextTurn } from 'node:timers/promises';
import type { EvaluationResult } from '../core/engine/evaluate-portfolio';
import type { Lang } from '../core/i18n/format-values';
import type { Granularity } from '../core/model/periods';
import type { CrmWriter } from '../core/ports/crm-writer.port';
import type { Storage } from '../core/ports/storage.port';
import type { NextStepPlan, TaskIntent } from '../core/rules/plan-next-steps';
import type { CriteriaConfig } from '../core/scoring/criteria-config';
import type { Logger } from '../logging/logger';
import { kpiSummaryText } from './kpi-summary';

/**
 * Write-back use case, idempotent end to end:
 * - tier and score only where they differ from what we last wrote;
 * - one KPI summary comment per company and period, reserved before the write;
 * - next-step to-dos reserved in the ledger before the create; entries left `pending` by a
 *   crash or a lost answer are looked up by their marker before anything is created again;
 * - close intents complete the to-do and close the ledger entry.
 */
export interface WriteBackCounts {
  fields: number;
  comments: number;
  todos: number;
  closed: number;
  recovered: number;
  failed: number;
}

export interface WriteBackDeps {
  storage: Storage;
  installationId: string;
  writer: CrmWriter;
  evaluation: EvaluationResult;
  plan: NextStepPlan;
  criteria: CriteriaConfig;
  lang: Lang;
  /** Tiers whose companies get the monthly KPI comment (default: every tier but the last). */
  summaryTiers?: string[];
  /** The KPI summary's period (settings `summaryPeriod`, default month): one summary per account and period. */
  summaryPeriod?: Granularity;
  logger: Logger;
}

/**
 * The dedup part of a summary's key: a month keeps the key it always had (`2026-11`), so stored
 * keys stay valid; a quarter (`2026-Q4`) or year (`2026-Y`) never collides with a month's key,
 * so switching the period writes the new period's summary once.
 */
export function summaryPeriodKey(period: Granularity, start: string): string {
  if (period === 'month') return start.slice(0, 7);
  if (period === 'year') return `${start.slice(0, 4)}-Y`;
  return `${start.slice(0, 4)}-Q${Math.floor((Number(start.slice(5, 7)) - 1) / 3) + 1}`;
}

/**
 * Ledger calls per turn of the event loop in the per-item loops below. On SQLite each call runs
 * synchronously and an await of it is only a microtask, so a loop over hundreds of intents would
 * hold every HTTP request of the process (event acks) until it ends (issue 9, "event bursts").
 */
const CALLS_PER_TURN = 25;

async function eachWithTurns<T>(items: Iterable<T>, work: (item: T) => Promise<void>): Promise<void> {
  let done = 0;
  for (const item of items) {
    if (done > 0 && done % CALLS_PER_TURN === 0) await nextTurn();
    await work(item);
    done += 1;
  }
}

const fieldKey = (accountId: string) => `field:company:${accountId}`;
/** When we last wrote an account's fields: its update event, coming back, is our own echo. */
export const echoKey = (accountId: string) => `echo:${accountId}`;

export async function writeBack(deps: WriteBackDeps): Promise<WriteBackCounts> {
  const { storage, installationId, writer, evaluation } = deps;
  const counts: WriteBackCounts = { fields: 0, comments: 0, todos: 0, closed: 0, recovered: 0, failed: 0 };

  // 1. Tier and score fields, only where changed.
  const stored = await storage.writeState.getMany(installationId, evaluation.accounts.map((account) => fieldKey(account.id)));
  const changed = evaluation.accounts.filter((account) => {
    const last = stored.get(fieldKey(account.id)) as { tier?: string; score?: number } | undefined;
    return !last || last.tier !== account.tier || last.score !== account.score;
  });
  // Noted before the write: the update events it causes may arrive before it returns.
  const writingAt = new Date().toISOString();
  await storage.writeState.putMany(installationId, changed.map((account) => ({ key: echoKey(account.id), value: writingAt })));
  const fields = await writer.writeFields(changed.map((account) => ({ accountId: account.id, tier: account.tier, score: account.score })));
  const byId = new Map(changed.map((account) => [account.id, account]));
  await storage.writeState.putMany(
    installationId,
    fields.done.map((companyId) => ({ key: fieldKey(companyId), value: { tier: byId.get(companyId)?.tier, score: byId.get(companyId)?.score } })),
  );
  counts.fields = fields.done.length;
  counts.failed += fields.failed.length + fields.unknown.length;

  // 2. One KPI summary per company and period.
  const summaryTiers = new Set(deps.summaryTiers ?? deps.criteria.tiers.slice(0, -1).map((tier) => tier.id));
  const summaryPeriod = deps.summaryPeriod ?? 'month';
  const period = summaryPeriodKey(summaryPeriod, evaluation.periods[summaryPeriod].start);
  const summaries = evaluation.accounts.filter((account) => summaryTiers.has(account.tier));
  const commentKey = (companyId: string) => `comment:company:${companyId}:${period}`;
  const commentState = await storage.writeState.getMany(installationId, summaries.map((account) => commentKey(account.id)));
  const pendingComments = summaries.filter((account) => (commentState.get(commentKey(account.id)) as { state?: string } | undefined)?.state === 'pending');
  const search = pendingComments.length > 0
    ? await writer.findComments(pendingComments.map((account) => ({ key: commentKey(account.id), accountId: account.id })))
    : { found: new Map<string, string>(), unresolved: new Set<string>() };
  await storage.writeState.putMany(installationId, [...search.found].map(([key, crmId]) => ({ key, value: { state: 'done', crmId } })));
  counts.recovered += search.found.size;
  // Written when never tried, or tried and proven absent; a pending key the CRM could not be asked about waits.
  const toComment = summaries.filter((account) => {
    const key = commentKey(account.id);
    if (!commentState.has(key)) return true;
    return (commentState.get(key) as { state?: string }).state === 'pending' && !search.found.has(key) && !search.unresolved.has(key);
  });
  // A fresh key is claimed atomically (two processes never both write it); a pending key proven
  // absent is ours already.
  const fresh = toComment.filter((account) => !commentState.has(commentKey(account.id)));
  const claimed = new Set(await storage.writeState.claimMany(installationId, fresh.map((account) => ({ key: commentKey(account.id), value: { state: 'pending' } }))));
  const owned = toComment.filter((account) => claimed.has(commentKey(account.id)) || commentState.has(commentKey(account.id)));
  const comments = await writer.addComments(
    owned.map((account) => ({ key: commentKey(account.id), accountId: account.id, text: kpiSummaryText(account, evaluation, deps.criteria, deps.lang, summaryPeriod) })),
  );
  await storage.writeState.putMany(installationId, comments.done.map(({ key, crmId }) => ({ key, value: { state: 'done', crmId } })));
  // A refused comment may be written next time; an unknown one stays pending and is looked up.
  await storage.writeState.deleteMany(installationId, comments.failed.map((failure) => failure.key));
  counts.comments = comments.done.length;
  counts.failed += comments.failed.length + comments.unknown.length;

  // 3. Next-step to-dos through the ledger.
  const pending = await storage.taskLedger.list(installationId, { states: ['pending'] });
  const unresolved = new Set<string>();
  if (pending.length > 0) {
    const existing = await writer.findTodos(pending.map((entry) => ({ dedupKey: entry.dedupKey, accountId: entry.entityId })));
    await eachWithTurns(existing.found, ([dedupKey, crmTaskId]) => storage.taskLedger.markOpen(installationId, dedupKey, crmTaskId));
    for (const dedupKey of existing.unresolved) unresolved.add(dedupKey);
    counts.recovered += existing.found.size;
  }
  const reserved: TaskIntent[] = [];
  await eachWithTurns(deps.plan.create, async (intent) => {
    const fresh = await storage.taskLedger.reserve({
      installationId,
      dedupKey: intent.dedupKey,
      ruleId: intent.ruleId,
      accountId: intent.accountId,
      ownerId: intent.ownerId || null,
      entityType: intent.entity.type,
      entityId: intent.entity.id,
      title: intent.title,
      dueDate: intent.dueDate,
    });
    if (fresh) reserved.push(intent);
  });
  // Re-try the pending ones the marker search did not find, with their stored texts.
  // (A refused one is tried again only while its rule still asks for it.)
  const intents = new Map(deps.plan.create.map((intent) => [intent.dedupKey, intent]));
  const reservedKeys = new Set(reserved.map((intent) => intent.dedupKey));
  const stillPending = (await storage.taskLedger.list(installationId, { states: ['pending', 'failed'] })).filter(
    (entry) => !reservedKeys.has(entry.dedupKey) && !unresolved.has(entry.dedupKey) && (entry.state === 'pending' || intents.has(entry.dedupKey)),
  );
  const creates = [
    ...reserved.map((intent) => ({ dedupKey: intent.dedupKey, accountId: intent.entity.id, ownerId: intent.ownerId || null, title: intent.title, description: intent.description, dueDate: intent.dueDate })),
    ...stillPending.map((entry) => ({
      dedupKey: entry.dedupKey,
      accountId: entry.entityId,
      ownerId: entry.ownerId,
      title: entry.title,
      description: intents.get(entry.dedupKey)?.description ?? entry.title,
      dueDate: entry.dueDate ?? evaluation.asOf,
    })),
  ];
  const created = await writer.createTodos(creates);
  await eachWithTurns(created.done, ({ dedupKey, crmTaskId }) => storage.taskLedger.markOpen(installationId, dedupKey, crmTaskId));
  await eachWithTurns(created.failed, (failure) => storage.taskLedger.markFailed(installationId, failure.key, failure.reason));
  counts.todos = created.done.length;
  counts.failed += created.failed.length + created.unknown.length;

  // 4. Close what lost its cause.
  const closes: Array<{ dedupKey: string; crmTaskId: string; reason: string }> = [];
  await eachWithTurns(deps.plan.close, async (intent) => {
    const entry = await storage.taskLedger.get(installationId, intent.dedupKey);
    if (entry?.state === 'open' && entry.crmTaskId) closes.push({ dedupKey: entry.dedupKey, crmTaskId: entry.crmTaskId, reason: intent.reason });
  });
  const closed = await writer.closeTodos(closes);
  const reasons = new Map(closes.map((item) => [item.dedupKey, item.reason]));
  await eachWithTurns(closed.done, (dedupKey) => storage.taskLedger.markClosed(installationId, dedupKey, reasons.get(dedupKey) ?? 'cause gone'));
  counts.closed = closed.done.length;
  counts.failed += closed.failed.length;
  if (counts.failed > 0) deps.logger.warn('write-back left items for the next run', { installationId, failed: counts.failed });
  return counts;
}
