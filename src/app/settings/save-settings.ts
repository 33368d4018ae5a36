import { KamError, fail, ok, type Result } from '../../core/errors';
import type { Lang } from '../../core/i18n/format-values';
import type { SettingsChange } from '../../core/ports/settings-history.port';
import type { Storage } from '../../core/ports/storage.port';
import { ruleVersion } from '../../core/scoring/rule-version';
import { diffSettings } from './settings-diff';
import { applyDraft, criteriaOf, documentFromStored, storedFromDocument, type SettingsDocument } from './settings-document';

export interface SavedSettings {
  document: SettingsDocument;
  /** The history entry written; null when the draft changed nothing (nothing is written then). */
  change: SettingsChange | null;
  /** The settings version now (bumped by a save). */
  version: number;
  ruleVersion: string;
  /** The field mapping changed: run a full sync so the synced values follow it. */
  resyncNeeded: boolean;
}

/** The settings page's read: the whole document with defaults filled in, and its version. */
export async function readSettingsDocument(deps: { storage: Storage; installationId: string; defaultLang: Lang }): Promise<Result<{ document: SettingsDocument; version: number }, KamError>> {
  const installation = await deps.storage.installations.get(deps.installationId);
  if (!installation) return fail(new KamError('NOT_FOUND', 'Installation not found.', { details: { installationId: deps.installationId } }));
  return ok({ document: documentFromStored(installation.settings, deps.defaultLang), version: await deps.storage.settingsHistory.latestVersion(deps.installationId) });
}

/**
 * Validates the draft against the whole document (a fault anywhere saves nothing), then stores
 * it and its history entry (who, when, the diff by path, the rule version before and after) in
 * one transaction. `expectedVersion` is the version the admin's page was showing: a save on top
 * of someone else's newer one is refused with CONFLICT. The caller then re-evaluates and writes
 * back (the next cycle, with the same asOf the preview used, does exactly what it showed).
 */
export async function saveSettings(deps: {
  storage: Storage;
  installationId: string;
  draft: unknown;
  actor: { id: string; name?: string | null };
  defaultLang: Lang;
  expectedVersion?: number;
  now?: () => Date;
}): Promise<Result<SavedSettings, KamError>> {
  const { storage, installationId } = deps;
  const read = await readSettingsDocument(deps);
  if (!read.ok) return read;
  const { document: current, version } = read.value;
  const next = applyDraft(current, deps.draft);
  if (!next.ok) return next;
  const after = ruleVersion(criteriaOf(next.value));
  const resyncNeeded = JSON.stringify(current.fieldMap) !== JSON.stringify(next.value.fieldMap);
  const diff = diffSettings(current, next.value);
  if (diff.length === 0) return ok({ document: next.value, change: null, version, ruleVersion: after, resyncNeeded });
  // The store refuses (CONFLICT) unless its latest version is still this one.
  const expectedVersion = deps.expectedVersion ?? version;
  try {
    const change = await storage.settingsHistory.save({
      installationId,
      expectedVersion,
      patch: storedFromDocument(next.value),
      change: {
        changedAt: (deps.now ?? (() => new Date()))().toISOString(),
        actor: { id: deps.actor.id, name: deps.actor.name ?? null },
        ruleVersion: after,
        previousRuleVersion: ruleVersion(criteriaOf(current)),
        diff,
      },
    });
    return ok({ document: next.value, change, version: change.version, ruleVersion: after, resyncNeeded });
  } catch (error) {
    if (error instanceof KamError && error.code === 'CONFLICT') return fail(error);
    throw error;
  }
}

/** The settings history, newest first (who changed what and when). */
export function settingsHistory(deps: { storage: Storage; installationId: string; limit?: number }): Promise<SettingsChange[]> {
  return deps.storage.settingsHistory.list(deps.installationId, deps.limit === undefined ? {} : { limit: deps.limit });
}
