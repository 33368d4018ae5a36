import type { Result } from '../../core/errors';
import { fail, ok } from '../../core/errors';
import type { ContactRecord, EntityRecord, EntityType, FieldValue, LeadRecord } from './amo-records';
import type { AmoStore } from './amo-store';
import { checkCustomFieldValues } from './custom-field-values';
import type { IssueSink } from './custom-field-values';
import { createIssueCollector, DETAIL, validationError } from './problem';
import { LOST_STATUS_ID, WON_STATUS_ID } from './seed-mapping';
import type { EntityChange, WebhookAction } from './webhook-payload';

/**
 * POST (create) and PATCH (update) of leads, contacts and companies, all or nothing: every
 * item is validated first and nothing is written when one fails, answered as amo's 400 with
 * `validation-errors` per `request_id` (reference §6). Tags: `_embedded.tags` replaces the
 * whole set and then `tags_to_add` / `tags_to_delete` are ignored (MutateTagsTrait; §3.4).
 */
export interface WriteOutcome {
  record: EntityRecord;
  requestId: string;
  change: EntityChange;
}

const COMMON_KEYS = ['name', 'responsible_user_id', 'created_by', 'updated_by', 'created_at', 'updated_at', 'custom_fields_values', 'tags_to_add', 'tags_to_delete', '_embedded', 'request_id'];
const KEYS: Record<EntityType, Set<string>> = {
  leads: new Set([...COMMON_KEYS, 'price', 'status_id', 'pipeline_id', 'closed_at', 'loss_reason_id']),
  contacts: new Set([...COMMON_KEYS, 'first_name', 'last_name']),
  companies: new Set(COMMON_KEYS),
};
const EMBEDDED_KEYS: Record<EntityType, string[]> = { leads: ['tags', 'companies', 'contacts'], contacts: ['tags', 'companies'], companies: ['tags'] };

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

interface Plan {
  item: Record<string, unknown>;
  existing: EntityRecord | null;
  fields: Map<number, FieldValue[]> | null;
  replaceTags: number[] | null;
  addTags: Array<{ id?: number; name?: string }>;
  deleteTags: Array<{ id?: number; name?: string }>;
}

function checkTagRefs(store: AmoStore, type: EntityType, raw: unknown, path: string, issue: IssueSink): Array<{ id?: number; name?: string }> {
  if (!Array.isArray(raw)) {
    issue('InvalidType', path, 'This value should be of type array.');
    return [];
  }
  const refs: Array<{ id?: number; name?: string }> = [];
  raw.forEach((tag, i) => {
    if (!isRecord(tag)) return issue('InvalidType', `${path}.${i}`, 'This value should be of type object.');
    // e.g. request_id inside a tag object is refused (issue amocrm/amocrm-api-php#12).
    for (const key of Object.keys(tag)) if (!['id', 'name', 'color'].includes(key)) issue('FieldNotExpected', `${path}.${i}.${key}`, DETAIL.notExpected);
    if (tag['id'] !== undefined) {
      if (!isInt(tag['id']) || !store.tagById(type, tag['id'])) return issue('NotSupportedChoice', `${path}.${i}.id`, DETAIL.notChoice);
      refs.push({ id: tag['id'] });
    } else if (typeof tag['name'] === 'string' && tag['name'].trim() !== '') {
      refs.push({ name: tag['name'] });
    } else {
      issue('NotBlank', `${path}.${i}.name`, DETAIL.notBlank);
    }
  });
  return refs;
}

function checkItem(store: AmoStore, type: EntityType, item: Record<string, unknown>, mode: 'create' | 'update', issue: IssueSink): Plan {
  const plan: Plan = { item, existing: null, fields: null, replaceTags: null, addTags: [], deleteTags: [] };
  if (mode === 'update') {
    const id = item['id'];
    if (!isInt(id)) issue('NotBlank', 'id', DETAIL.notBlank);
    else plan.existing = store.entities(type).get(id) ?? null;
    if (isInt(id) && !plan.existing) issue('NotFound', 'id', 'Entity not found');
  }
  for (const key of Object.keys(item)) {
    if (key === 'id' && mode === 'update') continue;
    if (!KEYS[type].has(key)) issue('FieldNotExpected', key, DETAIL.notExpected);
  }
  if (item['name'] !== undefined && typeof item['name'] !== 'string') issue('InvalidType', 'name', 'This value should be of type string.');
  for (const key of ['price', 'created_at', 'updated_at', 'closed_at', 'created_by', 'updated_by']) {
    if (item[key] !== undefined && item[key] !== null && !(isInt(item[key]) && (item[key] as number) >= 0)) issue('InvalidType', key, 'This value should be of type int.');
  }
  if (item['responsible_user_id'] !== undefined && !(isInt(item['responsible_user_id']) && store.userExists(item['responsible_user_id']))) {
    issue('NotSupportedChoice', 'responsible_user_id', DETAIL.notChoice);
  }
  if (type === 'leads' && (item['pipeline_id'] !== undefined || item['status_id'] !== undefined)) {
    const current = plan.existing as LeadRecord | null;
    const pipeline = store.pipeline(Number(item['pipeline_id'] ?? current?.pipeline_id ?? store.pipelines[0]?.id));
    if (!pipeline) issue('NotSupportedChoice', 'pipeline_id', DETAIL.notChoice);
    else if (item['status_id'] !== undefined && !pipeline.statuses.some((status) => status.id === item['status_id'])) {
      issue('NotSupportedChoice', 'status_id', DETAIL.notChoice);
    }
  }
  if (item['custom_fields_values'] !== undefined) plan.fields = checkCustomFieldValues(store, type, item['custom_fields_values'], issue);
  const embedded = item['_embedded'];
  if (embedded !== undefined) {
    if (!isRecord(embedded)) issue('InvalidType', '_embedded', 'This value should be of type object.');
    else {
      for (const key of Object.keys(embedded)) if (!EMBEDDED_KEYS[type].includes(key)) issue('FieldNotExpected', `_embedded.${key}`, DETAIL.notExpected);
      if (embedded['tags'] !== undefined) plan.replaceTags = checkTagRefs(store, type, embedded['tags'], '_embedded.tags', issue).map((ref) => ref.id ?? -1);
      for (const [key, target] of [['companies', 'companies'], ['contacts', 'contacts']] as const) {
        const list = embedded[key];
        if (list === undefined) continue;
        if (!Array.isArray(list)) issue('InvalidType', `_embedded.${key}`, 'This value should be of type array.');
        else list.forEach((ref, i) => {
          if (!isRecord(ref) || !isInt(ref['id']) || !store.entities(target).has(ref['id'])) issue('NotSupportedChoice', `_embedded.${key}.${i}.id`, DETAIL.notChoice);
        });
      }
    }
  }
  if (item['tags_to_add'] !== undefined) plan.addTags = checkTagRefs(store, type, item['tags_to_add'], 'tags_to_add', issue);
  if (item['tags_to_delete'] !== undefined) plan.deleteTags = checkTagRefs(store, type, item['tags_to_delete'], 'tags_to_delete', issue);
  return plan;
}

function applyTags(store: AmoStore, type: EntityType, record: EntityRecord, plan: Plan): void {
  const embeddedTags = (plan.item['_embedded'] as Record<string, unknown> | undefined)?.['tags'];
  if (Array.isArray(embeddedTags)) {
    record.tagIds = embeddedTags.map((tag) => {
      const ref = tag as { id?: number; name?: string };
      return ref.id ?? store.tagByName(type, ref.name ?? '', true)?.id ?? 0;
    }).filter((id, i, all) => id > 0 && all.indexOf(id) === i);
    return;
  }
  for (const ref of plan.addTags) {
    const id = ref.id ?? store.tagByName(type, ref.name ?? '', true)?.id;
    if (id !== undefined && !record.tagIds.includes(id)) record.tagIds.push(id);
  }
  for (const ref of plan.deleteTags) {
    const id = ref.id ?? store.tagByName(type, ref.name ?? '', false)?.id;
    record.tagIds = record.tagIds.filter((tagId) => tagId !== id);
  }
}

function blank(store: AmoStore, type: EntityType, id: number, now: number, actor: number): EntityRecord {
  const base: EntityRecord = { id, name: '', responsible_user_id: actor, created_by: actor, updated_by: actor, created_at: now, updated_at: now, tagIds: [], fields: new Map() };
  if (type === 'leads') {
    const pipeline = store.pipelines.find((item) => item.is_main) ?? store.pipelines[0];
    const first = pipeline?.statuses.find((status) => status.type === 0);
    return { ...base, price: 0, pipeline_id: pipeline?.id ?? 0, status_id: first?.id ?? 0, closed_at: null, loss_reason_id: null, companyId: null, contactIds: [] } as LeadRecord;
  }
  if (type === 'contacts') return { ...base, first_name: '', last_name: '', companyId: null } as ContactRecord;
  return base;
}

function applyPlan(store: AmoStore, type: EntityType, plan: Plan, now: number, actor: number, requestId: string): WriteOutcome {
  const item = plan.item;
  const record = plan.existing ?? blank(store, type, store.nextId(type), now, actor);
  const before = { status_id: (record as LeadRecord).status_id, pipeline_id: (record as LeadRecord).pipeline_id, responsible_user_id: record.responsible_user_id };
  const assign = (key: string): void => {
    if (item[key] !== undefined) (record as unknown as Record<string, unknown>)[key] = item[key];
  };
  ['name', 'responsible_user_id', 'created_by', 'created_at', 'price', 'pipeline_id', 'status_id', 'loss_reason_id', 'first_name', 'last_name'].forEach(assign);
  if (type === 'contacts' && item['name'] === undefined && (item['first_name'] !== undefined || item['last_name'] !== undefined)) {
    const contact = record as ContactRecord;
    contact.name = `${contact.first_name} ${contact.last_name}`.trim();
  }
  if (type === 'leads') {
    const lead = record as LeadRecord;
    if (item['pipeline_id'] !== undefined && item['status_id'] === undefined && !store.pipeline(lead.pipeline_id)?.statuses.some((s) => s.id === lead.status_id)) {
      lead.status_id = store.pipeline(lead.pipeline_id)?.statuses.find((status) => status.type === 0)?.id ?? lead.status_id;
    }
    const closed = lead.status_id === WON_STATUS_ID || lead.status_id === LOST_STATUS_ID;
    if (item['closed_at'] !== undefined) lead.closed_at = item['closed_at'] as number | null;
    else if (closed && lead.closed_at === null) lead.closed_at = now;
    else if (!closed) lead.closed_at = null;
    const embedded = item['_embedded'] as Record<string, Array<{ id: number }>> | undefined;
    if (embedded?.['companies']) lead.companyId = embedded['companies'][0]?.id ?? null;
    if (embedded?.['contacts']) lead.contactIds = embedded['contacts'].map((ref) => ref.id);
  }
  if (type === 'contacts') {
    const embedded = item['_embedded'] as Record<string, Array<{ id: number }>> | undefined;
    if (embedded?.['companies']) (record as ContactRecord).companyId = embedded['companies'][0]?.id ?? null;
  }
  for (const [fieldId, values] of plan.fields ?? []) {
    if (values.length === 0) record.fields.delete(fieldId);
    else record.fields.set(fieldId, values);
    const key = `${type}:${record.id}`;
    const written = store.writeLog.fields.get(key) ?? new Set<number>();
    written.add(fieldId);
    store.writeLog.fields.set(key, written);
  }
  if (plan.replaceTags !== null || plan.addTags.length > 0 || plan.deleteTags.length > 0) {
    applyTags(store, type, record, plan);
    store.writeLog.tags.add(`${type}:${record.id}`);
  }
  record.updated_by = isInt(item['updated_by']) ? item['updated_by'] : actor;
  record.updated_at = isInt(item['updated_at']) ? item['updated_at'] : now;
  if (!plan.existing) store.entities(type).set(record.id, record);

  const actions: WebhookAction[] = plan.existing ? ['update'] : ['add'];
  if (type === 'leads' && plan.existing && (before.status_id !== (record as LeadRecord).status_id || before.pipeline_id !== (record as LeadRecord).pipeline_id)) actions.push('status');
  if (plan.existing && before.responsible_user_id !== record.responsible_user_id) actions.push('responsible');
  return { record, requestId, change: { entity: type, id: record.id, actions, old: before, userId: record.updated_by } };
}

export function writeEntities(deps: {
  store: AmoStore; type: EntityType; items: unknown[]; mode: 'create' | 'update'; now: number; actorUserId: number;
}): Result<WriteOutcome[]> {
  const issues = createIssueCollector();
  const plans: Array<{ plan: Plan; requestId: string }> = [];
  deps.items.forEach((raw, index) => {
    const requestId = isRecord(raw) && raw['request_id'] !== undefined ? String(raw['request_id']) : String(index);
    if (!isRecord(raw)) return issues.add(requestId, 'InvalidType', '', 'This value should be of type object.');
    plans.push({ plan: checkItem(deps.store, deps.type, raw, deps.mode, (code, path, detail) => issues.add(requestId, code, path, detail)), requestId });
  });
  const entries = issues.entries();
  if (entries.length > 0) return fail(validationError(entries));
  return ok(plans.map(({ plan, requestId }) => applyPlan(deps.store, deps.type, plan, deps.now, deps.actorUserId, requestId)));
}
