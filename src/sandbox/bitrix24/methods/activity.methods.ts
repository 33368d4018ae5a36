import type { FieldDef } from '../entity-schema';
import { ENTITY_BY_TYPE_ID, toCamel } from '../entity-schema';
import { formatRow, resolveSelect } from '../entity-fields';
import type { CallContext, MethodTable } from '../method-types';
import { asRecord, done, param } from '../method-types';
import type { Activity, Row } from '../portal-state';
import { refuse } from '../rest-failure';
import { runList } from '../list-query';
import { parseBitrixDate } from '../bitrix-time';
import { fieldSet, tableOf } from './simple-table';

/**
 * To-dos and activities. crm.activity.todo.add / .update create and edit the universal to-do
 * (docs:api-reference/crm/timeline/activities/todo/crm-activity-todo-add, -update; a completed
 * one answers CAN_NOT_UPDATE_COMPLETED_TODO). None of the to-do methods completes one; the base
 * method crm.activity.update with fields.COMPLETED = 'Y' does, and checks its documented required
 * fields with the documented messages (OWNER_ID/OWNER_TYPE_ID, TYPE_ID, RESPONSIBLE_ID;
 * docs:api-reference/crm/timeline/activities/activity-base/crm-activity-update, -fields). With
 * behaviour.todoCompletion 'refuse' a to-do answers "Use crm.activity.configurable.update for
 * this activity provider" (also documented there) and stays open.
 * crm.activity.list filters by OWNER_TYPE_ID, OWNER_ID, COMPLETED, PROVIDER_ID, ...
 */
const def = (name: string, type: FieldDef['type']): FieldDef => ({ name, camel: toCamel(name), type, title: name });
const ACTIVITY_FIELDS = fieldSet([
  def('ID', 'integer'), def('OWNER_ID', 'integer'), def('OWNER_TYPE_ID', 'integer'), def('TYPE_ID', 'integer'),
  def('PROVIDER_ID', 'string'), def('PROVIDER_TYPE_ID', 'string'), def('SUBJECT', 'string'), def('DESCRIPTION', 'string'),
  def('COMPLETED', 'char'), def('STATUS', 'integer'), def('RESPONSIBLE_ID', 'user'), def('AUTHOR_ID', 'user'),
  def('PRIORITY', 'integer'), def('DEADLINE', 'datetime'), def('START_TIME', 'datetime'), def('END_TIME', 'datetime'),
  def('CREATED', 'datetime'), def('LAST_UPDATED', 'datetime'), def('COLOR_ID', 'string'),
]);

function toRow(activity: Activity): Row {
  return {
    ID: activity.ID, OWNER_ID: activity.OWNER_ID, OWNER_TYPE_ID: activity.OWNER_TYPE_ID, TYPE_ID: activity.TYPE_ID,
    PROVIDER_ID: activity.PROVIDER_ID, PROVIDER_TYPE_ID: activity.PROVIDER_TYPE_ID, SUBJECT: activity.SUBJECT,
    DESCRIPTION: activity.DESCRIPTION, COMPLETED: activity.COMPLETED, STATUS: activity.COMPLETED === 'Y' ? 2 : 1,
    RESPONSIBLE_ID: activity.RESPONSIBLE_ID, AUTHOR_ID: activity.AUTHOR_ID, PRIORITY: 2, DEADLINE: activity.DEADLINE,
    START_TIME: activity.DEADLINE, END_TIME: activity.DEADLINE, CREATED: activity.CREATED,
    LAST_UPDATED: activity.LAST_UPDATED, COLOR_ID: activity.COLOR_ID,
  };
}

/** The documented required fields of crm.activity.update, checked in the documented order and words. */
function missingRequired(fields: Record<string, unknown>): string | null {
  if (!Number(fields.OWNER_ID) || !Number(fields.OWNER_TYPE_ID)) return 'Could not build binding. Please ensure that owner info and communications are defined correctly';
  if (!Number(fields.TYPE_ID)) return 'The field TYPE_ID is not defined or invalid';
  if (!Number(fields.RESPONSIBLE_ID)) return 'The field RESPONSIBLE_ID is not defined or invalid';
  return null;
}

function ownerOk(ctx: CallContext, typeId: number, id: number): boolean {
  const kind = ENTITY_BY_TYPE_ID[typeId];
  return kind !== undefined && ctx.state.tables[kind].rows.has(id);
}

function todoFields(ctx: CallContext, params: Record<string, unknown>, activity: Activity | null) {
  const ownerTypeId = Number(param(params, 'ownerTypeId'));
  const ownerId = Number(param(params, 'ownerId'));
  const rawDeadline = param(params, 'deadline');
  if (!ownerTypeId || !ownerId || rawDeadline === undefined || rawDeadline === '') {
    return refuse('100', 'Required fields not provided: ownerTypeId, ownerId, deadline', 400);
  }
  if (!ownerOk(ctx, ownerTypeId, ownerId)) return refuse('OWNER_NOT_FOUND', 'Owner not found', 400);
  const deadline = parseBitrixDate(rawDeadline);
  if (deadline === null) return refuse('WRONG_DATETIME_FORMAT', `Wrong datetime format: ${String(rawDeadline)}`, 400);
  const offsets = param(params, 'pingOffsets');
  const colorId = param(params, 'colorId');
  return {
    ok: true as const,
    value: {
      OWNER_TYPE_ID: ownerTypeId, OWNER_ID: ownerId, DEADLINE: deadline,
      SUBJECT: String(param(params, 'title') ?? activity?.SUBJECT ?? ''),
      DESCRIPTION: String(param(params, 'description') ?? activity?.DESCRIPTION ?? ''),
      RESPONSIBLE_ID: Number(param(params, 'responsibleId') ?? activity?.RESPONSIBLE_ID ?? ctx.auth.userId),
      PING_OFFSETS: Array.isArray(offsets) ? offsets.map(Number) : activity?.PING_OFFSETS ?? [],
      COLOR_ID: colorId === undefined ? activity?.COLOR_ID ?? null : String(colorId),
    },
  };
}

const find = (ctx: CallContext, id: unknown): Activity | undefined => ctx.state.activities.find((item) => item.ID === Number(id));

export const activityMethods: MethodTable = {
  'crm.activity.todo.add': (params, ctx) => {
    const fields = todoFields(ctx, params, null);
    if (!fields.ok) return fields;
    const id = (ctx.state.activities[ctx.state.activities.length - 1]?.ID ?? 0) + 1;
    const now = ctx.now();
    ctx.state.activities.push({
      ID: id, TYPE_ID: 6, PROVIDER_ID: 'CRM_TODO', PROVIDER_TYPE_ID: 'TODO', AUTHOR_ID: ctx.auth.userId,
      COMPLETED: 'N', CREATED: now, LAST_UPDATED: now, ...fields.value,
    });
    return done({ id }, { rows: 1 });
  },
  'crm.activity.todo.update': (params, ctx) => {
    const activity = find(ctx, param(params, 'id'));
    if (!activity) return refuse('NOT_FOUND', 'Not found.', 400);
    if (activity.COMPLETED === 'Y') return refuse('CAN_NOT_UPDATE_COMPLETED_TODO', 'Completed activity cannot be modified', 400);
    const fields = todoFields(ctx, params, activity);
    if (!fields.ok) return fields;
    Object.assign(activity, fields.value, { LAST_UPDATED: ctx.now() });
    return done({ id: activity.ID }, { rows: 1 });
  },
  'crm.activity.list': (params, ctx) => {
    const page = runList({
      table: tableOf(ctx.state.activities.map(toRow)), set: ACTIVITY_FIELDS, camel: false,
      filter: param(params, 'filter'), order: param(params, 'order'), start: param(params, 'start'),
    });
    const select = resolveSelect(ACTIVITY_FIELDS, param(params, 'select'), false);
    const rows = page.rows.map((row) => formatRow(row, select, false));
    return done(rows, { total: page.total, next: page.next, rows: rows.length });
  },
  'crm.activity.get': (params, ctx) => {
    const activity = find(ctx, param(params, 'id'));
    // A to-do has no communications; the field is there, empty.
    return activity ? done({ ...formatRow(toRow(activity), ACTIVITY_FIELDS.fields, false), COMMUNICATIONS: [] }) : refuse('', 'Not found', 400);
  },
  'crm.activity.update': (params, ctx) => {
    const activity = find(ctx, param(params, 'id'));
    if (!activity) return refuse('', 'Activity is not found', 400);
    const fields = asRecord(param(params, 'fields'));
    if (activity.PROVIDER_ID === 'CRM_TODO' && ctx.state.behaviour.todoCompletion === 'refuse') {
      return refuse('', 'Use crm.activity.configurable.update for this activity provider', 400);
    }
    const missing = missingRequired(fields);
    if (missing) return refuse('', missing, 400);
    if (fields.COMPLETED !== undefined) activity.COMPLETED = fields.COMPLETED === 'Y' || fields.COMPLETED === true ? 'Y' : 'N';
    if (typeof fields.SUBJECT === 'string') activity.SUBJECT = fields.SUBJECT;
    if (typeof fields.DESCRIPTION === 'string') activity.DESCRIPTION = fields.DESCRIPTION;
    if (fields.RESPONSIBLE_ID !== undefined) activity.RESPONSIBLE_ID = Number(fields.RESPONSIBLE_ID);
    if (fields.DEADLINE !== undefined || fields.END_TIME !== undefined) {
      const deadline = parseBitrixDate(fields.DEADLINE ?? fields.END_TIME);
      if (deadline !== null) activity.DEADLINE = deadline;
    }
    activity.LAST_UPDATED = ctx.now();
    return done(true, { rows: 1 });
  },
  'crm.activity.delete': (params, ctx) => {
    const activity = find(ctx, param(params, 'id'));
    if (!activity) return refuse('', 'Activity is not found', 400);
    ctx.state.activities = ctx.state.activities.filter((item) => item !== activity);
    return done(true);
  },
};
