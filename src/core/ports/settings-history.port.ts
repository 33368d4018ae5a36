/**
 * The settings history: who changed an installation's settings, when, and what (a diff by
 * path), with the rule version before and after, so the tier history can name the settings
 * change behind each move.
 */
export interface SettingsDiffEntry {
  /** `criteria[0].weight`, `tiers[1].label.ru`, `rules.rules.noContact.enabled` */
  path: string;
  /** null when the path did not exist on that side. */
  before: unknown;
  after: unknown;
}

export interface SettingsChange {
  installationId: string;
  /** 1, 2, 3, ... per installation: bumped by every save. */
  version: number;
  /** ISO datetime. */
  changedAt: string;
  /** The CRM user who saved (id as the CRM gives it) and their name when known. */
  actor: { id: string; name: string | null };
  /** The engine's rule version (criteria hash) after the change, and before it (null on the first save). */
  ruleVersion: string;
  previousRuleVersion: string | null;
  diff: SettingsDiffEntry[];
}

export interface SettingsHistoryStore {
  /**
   * In one transaction: refuses with CONFLICT unless the installation's latest version is still
   * `expectedVersion` (0 before the first save; someone else saved first), sets the given
   * top-level keys of `installation.settings` (every other key stays as stored), and appends
   * the change as version expectedVersion + 1. Nothing is written when it fails.
   */
  save(input: {
    installationId: string;
    expectedVersion: number;
    patch: Record<string, unknown>;
    change: Omit<SettingsChange, 'installationId' | 'version'>;
  }): Promise<SettingsChange>;
  /** Newest first. */
  list(installationId: string, options?: { limit?: number }): Promise<SettingsChange[]>;
  /** The latest version, 0 when the settings were never saved. */
  latestVersion(installationId: string): Promise<number>;
}
