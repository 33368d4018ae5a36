import type { EntityKind, FieldDef, FieldType } from './entity-schema';
import { ENTITY_FIELDS, UF_ENTITY_ID, toCamel } from './entity-schema';
import type { FieldValue, PortalState, Row, UserField } from './portal-state';
import { formatDate, formatDateTime } from './bitrix-time';

/**
 * The full field list of an entity (standard fields plus the portal's user fields) and the
 * two output shapes: legacy crm.deal.* (UPPER names, numbers as strings, "1000.00" money) and
 * crm.item.* (camelCase names, real numbers), as the docs' response examples show
 * (docs:api-reference/crm/deals/crm-deal-get, docs:api-reference/crm/universal/crm-item-get).
 */
export interface EntityFieldSet {
  fields: FieldDef[];
  byName: Map<string, FieldDef>;
  byCamel: Map<string, FieldDef>;
  userFields: UserField[];
}

const KNOWN_UF_TYPES = new Set<string>(['string', 'integer', 'double', 'boolean', 'date', 'datetime', 'enumeration', 'money', 'url', 'employee', 'crm']);

export function userFieldDef(uf: UserField): FieldDef {
  const type = (KNOWN_UF_TYPES.has(uf.USER_TYPE_ID) ? uf.USER_TYPE_ID : 'string') as FieldType;
  return { name: uf.FIELD_NAME, camel: toCamel(uf.FIELD_NAME), type, title: uf.FIELD_NAME, multiple: uf.MULTIPLE === 'Y' };
}

const cache = new WeakMap<PortalState, { source: UserField[]; length: number; sets: Map<EntityKind, EntityFieldSet> }>();

/** Field sets are rebuilt only when the portal's user fields change (add/delete replace or grow the list). */
export function entityFields(state: PortalState, kind: EntityKind): EntityFieldSet {
  let entry = cache.get(state);
  if (!entry || entry.source !== state.userFields || entry.length !== state.userFields.length) {
    entry = { source: state.userFields, length: state.userFields.length, sets: new Map() };
    cache.set(state, entry);
  }
  const cached = entry.sets.get(kind);
  if (cached) return cached;
  const userFields = state.userFields.filter((uf) => uf.ENTITY_ID === UF_ENTITY_ID[kind]);
  const fields = [...ENTITY_FIELDS[kind], ...userFields.map(userFieldDef)];
  const set: EntityFieldSet = {
    fields,
    byName: new Map(fields.map((field) => [field.name, field])),
    byCamel: new Map(fields.map((field) => [field.camel, field])),
    userFields,
  };
  entry.sets.set(kind, set);
  return set;
}

const NUMERIC: ReadonlySet<FieldType> = new Set<FieldType>(['integer', 'double', 'user', 'crm_category', 'crm_company', 'crm_contact', 'money', 'employee', 'enumeration']);

export function isNumericField(field: FieldDef): boolean {
  return NUMERIC.has(field.type);
}

export function isDateField(field: FieldDef): boolean {
  return field.type === 'date' || field.type === 'datetime';
}

function legacyScalar(field: FieldDef, value: number | string): FieldValue {
  if (typeof value === 'string') return value;
  if (field.type === 'datetime') return formatDateTime(value);
  if (field.type === 'date') return formatDate(value);
  if ((field.type === 'double' || field.type === 'money') && !field.name.startsWith('UF_')) return value.toFixed(2);
  return String(value);
}

function camelScalar(field: FieldDef, value: number | string): FieldValue {
  if (typeof value === 'string') return value;
  if (field.type === 'datetime') return formatDateTime(value);
  if (field.type === 'date') return formatDate(value);
  return value;
}

export function formatValue(field: FieldDef, value: FieldValue | undefined, camel: boolean): FieldValue | boolean {
  if (value === undefined || value === null) return field.multiple ? [] : null;
  if (field.type === 'boolean') return camel ? value === 1 || value === 'Y' : value === 1 || value === 'Y' ? '1' : '0';
  if (Array.isArray(value)) {
    if (field.type === 'crm_multifield') return value;
    return (value as number[]).map((item) => (camel ? camelScalar(field, item) : legacyScalar(field, item))) as FieldValue;
  }
  return camel ? camelScalar(field, value) : legacyScalar(field, value);
}

export function formatRow(row: Row, select: readonly FieldDef[], camel: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of select) out[camel ? field.camel : field.name] = formatValue(field, row[field.name], camel);
  return out;
}

/**
 * Legacy select: `*` is every standard single-valued field, `UF_*` every user field, other
 * entries name fields; ID always comes back (docs:api-reference/crm/deals/crm-deal-list).
 * crm.item.list: `*` is everything including user fields (docs:api-reference/crm/universal/crm-item-list).
 */
export function resolveSelect(set: EntityFieldSet, select: unknown, camel: boolean): FieldDef[] {
  const requested = Array.isArray(select) ? select.map(String) : typeof select === 'string' && select !== '' ? [select] : [];
  const names = requested.length === 0 ? (camel ? ['*'] : ['*', 'UF_*']) : requested;
  const chosen = new Set<FieldDef>();
  const id = set.byName.get('ID');
  if (id) chosen.add(id);
  for (const name of names) {
    if (name === '*') {
      for (const field of set.fields) if (camel ? true : !field.multiple && !field.name.startsWith('UF_')) chosen.add(field);
    } else if (name === 'UF_*' || name === 'uf*' || name === 'ufCrm*') {
      for (const field of set.fields) if (field.name.startsWith('UF_')) chosen.add(field);
    } else {
      const field = camel ? set.byCamel.get(name) ?? set.byName.get(name) : set.byName.get(name.toUpperCase());
      if (field) chosen.add(field);
    }
  }
  return set.fields.filter((field) => chosen.has(field));
}
