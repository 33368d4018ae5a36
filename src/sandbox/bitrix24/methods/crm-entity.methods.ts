import type { EntityKind, FieldDef } from '../entity-schema';
import type { EntityFieldSet } from '../entity-fields';
import { entityFields, formatRow, resolveSelect } from '../entity-fields';
import type { CallContext, MethodOutput, MethodTable } from '../method-types';
import { asRecord, done, param } from '../method-types';
import type { Row } from '../portal-state';
import { deleteRow, insertRow } from '../portal-state';
import type { RestResult } from '../rest-failure';
import { SYSTEM, refuse } from '../rest-failure';
import { runList } from '../list-query';
import { EVENT_PREFIX, applyFields } from '../entity-writer';

/**
 * crm.deal.*, crm.company.*, crm.contact.* (list, get, add, update, delete, fields): the legacy
 * methods with UPPER_CASE fields, numbers as strings, `result: [...]` lists with total/next
 * (docs:api-reference/crm/deals/crm-deal-list, -get, -add, -update, -delete, -fields).
 */
export function describeFields(set: EntityFieldSet, camel: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of set.fields) {
    const uf = set.userFields.find((item) => item.FIELD_NAME === field.name);
    const description: Record<string, unknown> = {
      type: field.type, isRequired: field.required ?? false, isReadOnly: field.readOnly ?? false,
      isImmutable: field.immutable ?? false, isMultiple: field.multiple ?? false, isDynamic: uf !== undefined,
      title: uf ? uf.EDIT_FORM_LABEL || field.name : field.title,
    };
    if (camel) description.upperName = field.name;
    if (field.statusType) description.statusType = field.statusType;
    if (uf) {
      Object.assign(description, { listLabel: uf.LIST_COLUMN_LABEL, formLabel: uf.EDIT_FORM_LABEL, filterLabel: uf.LIST_FILTER_LABEL, settings: uf.SETTINGS });
      if (uf.LIST) description.items = uf.LIST.map((item) => ({ ID: item.ID, VALUE: item.VALUE }));
    }
    out[camel ? field.camel : field.name] = description;
  }
  return out;
}

export function allFields(set: EntityFieldSet): FieldDef[] {
  return set.fields;
}

export function positiveId(raw: unknown): number | null {
  const id = Number(raw);
  return Number.isInteger(id) && id > 0 ? id : null;
}

export function listEntities(ctx: CallContext, kind: EntityKind, params: Record<string, unknown>, camel: boolean): MethodOutput & { rows: number } {
  const set = entityFields(ctx.state, kind);
  const table = ctx.state.tables[kind];
  const page = runList({
    table, set, camel, filter: param(params, 'filter'), order: param(params, 'order'), start: param(params, 'start'),
  });
  const select = resolveSelect(set, param(params, 'select'), camel);
  const items = page.rows.map((row) => formatRow(row, select, camel));
  const output: MethodOutput & { rows: number } = { result: items, rows: items.length, scanned: page.total ?? items.length };
  if (page.total !== undefined) output.total = page.total;
  if (page.next !== undefined) output.next = page.next;
  return output;
}

export function writeEntity(ctx: CallContext, kind: EntityKind, rawFields: unknown, existing: Row | null, camel: boolean): RestResult<Row> {
  const fields = asRecord(rawFields);
  if (existing === null && Object.keys(fields).length === 0) return refuse('', "Parameter 'fields' must be array.", 400);
  const set = entityFields(ctx.state, kind);
  // Work on a copy so a refused write leaves the row untouched.
  const row: Row = existing ? { ...existing } : {};
  const applied = applyFields({
    state: ctx.state, kind, set, row, fields, camel, creating: existing === null, userId: ctx.auth.userId, now: ctx.now(),
  });
  if (!applied.ok) return applied;
  const table = ctx.state.tables[kind];
  if (existing) {
    table.rows.set(existing.ID as number, row);
    ctx.events.entityChanged(`${EVENT_PREFIX[kind]}UPDATE`, existing.ID as number, ctx.auth.userId);
  } else {
    const id = insertRow(table, row);
    ctx.events.entityChanged(`${EVENT_PREFIX[kind]}ADD`, id, ctx.auth.userId);
  }
  return { ok: true, value: row };
}

export function removeEntity(ctx: CallContext, kind: EntityKind, id: number): boolean {
  if (!deleteRow(ctx.state.tables[kind], id)) return false;
  ctx.events.entityChanged(`${EVENT_PREFIX[kind]}DELETE`, id, ctx.auth.userId);
  return true;
}

function legacyMethods(kind: EntityKind): MethodTable {
  const prefix = `crm.${kind}`;
  return {
    [`${prefix}.list`]: (params, ctx) => done(null, listEntities(ctx, kind, params, false)),
    [`${prefix}.get`]: (params, ctx) => {
      const id = positiveId(param(params, 'id'));
      if (id === null) return { ok: false, error: SYSTEM.legacyBadId() };
      const row = ctx.state.tables[kind].rows.get(id);
      if (!row) return { ok: false, error: SYSTEM.legacyNotFound() };
      const set = entityFields(ctx.state, kind);
      return done(formatRow(row, set.fields, false), { rows: 1 });
    },
    [`${prefix}.add`]: (params, ctx) => {
      const written = writeEntity(ctx, kind, param(params, 'fields'), null, false);
      return written.ok ? done(written.value.ID, { rows: 1 }) : written;
    },
    [`${prefix}.update`]: (params, ctx) => {
      const id = positiveId(param(params, 'id'));
      if (id === null) return { ok: false, error: SYSTEM.legacyBadId() };
      const row = ctx.state.tables[kind].rows.get(id);
      if (!row) return { ok: false, error: SYSTEM.legacyNotFound() };
      const written = writeEntity(ctx, kind, param(params, 'fields'), row, false);
      return written.ok ? done(true, { rows: 1 }) : written;
    },
    [`${prefix}.delete`]: (params, ctx) => {
      const id = positiveId(param(params, 'id'));
      if (id === null) return { ok: false, error: SYSTEM.legacyBadId() };
      return removeEntity(ctx, kind, id) ? done(true, { rows: 1 }) : { ok: false, error: SYSTEM.legacyNotFound() };
    },
    [`${prefix}.fields`]: (_params, ctx) => done(describeFields(entityFields(ctx.state, kind), false)),
  };
}

export const crmEntityMethods: MethodTable = {
  ...legacyMethods('deal'),
  ...legacyMethods('company'),
  ...legacyMethods('contact'),
};
