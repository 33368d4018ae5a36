import type { EntityType, FieldRecord, FieldValue } from './amo-records';
import type { AmoStore } from './amo-store';
import { dateToAccountUnix } from './seed-mapping';
import { DETAIL } from './problem';

/**
 * Validates `custom_fields_values` of a write: `[{field_id | field_code, values: [{value} |
 * {enum_id} | {enum_code}] | null}]` (reference §3.2; BaseEnumCustomFieldValueModel::toApi).
 * Returns the values to store per field id (empty list = clear), or reports issues.
 */
export type IssueSink = (code: string, path: string, detail: string) => void;

const ENUM_TYPES = new Set(['select', 'multiselect', 'radiobutton']);
const DATE_TYPES = new Set(['date', 'date_time', 'birthday']);
const VALUE_KEYS = new Set(['value', 'enum_id', 'enum_code']);

function reject(issue: IssueSink, code: string, path: string, detail: string): null {
  issue(code, path, detail);
  return null;
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function parseDate(raw: unknown): number | null {
  if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
  if (typeof raw === 'string' && /^\d+$/.test(raw)) return Number(raw);
  if (typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(raw)) return dateToAccountUnix(raw);
  if (typeof raw === 'string' && !Number.isNaN(Date.parse(raw))) return Math.floor(Date.parse(raw) / 1000);
  return null;
}

const byIdAsked = (raw: Record<string, unknown>): boolean => raw['enum_id'] !== undefined && raw['enum_id'] !== null;

function checkValue(field: FieldRecord, raw: Record<string, unknown>, path: string, issue: IssueSink): FieldValue | null {
  for (const key of Object.keys(raw)) if (!VALUE_KEYS.has(key)) issue('FieldNotExpected', `${path}.${key}`, DETAIL.notExpected);
  const value = raw['value'];
  if (ENUM_TYPES.has(field.type) || field.type === 'multitext') {
    const enums = field.enums ?? [];
    const byId = raw['enum_id'] === undefined || raw['enum_id'] === null ? undefined : enums.find((item) => item.id === Number(raw['enum_id']));
    const byCode = raw['enum_code'] === undefined || raw['enum_code'] === null ? undefined : enums.find((item) => item.code === raw['enum_code']);
    if (field.type === 'multitext') {
      if (typeof value !== 'string' && typeof value !== 'number') return reject(issue, 'NotBlank', `${path}.value`, DETAIL.notBlank);
      const kind = byId ?? byCode ?? enums.find((item) => item.code === 'WORK') ?? enums[0];
      return { value: String(value), enum_id: kind?.id ?? 0, enum_code: kind?.code ?? null };
    }
    const byValue = value === undefined ? undefined : enums.find((item) => item.value === String(value));
    const chosen = byId ?? byCode ?? byValue;
    if (!chosen) {
      const key = byIdAsked(raw) ? 'enum_id' : raw['enum_code'] !== undefined && raw['enum_code'] !== null ? 'enum_code' : 'value';
      issue('NotSupportedChoice', `${path}.${key}`, DETAIL.notChoice);
      return null;
    }
    return { value: chosen.value, enum_id: chosen.id, enum_code: chosen.code ?? null };
  }
  if (value === undefined || value === null || value === '') return reject(issue, 'NotBlank', `${path}.value`, DETAIL.notBlank);
  if (field.type === 'numeric' || field.type === 'price' || field.type === 'monetary') {
    const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!Number.isFinite(number)) return reject(issue, 'InvalidType', `${path}.value`, 'This value should be numeric.');
    // amo hands numeric values back as strings ("value": "1500").
    return { value: String(number) };
  }
  if (DATE_TYPES.has(field.type)) {
    const seconds = parseDate(value);
    if (seconds === null) return reject(issue, 'InvalidType', `${path}.value`, 'This value is not a valid date.');
    return { value: seconds };
  }
  if (field.type === 'checkbox') {
    if (typeof value !== 'boolean') return reject(issue, 'InvalidType', `${path}.value`, 'This value should be of type bool.');
    return { value };
  }
  if (typeof value !== 'string' && typeof value !== 'number') return reject(issue, 'InvalidType', `${path}.value`, 'This value should be of type string.');
  return { value: String(value) };
}

export function checkCustomFieldValues(
  store: AmoStore, type: EntityType, raw: unknown, issue: IssueSink,
): Map<number, FieldValue[]> | null {
  if (!Array.isArray(raw)) {
    issue('InvalidType', 'custom_fields_values', 'This value should be of type array.');
    return null;
  }
  const out = new Map<number, FieldValue[]>();
  raw.forEach((entry, i) => {
    const path = `custom_fields_values.${i}`;
    if (!isRecord(entry)) return issue('InvalidType', path, 'This value should be of type object.');
    for (const key of Object.keys(entry)) {
      if (!['field_id', 'field_code', 'values'].includes(key)) issue('FieldNotExpected', `${path}.${key}`, DETAIL.notExpected);
    }
    const field = entry['field_id'] !== undefined
      ? store.field(type, Number(entry['field_id']))
      : store.fields[type].find((item) => item.code !== null && item.code === entry['field_code']);
    if (!field) return issue('NotSupportedChoice', `${path}.${entry['field_id'] !== undefined ? 'field_id' : 'field_code'}`, DETAIL.notChoice);
    const values = entry['values'];
    if (values === null || (Array.isArray(values) && values.length === 0)) {
      out.set(field.id, []);
      return;
    }
    if (!Array.isArray(values)) return issue('InvalidType', `${path}.values`, 'This value should be of type array.');
    const checked: FieldValue[] = [];
    values.forEach((value, j) => {
      if (!isRecord(value)) return issue('InvalidType', `${path}.values.${j}`, 'This value should be of type object.');
      const ok = checkValue(field, value, `${path}.values.${j}`, issue);
      if (ok) checked.push(ok);
    });
    const single = !['multiselect', 'multitext'].includes(field.type);
    out.set(field.id, single ? checked.slice(0, 1) : checked);
  });
  return out;
}
