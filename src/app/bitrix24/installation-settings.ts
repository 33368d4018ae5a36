import type { Lang } from '../../core/i18n/format-values';
import type { Installation } from '../../core/ports/installation-store.port';
import { parseNextStepRules, DEFAULT_NEXT_STEP_RULES, type NextStepRulesConfig } from '../../core/rules/next-step-rules-config';
import { parseCriteriaConfig, type CriteriaConfig } from '../../core/scoring/criteria-config';
import { DEFAULT_CRITERIA } from '../../core/scoring/default-criteria';
import { DEFAULT_FIELD_MAP, type Bitrix24FieldMap } from '../../connectors/bitrix24/bitrix24-mapper';
import type { TierFields } from '../../connectors/bitrix24/bitrix24-writer';

/** What an installation's settings hold, read with defaults (the settings page writes them). */
export interface InstallationSettings {
  lang: Lang;
  criteria: CriteriaConfig;
  rules: NextStepRulesConfig;
  fieldMap: Bitrix24FieldMap;
  summaryTiers: string[] | undefined;
  /** Contacts without a company are evaluated as accounts of their own (off by default). */
  contactsAsAccounts: boolean;
  bitrix24: (TierFields & { contact?: TierFields | null; appUserId?: string | null }) | null;
}

export function readSettings(installation: Installation, defaultLang: Lang): InstallationSettings {
  const raw = installation.settings;
  const criteria = raw.criteria === undefined ? null : parseCriteriaConfig(raw.criteria);
  const rules = raw.rules === undefined ? null : parseNextStepRules(raw.rules);
  return {
    lang: raw.lang === 'en' || raw.lang === 'ru' ? raw.lang : defaultLang,
    // Settings are validated when saved; a stored value that no longer parses falls back to the defaults.
    criteria: criteria?.ok ? criteria.value : DEFAULT_CRITERIA,
    rules: rules?.ok ? rules.value : DEFAULT_NEXT_STEP_RULES,
    fieldMap: { ...DEFAULT_FIELD_MAP, ...((raw.fieldMap as Partial<Bitrix24FieldMap> | undefined) ?? {}) },
    summaryTiers: Array.isArray(raw.summaryTiers) ? (raw.summaryTiers as string[]) : undefined,
    contactsAsAccounts: raw.contactsAsAccounts === true,
    bitrix24: (raw.bitrix24 as InstallationSettings['bitrix24'] | undefined) ?? null,
  };
}
