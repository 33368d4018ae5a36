import { entityFields, formatRow, resolveSelect } from '../entity-fields';
import type { MethodTable } from '../method-types';
import { done, param } from '../method-types';
import { SYSTEM, refuse } from '../rest-failure';
import { kindOfTypeId } from '../entity-writer';
import { describeFields, listEntities, positiveId, removeEntity, writeEntity } from './crm-entity.methods';

/**
 * The universal crm.item.* methods for deals (2), contacts (3) and companies (4): camelCase
 * fields, real numbers, `result.items` for lists and `result.item` for one row
 * (docs:api-reference/crm/universal/crm-item-list, -get, -add, -update, -fields).
 */
const badType = () => refuse('NOT_FOUND', 'Smart process not found', 400);

export const crmItemMethods: MethodTable = {
  'crm.item.list': (params, ctx) => {
    const kind = kindOfTypeId(param(params, 'entityTypeId'));
    if (!kind) return badType();
    const { result, ...paging } = listEntities(ctx, kind, params, true);
    return done({ items: result }, paging);
  },
  'crm.item.get': (params, ctx) => {
    const kind = kindOfTypeId(param(params, 'entityTypeId'));
    if (!kind) return badType();
    const id = positiveId(param(params, 'id'));
    const row = id === null ? undefined : ctx.state.tables[kind].rows.get(id);
    if (!row) return { ok: false, error: SYSTEM.notFound('Element not found') };
    const set = entityFields(ctx.state, kind);
    return done({ item: formatRow(row, resolveSelect(set, ['*'], true), true) }, { rows: 1 });
  },
  'crm.item.add': (params, ctx) => {
    const kind = kindOfTypeId(param(params, 'entityTypeId'));
    if (!kind) return badType();
    const written = writeEntity(ctx, kind, param(params, 'fields'), null, true);
    if (!written.ok) return written;
    const set = entityFields(ctx.state, kind);
    return done({ item: formatRow(written.value, resolveSelect(set, ['*'], true), true) }, { rows: 1 });
  },
  'crm.item.update': (params, ctx) => {
    const kind = kindOfTypeId(param(params, 'entityTypeId'));
    if (!kind) return badType();
    const id = positiveId(param(params, 'id'));
    const row = id === null ? undefined : ctx.state.tables[kind].rows.get(id);
    if (!row) return { ok: false, error: SYSTEM.notFound('Element not found') };
    const written = writeEntity(ctx, kind, param(params, 'fields'), row, true);
    if (!written.ok) return written;
    const set = entityFields(ctx.state, kind);
    return done({ item: formatRow(written.value, resolveSelect(set, ['*'], true), true) }, { rows: 1 });
  },
  'crm.item.delete': (params, ctx) => {
    const kind = kindOfTypeId(param(params, 'entityTypeId'));
    if (!kind) return badType();
    const id = positiveId(param(params, 'id'));
    return id !== null && removeEntity(ctx, kind, id) ? done([]) : { ok: false, error: SYSTEM.notFound('Element not found') };
  },
  'crm.item.fields': (params, ctx) => {
    const kind = kindOfTypeId(param(params, 'entityTypeId'));
    if (!kind) return badType();
    return done({ fields: describeFields(entityFields(ctx.state, kind), true) });
  },
};
