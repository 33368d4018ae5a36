import type { EntityKind } from './entity-schema';
import { ENTITY_BY_TYPE_ID } from './entity-schema';
import type { EntityFieldSet } from './entity-fields';
import { isDateField, isNumericField } from './entity-fields';
import type { FieldValue, MultiFieldValue, PortalState, Row } from './portal-state';
import type { RestResult } from './rest-failure';
import { refuse } from './rest-failure';
import { parseBitrixDate } from './bitrix-time';
import { stageEntityId } from './seed-to-portal';
import { ok } from '../../core/errors';

/**
 * Applies `fields` from crm.*.add / crm.*.update / crm.item.* onto a row the way a portal does:
 * read-only and unknown fields are skipped silently, CATEGORY_ID is immutable after creation,
 * a stage change recomputes STAGE_SEMANTIC_ID / CLOSED / MOVED_TIME (a close leaves CLOSEDATE as it
 * was: an editable field, by default the creation date plus 7 days, docs:api-reference/crm/deals/crm-deal-add),
 * and an enumeration user
 * field takes a LIST item ID (an unknown value is dropped, and noted in the sandbox warnings so
 * a test can see a client that sent the label instead of the ID).
 */
export interface WriteInput {
  state: PortalState;
  kind: EntityKind;
  set: EntityFieldSet;
  row: Row;
  fields: Record<string, unknown>;
  camel: boolean;
  creating: boolean;
  userId: number;
  now: number;
}

function multiField(kind: 'PHONE' | 'EMAIL', raw: unknown, nextId: () => string): MultiFieldValue[] {
  const list = Array.isArray(raw) ? raw : raw !== null && typeof raw === 'object' ? Object.values(raw) : [];
  return list.flatMap((entry) => {
    if (entry === null || typeof entry !== 'object') return [];
    const value = (entry as Record<string, unknown>).VALUE;
    if (typeof value !== 'string' || value === '') return [];
    const valueType = (entry as Record<string, unknown>).VALUE_TYPE;
    return [{ ID: nextId(), VALUE_TYPE: typeof valueType === 'string' ? valueType : 'WORK', VALUE: value, TYPE_ID: kind }];
  });
}

export function applyFields(input: WriteInput): RestResult<void> {
  const { state, set, row, camel } = input;
  let multiSeq = Date.now();
  for (const [key, raw] of Object.entries(input.fields)) {
    const field = camel ? set.byCamel.get(key) ?? set.byName.get(key) : set.byName.get(key.toUpperCase());
    if (!field || field.readOnly) continue;
    if (field.immutable && !input.creating) continue;
    let value: FieldValue;
    if (field.type === 'crm_multifield') {
      value = multiField(field.name as 'PHONE' | 'EMAIL', raw, () => String((multiSeq += 1)));
    } else if (field.type === 'enumeration') {
      const uf = set.userFields.find((item) => item.FIELD_NAME === field.name);
      const ids = new Set((uf?.LIST ?? []).map((item) => Number(item.ID)));
      const wanted = (Array.isArray(raw) ? raw : [raw]).filter((item) => item !== '' && item !== null && item !== undefined);
      const accepted = wanted.map(Number).filter((id) => ids.has(id));
      if (accepted.length < wanted.length) {
        state.warnings.push(`${input.kind} ${String(row.ID ?? '(new)')}: ${field.name} got ${JSON.stringify(raw)}, not a LIST item ID; dropped`);
      }
      value = field.multiple ? accepted : accepted[0] ?? null;
    } else if (isDateField(field)) {
      value = raw === '' || raw === null ? null : parseBitrixDate(raw);
      if (value === null && raw !== '' && raw !== null) return refuse('', `Wrong date format in field ${field.name}`, 400);
    } else if (isNumericField(field)) {
      value = raw === '' || raw === null || raw === undefined ? null : Number(raw);
      if (typeof value === 'number' && !Number.isFinite(value)) value = null;
    } else if (field.type === 'boolean') {
      value = raw === true || raw === 'Y' || raw === '1' || raw === 1 ? 1 : 0;
    } else {
      value = raw === null || raw === undefined ? null : String(raw);
    }
    row[field.name] = value;
  }
  if (input.kind === 'deal') {
    const stage = applyStage(input);
    if (!stage.ok) return stage;
  }
  if (input.creating) {
    row.CREATED_BY_ID = input.userId;
    row.DATE_CREATE = input.now;
    row.ASSIGNED_BY_ID ??= input.userId;
    row.OPENED ??= 'Y';
  }
  row.MODIFY_BY_ID = input.userId;
  row.DATE_MODIFY = input.now;
  return ok(undefined);
}

function applyStage(input: WriteInput): RestResult<void> {
  const { state, row } = input;
  row.CATEGORY_ID ??= 0;
  const category = Number(row.CATEGORY_ID);
  const stages = state.statuses.filter((status) => status.ENTITY_ID === stageEntityId(category));
  if (stages.length === 0) return refuse('', `Category ${category} not found`, 400);
  row.STAGE_ID ??= stages[0]?.STATUS_ID ?? 'NEW';
  const stage = stages.find((status) => status.STATUS_ID === row.STAGE_ID);
  if (!stage) return refuse('', `Stage "${String(row.STAGE_ID)}" does not belong to pipeline ${category}`, 400);
  const semantic = stage.SEMANTICS === 'S' ? 'S' : stage.SEMANTICS === 'F' ? 'F' : 'P';
  if (row.STAGE_SEMANTIC_ID !== semantic || input.creating) {
    row.STAGE_SEMANTIC_ID = semantic;
    row.CLOSED = semantic === 'P' ? 'N' : 'Y';
  }
  if (input.creating && (row.CLOSEDATE === undefined || row.CLOSEDATE === null)) row.CLOSEDATE = input.now + 7 * 86_400_000;
  if (input.creating || 'STAGE_ID' in input.fields || 'stageId' in input.fields) {
    row.MOVED_TIME = input.now;
    row.MOVED_BY_ID = input.userId;
  }
  row.IS_NEW = stage.STATUS_ID === stages[0]?.STATUS_ID ? 'Y' : 'N';
  row.CURRENCY_ID ??= 'RUB';
  row.OPPORTUNITY ??= 0;
  return ok(undefined);
}

export function kindOfTypeId(value: unknown): EntityKind | undefined {
  return ENTITY_BY_TYPE_ID[Number(value)];
}

export const EVENT_PREFIX: Record<EntityKind, string> = { deal: 'ONCRMDEAL', company: 'ONCRMCOMPANY', contact: 'ONCRMCONTACT' };
