import type { Lang } from '../core/i18n/format-values';
import type { Granularity } from '../core/model/periods';
import type { CrmSlot, CrmTraits } from '../core/ports/crm-connector.port';
import type { Installation } from '../core/ports/installation-store.port';
import { parseNextStepRules, DEFAULT_NEXT_STEP_RULES, type NextStepRulesConfig } from '../core/rules/next-step-rules-config';
import { parseCriteriaConfig, type CriteriaConfig } from '../core/scoring/criteria-config';
import { DEFAULT_CRITERIA } from '../core/scoring/default-criteria';

/**
 * What an installation's settings hold, read with defaults (the settings page writes them).
 * The CRM's own memory of its setup lives in a per-CRM slot, `settings[installation.crm]`,
 * that only the connector reads; the field map's defaults are the connector's too.
 */
export interface InstallationSettings {
  lang: Lang;
  criteria: CriteriaConfig;
  rules: NextStepRulesConfig;
  /** Our criteria field names -> the CRM's field codes. */
  fieldMap: Record<string, string | null>;
  summaryTiers: string[] | undefined;
  /** The KPI summary's period (month unless the settings page chose another). */
  summaryPeriod: Granularity;
  /** Contacts without a company are evaluated as accounts of their own (off by default). */
  contactsAsAccounts: boolean;
  /** The connector's slot (null until the first setup). */
  slot: CrmSlot | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function readSettings(installation: Installation, defaultLang: Lang, traits: Pick<CrmTraits, 'defaultFieldMap'>): InstallationSettings {
  const raw = installation.settings;
  const criteria = raw.criteria === undefined ? null : parseCriteriaConfig(raw.criteria);
  const rules = raw.rules === undefined ? null : parseNextStepRules(raw.rules);
  const slot = raw[installation.crm];
  return {
    lang: raw.lang === 'en' || raw.lang === 'ru' ? raw.lang : defaultLang,
    // Settings are validated when saved; a stored value that no longer parses falls back to the defaults.
    criteria: criteria?.ok ? criteria.value : DEFAULT_CRITERIA,
    rules: rules?.ok ? rules.value : DEFAULT_NEXT_STEP_RULES,
    fieldMap: { ...traits.defaultFieldMap, ...(isRecord(raw.fieldMap) ? (raw.fieldMap as Record<string, string | null>) : {}) },
    summaryTiers: Array.isArray(raw.summaryTiers) ? (raw.summaryTiers as string[]) : undefined,
    summaryPeriod: raw.summaryPeriod === 'quarter' || raw.summaryPeriod === 'year' ? raw.summaryPeriod : 'month',
    contactsAsAccounts: raw.contactsAsAccounts === true,
    slot: isRecord(slot) ? slot : null,
  };
}
