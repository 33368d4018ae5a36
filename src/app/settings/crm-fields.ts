import { KamError, fail, ok, type Result } from '../../core/errors';
import { i18n } from '../../core/i18n/messages';
import type { CrmFieldInfo } from '../../core/ports/crm-connector.port';
import type { Storage } from '../../core/ports/storage.port';
import { FIELDS_STATE_KEY } from '../build-snapshot';

/**
 * The CRM's own field list as the cycle's reference refresh stored it (`ref:fields`), for the
 * settings page: the field-mapping and metric pickers offer these fields under the names the CRM
 * shows, and a saved mapping must name one of them. null until the first refresh read the list.
 */
export async function readCrmFields(storage: Storage, installationId: string): Promise<CrmFieldInfo[] | null> {
  const stored = (await storage.writeState.getMany(installationId, [FIELDS_STATE_KEY])).get(FIELDS_STATE_KEY);
  return Array.isArray(stored) ? (stored as CrmFieldInfo[]) : null;
}

/** The metric picker's entries for the CRM's fields (`field:<code>`), list values included. */
export function crmFieldMetrics(fields: CrmFieldInfo[]): Array<{ metric: string; label: string; kind: 'field'; values?: Array<{ id: string; label: string }> }> {
  return fields.map((field) => ({
    metric: `field:${field.code}`,
    label: field.name,
    kind: 'field' as const,
    ...(field.options ? { values: field.options.map((option) => ({ id: option.id, label: option.value })) } : {}),
  }));
}

/**
 * Every mapped code must be a field the CRM has. Without a stored list nothing can be checked
 * (the first cycle has not read it yet), so the mapping passes as before.
 */
export function checkFieldMap(fieldMap: unknown, fields: CrmFieldInfo[] | null): Result<null, KamError> {
  if (fields === null || fieldMap === null || typeof fieldMap !== 'object') return ok(null);
  const codes = new Set(fields.map((field) => field.code));
  const unknown = Object.entries(fieldMap as Record<string, unknown>).filter(([, code]) => typeof code === 'string' && !codes.has(code));
  if (unknown.length === 0) return ok(null);
  return fail(new KamError('INPUT_INVALID', `fieldMap names fields the CRM does not have: ${unknown.map(([, code]) => String(code)).join(', ')}`, {
    details: { fields: Object.fromEntries(unknown.map(([key, code]) => [`fieldMap.${key}`, `The CRM has no field ${String(code)}`])) },
  }));
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A criterion on one of the CRM's own fields (`field:UF_CRM_...`) saved without a label takes the
 * CRM's name for the field, in each language it lacks: its score reasons (the card tab, the KPI
 * comment, the preview) then name the field as the portal does, never by its code. Our own inputs
 * (`field:potential3y`) have catalogue names and are left alone, as is anything the schema will refuse.
 */
export function nameFieldCriteria<T>(criteria: T, fields: CrmFieldInfo[] | null): T {
  if (!Array.isArray(criteria) || fields === null) return criteria;
  const names = new Map(fields.map((field) => [field.code, field.name]));
  return criteria.map((criterion) => {
    if (!isRecord(criterion) || typeof criterion.metric !== 'string' || !criterion.metric.startsWith('field:')) return criterion;
    const code = criterion.metric.slice('field:'.length);
    const name = names.get(code);
    if (!name || i18n('en').lookup(`metric.field.${code}`) !== null) return criterion;
    const label = isRecord(criterion.label) ? criterion.label : {};
    return { ...criterion, label: { ...label, ru: label.ru || name, en: label.en || name } };
  }) as T;
}
