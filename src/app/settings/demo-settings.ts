import type { Storage } from '../../core/ports/storage.port';
import { previewSettings, type PreviewInput } from './preview-settings';
import { saveSettings } from './save-settings';
import { latestTiers, tierChanges, type TierChange } from './tier-changes';

/** What `kam demo --criteria FILE --json` prints as `preview`. */
export interface DemoPreview {
  ruleVersion: string;
  counts: { before: Record<string, number>; after: Record<string, number> };
  /** By account id. */
  moves: Array<{ accountId: string; from: string; to: string }>;
}

/**
 * `kam demo --criteria FILE`: the draft goes through the settings page's own use cases, preview
 * then save, on the same evaluation day the next pass uses. Throws INPUT_INVALID (naming the
 * path) when the draft does not validate; nothing is saved then.
 */
export async function applySettingsDraft(deps: PreviewInput): Promise<DemoPreview> {
  const preview = await previewSettings(deps);
  if (!preview.ok) throw preview.error;
  const saved = await saveSettings({ ...deps, actor: { id: 'kam-demo', name: 'kam demo' } });
  if (!saved.ok) throw saved.error;
  const { ruleVersion, counts, moves } = preview.value;
  return {
    ruleVersion: ruleVersion.after,
    counts,
    moves: moves.map(({ accountId, from, to }) => ({ accountId, from, to })).sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0)),
  };
}

/** A pass's rule version and the tier changes it made, from the stored runs around it. */
export async function passTierChanges(storage: Storage, installationId: string, before: ReadonlyMap<string, string>): Promise<{ ruleVersion: string | null; tierChanges: TierChange[]; tiers: Map<string, string> }> {
  const tiers = await latestTiers(storage, installationId);
  const run = await storage.evaluations.latestRun(installationId);
  return { ruleVersion: run?.ruleVersion ?? null, tierChanges: tierChanges(before, tiers), tiers };
}
