import qs from 'qs';
import type { EntityRecord, EntityType, FieldValue, LeadRecord, TaskRecord } from './amo-records';
import type { AmoStore } from './amo-store';

/**
 * What amo posts to a webhook destination: application/x-www-form-urlencoded, shaped
 * `{entity:{action:{0:{fields}}}, account:{...}}` with the old API v2 field names
 * (last_modified, modified_user_id, date_create, custom_fields[i][values][j][value|enum]).
 * Shapes follow real captured payloads (reference §4.2): a lead status change and a company
 * update, the latter arriving under `contacts[...]` with `type=company`.
 * https://www.amocrm.ru/developers/content/crm_platform/webhooks-format
 */
export type WebhookAction = 'add' | 'update' | 'delete' | 'restore' | 'status' | 'responsible' | 'note';

export interface EntityChange {
  entity: EntityType | 'tasks';
  id: number;
  actions: WebhookAction[];
  /** Values before the change, for the old_* keys. */
  old?: { status_id?: number; pipeline_id?: number; responsible_user_id?: number };
  /** The user the change is attributed to (modified_user_id). */
  userId: number;
}

const SINGULAR: Record<EntityChange['entity'], string> = { leads: 'lead', contacts: 'contact', companies: 'company', tasks: 'task' };

/** The event name an admin subscribes to (`update_lead`, `status_lead`, `add_company`, ...). */
export function eventName(entity: EntityChange['entity'], action: WebhookAction): string {
  return `${action}_${SINGULAR[entity]}`;
}

/** The top-level key of the form: companies share `contacts` with contacts. */
function sectionKey(entity: EntityChange['entity']): string {
  if (entity === 'tasks') return 'task';
  return entity === 'companies' ? 'contacts' : entity;
}

function legacyCustomFields(store: AmoStore, type: EntityType, fields: Map<number, FieldValue[]>): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const [fieldId, values] of fields) {
    const field = store.field(type, fieldId);
    if (!field || values.length === 0) continue;
    // Date fields come as bare values (`values[0]=1471813200`), others as {value, enum}.
    const legacy = values.map((value) => {
      if (field.type === 'date' || field.type === 'date_time' || field.type === 'birthday') return String(value.value ?? '');
      const item: Record<string, unknown> = { value: String(value.value ?? '') };
      if (value.enum_id !== undefined) item['enum'] = String(value.enum_id);
      return item;
    });
    out.push({ id: String(field.id), name: field.name, values: legacy });
  }
  return out;
}

function commonFields(store: AmoStore, type: EntityType, record: EntityRecord, userId: number): Record<string, unknown> {
  const tags = record.tagIds.map((id) => store.tagById(type, id)).filter((tag) => tag !== undefined)
    .map((tag) => ({ id: String(tag.id), name: tag.name }));
  return {
    responsible_user_id: String(record.responsible_user_id),
    date_create: String(record.created_at),
    last_modified: String(record.updated_at),
    created_user_id: String(record.created_by),
    modified_user_id: String(userId),
    ...(tags.length > 0 ? { tags } : {}),
    account_id: String(store.account.id),
  };
}

function leadFields(store: AmoStore, lead: LeadRecord, change: EntityChange, action: WebhookAction): Record<string, unknown> {
  const out: Record<string, unknown> = { id: String(lead.id), name: lead.name, status_id: String(lead.status_id) };
  if (action === 'status') out['old_status_id'] = String(change.old?.status_id ?? lead.status_id);
  out['price'] = String(lead.price);
  Object.assign(out, commonFields(store, 'leads', lead, change.userId));
  out['pipeline_id'] = String(lead.pipeline_id);
  if (action === 'status') out['old_pipeline_id'] = String(change.old?.pipeline_id ?? lead.pipeline_id);
  if (action === 'responsible') out['old_responsible_user_id'] = String(change.old?.responsible_user_id ?? lead.responsible_user_id);
  const custom = legacyCustomFields(store, 'leads', lead.fields);
  if (custom.length > 0) out['custom_fields'] = custom;
  out['created_at'] = String(lead.created_at);
  out['updated_at'] = String(lead.updated_at);
  return out;
}

function partyFields(store: AmoStore, type: 'contacts' | 'companies', record: EntityRecord, change: EntityChange, action: WebhookAction): Record<string, unknown> {
  const out: Record<string, unknown> = { id: String(record.id), name: record.name, ...commonFields(store, type, record, change.userId) };
  if (action === 'responsible') out['old_responsible_user_id'] = String(change.old?.responsible_user_id ?? record.responsible_user_id);
  if (type === 'contacts') {
    const companyId = store.contacts.get(record.id)?.companyId ?? null;
    if (companyId !== null) {
      out['linked_company_id'] = String(companyId);
      out['company_name'] = store.companies.get(companyId)?.name ?? '';
    }
  }
  const custom = legacyCustomFields(store, type, record.fields);
  if (custom.length > 0) out['custom_fields'] = custom;
  out['created_at'] = String(record.created_at);
  out['updated_at'] = String(record.updated_at);
  out['type'] = type === 'companies' ? 'company' : 'contact';
  return out;
}

/** element_type codes of the v2 API: 1 contact, 2 lead, 3 company. */
const ELEMENT_TYPE: Record<EntityType, string> = { contacts: '1', leads: '2', companies: '3' };

function taskFields(store: AmoStore, task: TaskRecord, change: EntityChange): Record<string, unknown> {
  return {
    id: String(task.id),
    element_id: String(task.entity_id ?? 0),
    element_type: task.entity_type === null ? '0' : ELEMENT_TYPE[task.entity_type],
    task_type: String(task.task_type_id),
    date_create: String(task.created_at),
    last_modified: String(task.updated_at),
    complete_till: String(task.complete_till),
    status: task.is_completed ? '1' : '0',
    text: task.text,
    created_user_id: String(task.created_by),
    modified_user_id: String(change.userId),
    responsible_user_id: String(task.responsible_user_id),
    account_id: String(store.account.id),
  };
}

/** The decoded form for one changed entity and the actions this destination subscribed to. */
export function buildWebhookPayload(store: AmoStore, baseUrl: string, change: EntityChange, actions: WebhookAction[]): Record<string, unknown> {
  const section: Record<string, unknown> = {};
  for (const action of actions) {
    let fields: Record<string, unknown> | null = null;
    if (change.entity === 'tasks') {
      const task = store.tasks.get(change.id);
      fields = task ? taskFields(store, task, change) : { id: String(change.id) };
    } else if (action === 'delete') {
      fields = { id: String(change.id), ...(change.entity === 'leads' ? {} : { type: change.entity === 'companies' ? 'company' : 'contact' }) };
    } else if (change.entity === 'leads') {
      const lead = store.leads.get(change.id);
      if (lead) fields = leadFields(store, lead, change, action);
    } else {
      const record = store.entities(change.entity).get(change.id);
      if (record) fields = partyFields(store, change.entity, record, change, action);
    }
    if (fields) section[action] = [fields];
  }
  return {
    [sectionKey(change.entity)]: section,
    account: { subdomain: store.account.subdomain, id: String(store.account.id), _links: { self: baseUrl } },
  };
}

/** Form-encodes with bracket keys and numeric indexes, as amo's PHP side does. */
export function encodeWebhookPayload(payload: Record<string, unknown>): string {
  return qs.stringify(payload, { arrayFormat: 'indices' });
}
