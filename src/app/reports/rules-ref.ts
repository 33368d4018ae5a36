import type { I18n } from '../../core/i18n/messages';
import type { SettingsChange } from '../../core/ports/settings-history.port';

/** A rule version (the engine's criteria hash) and when the settings history shows it was saved (null: as installed). */
export interface RulesRef {
  version: string;
  savedAt: string | null;
}

export type RulesHistory = ReadonlyArray<Pick<SettingsChange, 'changedAt' | 'ruleVersion' | 'previousRuleVersion'>>;

/**
 * Names a rule version for people: the moment the settings history shows those criteria were
 * saved. The same criteria saved twice (A, then B, then A again) take the latest save not after
 * `asOf` (a frozen report's close), so an old report never names a later save; criteria never
 * saved are the ones as installed (`savedAt` null).
 */
export function rulesRef(history: RulesHistory, version: string | null, asOf?: string): RulesRef | null {
  if (version === null) return null;
  const introduced = history
    .filter((change) => change.ruleVersion === version && change.previousRuleVersion !== version)
    .map((change) => change.changedAt)
    .sort();
  const inForce = asOf === undefined ? introduced : introduced.filter((at) => at <= asOf);
  return { version, savedAt: inForce.at(-1) ?? introduced[0] ?? null };
}

/**
 * The same name as a sentence part in a file (XLSX, the CLI): "the criteria of 12 Sep 2026,
 * 14:03 UTC" or "the criteria as installed". A file has no reader's time zone, so the time is
 * UTC and says so; the hash itself stays where a machine reads it (the JSON export), never in front of a person.
 */
export function rulesName(i18n: Pick<I18n, 't' | 'fmt'>, history: RulesHistory, version: string, asOf?: string): string {
  const savedAt = rulesRef(history, version, asOf)?.savedAt ?? null;
  return savedAt === null ? i18n.t('report.criteriaInitial') : i18n.t('report.criteriaOf')(`${i18n.fmt.dateTime(savedAt, 'UTC')} UTC`);
}
