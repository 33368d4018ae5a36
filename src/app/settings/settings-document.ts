import { z } from 'zod';
import { fail, ok, type KamError, type Result } from '../../core/errors';
import type { Lang } from '../../core/i18n/format-values';
import { fromZodIssues, inputError } from '../../core/model/input-issues';
import { nextStepRulesSchema, parseNextStepRules, DEFAULT_NEXT_STEP_RULES } from '../../core/rules/next-step-rules-config';
import { checkCriteriaConfig, criteriaConfigShape, parseCriteriaConfig, type CriteriaConfig } from '../../core/scoring/criteria-config';
import { DEFAULT_CRITERIA } from '../../core/scoring/default-criteria';

/**
 * The installation settings as the settings page edits them: one flat document. Its criteria
 * keys are the criteria config's own (a `kam evaluate --config` file is a valid draft), so an
 * error reads `criteria[0].weight: expected number >= 0` for both.
 */
export const SUMMARY_PERIODS = ['month', 'quarter', 'year'] as const;

export const settingsDocumentSchema = z
  .strictObject({
    lang: z.enum(['ru', 'en']),
    ...criteriaConfigShape,
    rules: nextStepRulesSchema.prefault({}),
    /** Our field names (potential3y, margin, ...) -> the CRM's field codes over the connector's defaults; null: not read. */
    fieldMap: z.record(z.string().min(1), z.string().min(1).nullable()).default({}),
    /** The period of the KPI summary written to the CRM. */
    summaryPeriod: z.enum(SUMMARY_PERIODS).default('month'),
    /** Tiers whose accounts get it; null: every tier but the last. */
    summaryTiers: z.array(z.string().min(1)).nullable().default(null),
    contactsAsAccounts: z.boolean().default(false),
  })
  .superRefine((doc, ctx) => {
    checkCriteriaConfig(doc, ctx);
    // Rules may name tiers the criteria no longer have (a renamed tier just stops matching them):
    // a draft that renames tiers must not be refused for the rules it left alone.
    const tiers = new Set(doc.tiers.map((tier) => tier.id));
    (doc.summaryTiers ?? []).forEach((id, i) => {
      if (!tiers.has(id)) ctx.addIssue({ code: 'custom', path: ['summaryTiers', i], message: `unknown tier ${JSON.stringify(id)}; the tiers are ${[...tiers].join(', ')}`, params: { key: 'unknownTier' } });
    });
  });

export type SettingsDocument = z.output<typeof settingsDocumentSchema>;
export type SettingsDocumentInput = z.input<typeof settingsDocumentSchema>;

/** Validates a whole document; every fault is named by its path. */
export function parseSettingsDocument(json: unknown): Result<SettingsDocument, KamError> {
  const parsed = settingsDocumentSchema.safeParse(json, { reportInput: true });
  return parsed.success ? ok(parsed.data) : fail(inputError('settings', fromZodIssues(parsed.error.issues)));
}

/** A draft replaces whole top-level sections of the current document; what it leaves out stays. */
export function applyDraft(current: SettingsDocument, draft: unknown): Result<SettingsDocument, KamError> {
  if (draft === null || typeof draft !== 'object' || Array.isArray(draft)) {
    return fail(inputError('settings', [{ path: '(root)', message: 'expected object' }]));
  }
  return parseSettingsDocument({ ...current, ...(draft as Record<string, unknown>) });
}

/**
 * Checks a draft against the default document, before any installation exists (the demo's
 * `--criteria FILE` is refused before anything is written, naming the path of each fault).
 */
export function validateDraft(draft: unknown, defaultLang: Lang): Result<SettingsDocument, KamError> {
  return applyDraft(documentFromStored({}, defaultLang), draft);
}

export const criteriaOf = (doc: SettingsDocument): CriteriaConfig => ({
  criteria: doc.criteria,
  tiers: doc.tiers,
  hysteresis: doc.hysteresis,
  settings: doc.settings,
});

/**
 * The document an installation's stored settings amount to, defaults filled in. A stored part
 * that no longer parses reads as its default, as the cycle reads it (settings are validated on
 * save, so that only happens after an upgrade).
 */
export function documentFromStored(stored: Record<string, unknown>, defaultLang: Lang): SettingsDocument {
  const criteria = stored.criteria === undefined ? null : parseCriteriaConfig(stored.criteria);
  const rules = stored.rules === undefined ? null : parseNextStepRules(stored.rules);
  const config = criteria?.ok ? criteria.value : DEFAULT_CRITERIA;
  const period = SUMMARY_PERIODS.find((p) => p === stored.summaryPeriod) ?? 'month';
  const fieldMap = stored.fieldMap !== null && typeof stored.fieldMap === 'object' ? (stored.fieldMap as Record<string, unknown>) : {};
  return {
    lang: stored.lang === 'en' || stored.lang === 'ru' ? stored.lang : defaultLang,
    ...config,
    rules: rules?.ok ? rules.value : DEFAULT_NEXT_STEP_RULES,
    fieldMap: Object.fromEntries(Object.entries(fieldMap).filter((entry): entry is [string, string | null] => entry[1] === null || (typeof entry[1] === 'string' && entry[1] !== ''))),
    summaryPeriod: period,
    summaryTiers: Array.isArray(stored.summaryTiers) ? (stored.summaryTiers as string[]) : null,
    contactsAsAccounts: stored.contactsAsAccounts === true,
  };
}

/** The stored settings keys a document owns; every other key (a connector's slot) is left alone. */
export function storedFromDocument(doc: SettingsDocument): Record<string, unknown> {
  return {
    lang: doc.lang,
    criteria: criteriaOf(doc),
    rules: doc.rules,
    fieldMap: doc.fieldMap,
    summaryPeriod: doc.summaryPeriod,
    summaryTiers: doc.summaryTiers ?? undefined,
    contactsAsAccounts: doc.contactsAsAccounts,
  };
}
