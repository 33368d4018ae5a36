import { byCodeUnits } from '../../core/kpi/portfolio-index';
import type { Storage } from '../../core/ports/storage.port';

export interface TierChange {
  accountId: string;
  /** null when the account had no tier before (its first evaluation). */
  from: string | null;
  to: string;
}

/** The tier of every account in the installation's latest stored run (empty before the first). */
export async function latestTiers(storage: Storage, installationId: string): Promise<Map<string, string>> {
  const run = await storage.evaluations.latestRun(installationId);
  if (!run) return new Map();
  return new Map((await storage.evaluations.runAccounts(installationId, run.id)).map((account) => [account.accountId, account.tier]));
}

/** Accounts whose tier differs between two readings of latestTiers, by account id. */
export function tierChanges(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): TierChange[] {
  const changes: TierChange[] = [];
  for (const [accountId, to] of after) {
    const from = before.get(accountId) ?? null;
    if (from !== to) changes.push({ accountId, from, to });
  }
  return changes.sort((a, b) => byCodeUnits(a.accountId, b.accountId));
}
