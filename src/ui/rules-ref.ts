import type { SettingsChange } from '../core/ports/settings-history.port';
import type { RulesRef } from './api-types';

/**
 * Names a rule version (the engine's criteria hash) for people: the moment the settings history
 * shows those criteria were saved. The same criteria saved twice (A, then B, then A again) take
 * the latest save not after `asOf` (a frozen report's close), so an old report never names a
 * later save; criteria never saved are the ones as installed (`savedAt` null).
 */
export function rulesRef(
  history: ReadonlyArray<Pick<SettingsChange, 'changedAt' | 'ruleVersion' | 'previousRuleVersion'>>,
  version: string | null,
  asOf?: string,
): RulesRef | null {
  if (version === null) return null;
  const introduced = history
    .filter((change) => change.ruleVersion === version && change.previousRuleVersion !== version)
    .map((change) => change.changedAt)
    .sort();
  const inForce = asOf === undefined ? introduced : introduced.filter((at) => at <= asOf);
  return { version, savedAt: inForce.at(-1) ?? introduced[0] ?? null };
}
