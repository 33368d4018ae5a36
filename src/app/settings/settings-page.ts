import { KamError, fail, ok, type Result } from '../../core/errors';
import type { Lang } from '../../core/i18n/format-values';
import type { CrmTraits } from '../../core/ports/crm-connector.port';
import type { Installation } from '../../core/ports/installation-store.port';
import type { SettingsChange } from '../../core/ports/settings-history.port';
import type { Storage } from '../../core/ports/storage.port';
import { ruleVersion } from '../../core/scoring/rule-version';
import { metricCatalog } from './metric-catalog';
import { previewSettings } from './preview-settings';
import { readSettingsDocument, saveSettings } from './save-settings';
import { criteriaOf, type SettingsDocument } from './settings-document';

/** Who calls, as the page edge verified them (the CRM's admin check is the edge's). */
export interface SettingsCaller {
  installation: Installation;
  lang: Lang;
  /** The CRM user, when the edge knows them: the history names who saved. */
  user?: { id: string; name?: string | null } | null;
}

/**
 * The settings page's four calls over the settings use cases, in the page's JSON shapes
 * (src/ui/api-types.ts): the document, the preview, the save and the history. A fault in the
 * draft comes back as INPUT_INVALID with `details.fields` keyed by dot path (`criteria.0.weight`),
 * so each editor shows its own message. After a save, `afterSave` runs the cycle that
 * re-evaluates and writes back (the evaluation day is the same the preview used).
 */
export function createSettingsPage(deps: {
  storage: Storage;
  defaultLang: Lang;
  traitsOf: (installation: Installation) => Pick<CrmTraits, 'ownCompanyField' | 'defaultCurrency'>;
  afterSave: (installationId: string, asOf: string) => Promise<unknown>;
  today?: () => string;
}) {
  const today = deps.today ?? (() => new Date().toISOString().slice(0, 10));
  const withFields = <T>(result: Result<T, KamError>): Result<T, KamError> => {
    if (result.ok || result.error.code !== 'INPUT_INVALID') return result;
    const issues = (result.error.details.issues as Array<{ path: string; message: string }> | undefined) ?? [];
    const fields = Object.fromEntries(issues.map((issue) => [issue.path.replace(/\[(\d+)\]/g, '.$1'), issue.message]));
    return fail(new KamError('INPUT_INVALID', result.error.message, { details: { ...result.error.details, fields } }));
  };
  const common = (caller: SettingsCaller) => ({ storage: deps.storage, installationId: caller.installation.id, defaultLang: deps.defaultLang, traits: deps.traitsOf(caller.installation) });

  return {
    async view(caller: SettingsCaller): Promise<{ ruleVersion: string; settings: SettingsDocument; version: number; metrics: Array<{ metric: string; label: string; kind: 'kpi' | 'field' }> }> {
      const read = await readSettingsDocument(common(caller));
      if (!read.ok) throw read.error;
      return {
        ruleVersion: ruleVersion(criteriaOf(read.value.document)),
        settings: read.value.document,
        version: read.value.version,
        metrics: metricCatalog().map((option) => ({ metric: option.metric, label: option.name[caller.lang], kind: option.kind })),
      };
    },

    async preview(caller: SettingsCaller, draft: unknown) {
      const preview = withFields(await previewSettings({ ...common(caller), draft, asOf: today() }));
      if (!preview.ok) return preview;
      const { ruleVersion: versions, counts, moves } = preview.value;
      return ok({
        ruleVersion: versions.after,
        counts,
        moves: moves.map((move) => ({ ...move, reason: move.mainChange?.reason ?? null })),
      });
    },

    async save(caller: SettingsCaller, draft: unknown): Promise<Result<{ ruleVersion: string; moved: number; version: number }, KamError>> {
      const asOf = today();
      // The preview on the same day is what the cycle after the save does: its moves are the count.
      const preview = withFields(await previewSettings({ ...common(caller), draft, asOf }));
      if (!preview.ok) return preview;
      const user = caller.user ?? null;
      const saved = withFields(await saveSettings({ ...common(caller), draft, actor: { id: user?.id ?? 'admin', name: user?.name ?? null } }));
      if (!saved.ok) return saved;
      if (saved.value.change !== null) await deps.afterSave(caller.installation.id, asOf);
      return ok({ ruleVersion: saved.value.ruleVersion, moved: saved.value.change === null ? 0 : preview.value.moves.length, version: saved.value.version });
    },

    async history(caller: SettingsCaller) {
      const changes: SettingsChange[] = await deps.storage.settingsHistory.list(caller.installation.id);
      return changes.map((change) => ({
        at: change.changedAt,
        by: { id: change.actor.id, name: change.actor.name ?? change.actor.id },
        ruleVersion: change.ruleVersion,
        version: change.version,
        changes: change.diff,
      }));
    },
  };
}
