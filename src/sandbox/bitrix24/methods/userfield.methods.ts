import type { EntityKind } from '../entity-schema';
import { UF_ENTITY_ID } from '../entity-schema';
import type { CallContext, MethodTable } from '../method-types';
import { asRecord, done, param } from '../method-types';
import type { EnumItem, UserField } from '../portal-state';
import type { RestResult } from '../rest-failure';
import { SYSTEM, refuse } from '../rest-failure';

/**
 * crm.company.userfield.*, crm.contact.userfield.* and crm.deal.userfield.* (add, list, get, update, delete). FIELD_NAME gets
 * the UF_CRM_ prefix when it lacks it, may hold only A-Z, 0-9 and _, and the full name is at
 * most 50 characters; enumeration LIST items each get an ID, which is what an entity's field
 * then stores (docs:api-reference/crm/companies/userfields/crm-company-userfield-add,
 * docs:api-reference/crm/deals/user-defined-fields/crm-deal-userfield-add). Admin only.
 */
const USER_TYPES = new Set(['string', 'integer', 'double', 'boolean', 'date', 'datetime', 'enumeration', 'money', 'url', 'address', 'employee', 'file', 'crm', 'crm_status', 'iblock_section', 'iblock_element', 'resourcebooking']);

function label(raw: unknown, fallback: string): string {
  if (typeof raw === 'string') return raw;
  const byLang = asRecord(raw);
  const first = byLang.ru ?? byLang.en ?? Object.values(byLang)[0];
  return typeof first === 'string' ? first : fallback;
}

const LABEL_KEYS = ['LABEL', 'EDIT_FORM_LABEL', 'LIST_COLUMN_LABEL', 'LIST_FILTER_LABEL', 'ERROR_MESSAGE', 'HELP_MESSAGE'] as const;

/**
 * A label is a string or a lang_map: an object of language id -> string
 * (docs:api-reference/crm/data-types, lang_map; examples in crm-company-userfield-add). With the
 * strict behaviour anything else (e.g. `{"ru": {"LABEL": "..."}}`) is refused, naming the field.
 */
function badLabel(ctx: CallContext, fields: Record<string, unknown>): RestResult<never> | null {
  if (ctx.state.behaviour.langMap !== 'strict') return null;
  for (const key of LABEL_KEYS) {
    const value = fields[key];
    if (value === undefined || value === null || typeof value === 'string') continue;
    const entries = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : null;
    const langMap = entries !== null && entries.every(([lang, text]) => /^[a-z]{2}$/.test(lang) && typeof text === 'string');
    if (!langMap) return refuse('ERROR_CORE', `${key} must be a string or a lang_map {"ru": "...", "en": "..."}`, 400);
  }
  return null;
}

function addUserField(ctx: CallContext, kind: EntityKind, raw: unknown): RestResult<UserField> {
  if (!ctx.auth.isAdmin) return { ok: false, error: SYSTEM.accessDenied() };
  const fields = asRecord(raw);
  const labelRefused = badLabel(ctx, fields);
  if (labelRefused) return labelRefused;
  const name = String(fields.FIELD_NAME ?? '').toUpperCase();
  if (name === '') return refuse('ERROR_CORE', 'FIELD_NAME is required', 400);
  const fullName = name.startsWith('UF_CRM_') ? name : `UF_CRM_${name}`;
  if (!/^[A-Z0-9_]+$/.test(fullName)) return refuse('ERROR_CORE', `Invalid field name "${fullName}": only A-Z, 0-9 and _ are allowed`, 400);
  if (fullName.length > 50) return refuse('ERROR_CORE', `Field name "${fullName}" is longer than 50 characters`, 400);
  const type = String(fields.USER_TYPE_ID ?? '');
  if (!USER_TYPES.has(type)) return refuse('ERROR_CORE', `Unknown USER_TYPE_ID "${type}"`, 400);
  const entityId = UF_ENTITY_ID[kind];
  if (ctx.state.userFields.some((uf) => uf.ENTITY_ID === entityId && uf.FIELD_NAME === fullName)) {
    return refuse('ERROR_CORE', `A field named ${fullName} already exists`, 400);
  }
  const text = label(fields.LABEL ?? fields.EDIT_FORM_LABEL, fullName);
  const uf: UserField = {
    ID: String(ctx.state.nextUserFieldId++), ENTITY_ID: entityId, FIELD_NAME: fullName, USER_TYPE_ID: type,
    XML_ID: typeof fields.XML_ID === 'string' ? fields.XML_ID : null, SORT: String(fields.SORT ?? 100),
    MULTIPLE: fields.MULTIPLE === 'Y' ? 'Y' : 'N', MANDATORY: fields.MANDATORY === 'Y' ? 'Y' : 'N',
    SHOW_FILTER: String(fields.SHOW_FILTER ?? 'N'), SHOW_IN_LIST: fields.SHOW_IN_LIST === 'N' ? 'N' : 'Y',
    EDIT_IN_LIST: fields.EDIT_IN_LIST === 'N' ? 'N' : 'Y', IS_SEARCHABLE: fields.IS_SEARCHABLE === 'Y' ? 'Y' : 'N',
    SETTINGS: asRecord(fields.SETTINGS), EDIT_FORM_LABEL: label(fields.EDIT_FORM_LABEL, text),
    LIST_COLUMN_LABEL: label(fields.LIST_COLUMN_LABEL, text), LIST_FILTER_LABEL: label(fields.LIST_FILTER_LABEL, text),
    ERROR_MESSAGE: null, HELP_MESSAGE: null,
  };
  if (type === 'enumeration') {
    const list = Array.isArray(fields.LIST) ? fields.LIST : Object.values(asRecord(fields.LIST));
    uf.LIST = list.map((entry, index): EnumItem => {
      const item = asRecord(entry);
      return {
        ID: String(ctx.state.nextEnumId++), SORT: String(item.SORT ?? (index + 1) * 10), VALUE: String(item.VALUE ?? ''),
        DEF: item.DEF === 'Y' ? 'Y' : 'N', XML_ID: String(item.XML_ID ?? `${index + 1}`),
      };
    });
  }
  ctx.state.userFields.push(uf);
  return { ok: true, value: uf };
}

/**
 * LIST on *.userfield.update (docs:api-reference/crm/companies/userfields/crm-company-userfield-update,
 * LIST): an item with `ID` updates that item, which keeps its ID (with `DEL: 'Y'` it is deleted);
 * an item without `ID` is a new one, ignored when its VALUE is empty; items not passed stay as
 * they are. XML_ID must be unique within the field's list.
 */
function updatedList(ctx: CallContext, uf: UserField, raw: unknown): RestResult<EnumItem[]> {
  const entries = (Array.isArray(raw) ? raw : Object.values(asRecord(raw))).map(asRecord);
  const list = (uf.LIST ?? []).map((item) => ({ ...item }));
  for (const entry of entries) {
    const id = entry.ID === undefined || entry.ID === null || entry.ID === '' ? null : String(entry.ID);
    const value = entry.VALUE === undefined || entry.VALUE === null ? '' : String(entry.VALUE);
    if (id !== null) {
      const at = list.findIndex((item) => item.ID === id);
      if (at < 0) continue;
      if (entry.DEL === 'Y') {
        list.splice(at, 1);
        continue;
      }
      const item = list[at] as EnumItem;
      if (value !== '') item.VALUE = value;
      if (entry.SORT !== undefined) item.SORT = String(entry.SORT);
      if (entry.DEF !== undefined) item.DEF = entry.DEF === 'Y' ? 'Y' : 'N';
      if (typeof entry.XML_ID === 'string' && entry.XML_ID !== '') item.XML_ID = entry.XML_ID;
    } else if (value !== '') {
      list.push({
        ID: String(ctx.state.nextEnumId++), SORT: String(entry.SORT ?? (list.length + 1) * 10), VALUE: value,
        DEF: entry.DEF === 'Y' ? 'Y' : 'N', XML_ID: typeof entry.XML_ID === 'string' && entry.XML_ID !== '' ? entry.XML_ID : `${ctx.state.nextEnumId}`,
      });
    }
  }
  const codes = list.map((item) => item.XML_ID);
  const duplicate = codes.find((code, index) => codes.indexOf(code) !== index);
  if (duplicate !== undefined) return refuse('ERROR_CORE', `LIST XML_ID "${duplicate}" is not unique within the field`, 400);
  return { ok: true, value: list };
}

function userFieldMethods(kind: EntityKind): MethodTable {
  const prefix = `crm.${kind}.userfield`;
  const entityId = UF_ENTITY_ID[kind];
  const find = (ctx: CallContext, id: unknown): UserField | undefined =>
    ctx.state.userFields.find((uf) => uf.ENTITY_ID === entityId && uf.ID === String(id));
  return {
    [`${prefix}.add`]: (params, ctx) => {
      const added = addUserField(ctx, kind, param(params, 'fields'));
      return added.ok ? done(Number(added.value.ID)) : added;
    },
    [`${prefix}.list`]: (params, ctx) => {
      const filter = asRecord(param(params, 'filter'));
      const rows = ctx.state.userFields.filter((uf) => uf.ENTITY_ID === entityId).filter((uf) =>
        Object.entries(filter).every(([key, value]) => key === 'LANG' || String((uf as unknown as Record<string, unknown>)[key.replace(/^=/, '')]) === String(value)));
      return done(rows, { total: rows.length, rows: rows.length });
    },
    [`${prefix}.get`]: (params, ctx) => {
      const uf = find(ctx, param(params, 'id'));
      return uf ? done(uf) : refuse('', 'The custom field is not found', 400);
    },
    [`${prefix}.update`]: (params, ctx) => {
      if (!ctx.auth.isAdmin) return { ok: false, error: SYSTEM.accessDenied() };
      const uf = find(ctx, param(params, 'id'));
      if (!uf) return refuse('', 'The custom field is not found', 400);
      const fields = asRecord(param(params, 'fields'));
      const labelRefused = badLabel(ctx, fields);
      if (labelRefused) return labelRefused;
      // Checked before anything changes: a refused update leaves the field as it was.
      const list = 'LIST' in fields && uf.USER_TYPE_ID === 'enumeration' ? updatedList(ctx, uf, fields.LIST) : null;
      if (list && !list.ok) return list;
      if (list) uf.LIST = list.value;
      for (const key of ['EDIT_FORM_LABEL', 'LIST_COLUMN_LABEL', 'LIST_FILTER_LABEL'] as const) {
        if (key in fields) uf[key] = label(fields[key], uf[key]);
      }
      if ('LABEL' in fields) uf.EDIT_FORM_LABEL = label(fields.LABEL, uf.EDIT_FORM_LABEL);
      return done(true);
    },
    [`${prefix}.delete`]: (params, ctx) => {
      if (!ctx.auth.isAdmin) return { ok: false, error: SYSTEM.accessDenied() };
      const uf = find(ctx, param(params, 'id'));
      if (!uf) return refuse('', 'The custom field is not found', 400);
      ctx.state.userFields = ctx.state.userFields.filter((item) => item !== uf);
      return done(true);
    },
  };
}

export const userFieldMethodTable: MethodTable = {
  ...userFieldMethods('company'),
  ...userFieldMethods('contact'),
  ...userFieldMethods('deal'),
};

