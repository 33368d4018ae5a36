import { checkFieldMap, crmFieldMetrics, nameFieldCriteria, readCrmFields } from '../app/settings/crm-fields';
import { industryValues, metricCatalog } from '../app/settings/metric-catalog';
import { previewSettings } from '../app/settings/preview-settings';
import { readSettingsDocument, saveSettings, settingsHistory } from '../app/settings/save-settings';
import { describeSettingsPath, inputName } from '../app/settings/settings-diff-labels';
import { describeSettingsValue } from '../app/settings/settings-diff-values';
import { USERS_STATE_KEY } from '../app/build-snapshot';
import { criteriaOf } from '../app/settings/settings-document';
import { KamError, fail, ok, type Result } from '../core/errors';
import type { Lang } from '../core/i18n/format-values';
import { issueText } from '../core/i18n/issue-text';
import { i18n } from '../core/i18n/messages';
import type { InputIssue } from '../core/model/input-issues';
import type { CrmFieldInfo, CrmRegistry } from '../core/ports/crm-connector.port';
import type { Storage } from '../core/ports/storage.port';
import { ruleVersion } from '../core/scoring/rule-version';
import { rulesRef } from '../app/reports/rules-ref';
import type { SettingsDoc } from '../ui/api-types';
import type { PageUseCases } from './api.routes';
import type { PageCaller } from './page-caller';

/**
 * The settings page on the settings use cases (src/app/settings): read the document, preview a
 * draft on the stored data (writing nothing), save it with its history entry, then let the next
 * cycle re-evaluate and write back with the same day the preview used. Engine errors name paths
 * as `criteria[0].weight`; the page keys its fields `criteria.0.weight`.
 */
export interface SettingsPageDeps {
  storage: Storage;
  connectors: CrmRegistry;
  defaultLang: Lang;
  /** Re-evaluate and write back after a save (the app's cycle); absent: the next scheduled cycle does it. */
  afterSave?: (installationId: string) => void;
  now?: () => Date;
}

const toFieldKey = (path: string) => path.replace(/\[(\d+)\]/g, '.$1');

/** Each refused field keyed by its dot path, in the reader's language (the engine's English stays in the error's message). */
function withFieldErrors<T>(result: Result<T>, lang: Lang): Result<T> {
  if (result.ok || result.error.code !== 'INPUT_INVALID') return result;
  const issues = (result.error.details.issues ?? []) as InputIssue[];
  const fields = Object.fromEntries(issues.map((issue) => [toFieldKey(issue.path), issueText(i18n(lang), issue)]));
  return fail(new KamError('INPUT_INVALID', result.error.message, { details: { fields } }));
}

/** The field map names fields the CRM does not have (checkFieldMap): each such field says so in the reader's language. */
function unknownFields(error: KamError, lang: Lang) {
  const unknown = Object.keys((error.details.fields ?? {}) as Record<string, string>);
  const fields = Object.fromEntries(unknown.map((key) => [key, issueText(i18n(lang), { rule: { kind: 'custom', key: 'unknownField' } })]));
  return fail(new KamError('INPUT_INVALID', error.message, { details: { fields } }));
}

/** Changes no person made (the demo's draft): the page says "system". */
const SYSTEM_ACTORS = new Set(['kam-demo', 'system']);

/** A history entry's author for the page: by name (stored, or the CRM's user list), else said to be unknown; never by a CRM id. */
function authorOf(actor: { id: string; name: string | null }, names: ReadonlyMap<string, string>, lang: Lang): { id: string; name: string } | null {
  if (SYSTEM_ACTORS.has(actor.id)) return null;
  return { id: actor.id, name: names.get(actor.id) ?? actor.name ?? i18n(lang).pages.unknownUser };
}

export function settingsPageUseCases(deps: SettingsPageDeps): NonNullable<PageUseCases['settings']> {
  const userNames = async (installationId: string): Promise<Map<string, string>> => {
    const users = (await deps.storage.writeState.getMany(installationId, [USERS_STATE_KEY])).get(USERS_STATE_KEY) as Array<{ id: string; name: string }> | undefined;
    return new Map((users ?? []).map((user) => [String(user.id), user.name]));
  };
  const today = () => (deps.now?.() ?? new Date()).toISOString().slice(0, 10);
  const traitsOf = (caller: PageCaller) => deps.connectors[caller.installation.crm]?.traits;
  const defaultsOf = (caller: PageCaller) => traitsOf(caller)?.defaultFieldMap ?? {};
  /**
   * The page shows every input with its effective field; only what differs from the connector's default is stored.
   * A criterion on a CRM field of the portal's own is named by the CRM (nameFieldCriteria).
   */
  const draftOf = (caller: PageCaller, input: unknown, fields: CrmFieldInfo[] | null) => {
    const draft = { ...(input as Record<string, unknown>) };
    const defaults = defaultsOf(caller);
    const map = (draft.fieldMap ?? {}) as Record<string, string | null>;
    draft.fieldMap = Object.fromEntries(Object.entries(map).filter(([key, value]) => defaults[key] !== value));
    if ('criteria' in draft) draft.criteria = nameFieldCriteria(draft.criteria, fields);
    return draft;
  };
  const preview = async (caller: PageCaller, input: unknown) => {
    const traits = traitsOf(caller);
    if (!traits) return fail(new KamError('CRM_UNAVAILABLE', 'This CRM is not configured on this server'));
    const fields = await readCrmFields(deps.storage, caller.installation.id);
    const draft = draftOf(caller, input, fields);
    const mapped = checkFieldMap(draft.fieldMap, fields);
    if (!mapped.ok) return unknownFields(mapped.error, caller.lang);
    return withFieldErrors(await previewSettings({ storage: deps.storage, installationId: caller.installation.id, draft, asOf: today(), defaultLang: deps.defaultLang, traits }), caller.lang);
  };
  return {
    async view(caller) {
      const read = await readSettingsDocument({ storage: deps.storage, installationId: caller.installation.id, defaultLang: deps.defaultLang });
      if (!read.ok) throw read.error;
      const doc = read.value.document;
      const fieldMap = { ...defaultsOf(caller), ...doc.fieldMap };
      const fields = (await readCrmFields(deps.storage, caller.installation.id)) ?? [];
      const listed = new Set(fields.map((field) => field.code));
      // A code the saved points name that the catalogue lacks (a portal's own industry) stays editable.
      const pointed = doc.criteria.flatMap((c) => (c.metric === 'industry' && c.scale.type === 'map' ? Object.keys(c.scale.values) : []));
      const catalogue = metricCatalog().map((option) => (option.metric === 'industry' ? { ...option, values: industryValues(pointed) } : option));
      const version = ruleVersion(criteriaOf(doc));
      return {
        ruleVersion: version,
        rules: rulesRef(await deps.storage.settingsHistory.list(caller.installation.id), version) ?? { version, savedAt: null },
        settings: { ...doc, fieldMap } as unknown as SettingsDoc,
        metrics: [
          ...catalogue.map((option) => ({
            metric: option.metric, label: option.name[caller.lang], kind: option.kind,
            ...(option.values ? { values: option.values.map((value) => ({ id: value.id, label: value.name[caller.lang] })) } : {}),
          })),
          ...crmFieldMetrics(fields),
        ],
        // The CRM's field list (ref:fields) under the CRM's names; a field in use the list lacks
        // (no refresh yet) is still offered so the picker can show the current mapping, named as the
        // input it holds (the field the app created under that name), not by its code.
        crmFields: [
          ...fields.map((field) => ({ id: field.code, label: field.name, type: field.type })),
          ...[...new Set(Object.values(fieldMap).filter((value): value is string => !!value && !listed.has(value)))].map((id) => {
            const input = Object.keys(fieldMap).find((key) => fieldMap[key] === id) ?? '';
            return { id, label: i18n(caller.lang).lookup(`crmField.${input}`) ?? inputName(input, caller.lang), type: 'field' };
          }),
        ],
        // An input no criterion reads as a metric (contractEnd) is named by the CRM field catalogue.
        inputs: Object.keys(fieldMap).map((id) => ({ id, label: inputName(id, caller.lang) })),
      };
    },
    async preview(caller, input) {
      const result = await preview(caller, input);
      if (!result.ok) return result;
      const { ruleVersion: versions, counts, moves } = result.value;
      return ok({
        ruleVersion: versions.after,
        counts,
        moves: moves.map((move) => ({ accountId: move.accountId, name: move.name, from: move.from, to: move.to, scoreBefore: move.scoreBefore, scoreAfter: move.scoreAfter, reason: move.mainChange?.reason ?? null })),
      });
    },
    async save(caller, input) {
      // The preview validates and counts the moves the save will make (same data, same day).
      const previewed = await preview(caller, input);
      if (!previewed.ok) return previewed;
      const userId = await caller.userId();
      // The author by the name the CRM gives them (the users of the last reference read), so the history says who.
      const name = userId === null ? null : (await userNames(caller.installation.id)).get(userId) ?? null;
      const saved = withFieldErrors(await saveSettings({
        storage: deps.storage, installationId: caller.installation.id, draft: draftOf(caller, input, await readCrmFields(deps.storage, caller.installation.id)), actor: { id: userId ?? 'unknown', name }, defaultLang: deps.defaultLang,
        ...(deps.now ? { now: deps.now } : {}),
      }), caller.lang);
      if (!saved.ok) return saved;
      if (saved.value.change) deps.afterSave?.(caller.installation.id);
      const version = saved.value.ruleVersion;
      const rules = rulesRef(await deps.storage.settingsHistory.list(caller.installation.id), version) ?? { version, savedAt: null };
      return ok({ ruleVersion: version, rules, moved: previewed.value.moves.length });
    },
    async history(caller) {
      const changes = await settingsHistory({ storage: deps.storage, installationId: caller.installation.id, limit: 50 });
      const read = await readSettingsDocument({ storage: deps.storage, installationId: caller.installation.id, defaultLang: deps.defaultLang });
      if (!read.ok) throw read.error;
      const doc = read.value.document;
      const [names, fields] = [await userNames(caller.installation.id), (await readCrmFields(deps.storage, caller.installation.id)) ?? []];
      const context = { doc, crmFieldNames: new Map(fields.map((field) => [field.code, field.name])), defaultFieldMap: defaultsOf(caller) };
      return changes.map((change) => ({
        at: change.changedAt,
        by: authorOf(change.actor, names, caller.lang),
        ruleVersion: change.ruleVersion,
        changes: change.diff.map((entry) => {
          const path = toFieldKey(entry.path);
          return {
            path, label: describeSettingsPath(path, doc, caller.lang), before: entry.before, after: entry.after,
            beforeText: describeSettingsValue(path, entry.before, context, caller.lang), afterText: describeSettingsValue(path, entry.after, context, caller.lang),
          };
        }),
      }));
    },
  };
}
