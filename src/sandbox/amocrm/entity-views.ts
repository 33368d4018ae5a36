import type { CompanyRecord, ContactRecord, EntityRecord, EntityType, FieldRecord, FieldValue, LeadRecord } from './amo-records';
import type { AmoStore } from './amo-store';

/**
 * API v4 shapes of leads, contacts and companies (reference §3.2-3.3, leads-api example):
 * `custom_fields_values` is null when nothing is set, `_embedded.tags` and (for leads)
 * `_embedded.companies` are always present, contacts only with `with=contacts`.
 */
export interface LinkIndex {
  leadsByContact: Map<number, number[]>;
  leadsByCompany: Map<number, number[]>;
  contactsByCompany: Map<number, number[]>;
}

export function buildLinkIndex(store: AmoStore): LinkIndex {
  const push = (map: Map<number, number[]>, key: number, value: number): void => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  const index: LinkIndex = { leadsByContact: new Map(), leadsByCompany: new Map(), contactsByCompany: new Map() };
  for (const lead of store.leads.values()) {
    if (lead.companyId !== null) push(index.leadsByCompany, lead.companyId, lead.id);
    for (const contactId of lead.contactIds) push(index.leadsByContact, contactId, lead.id);
  }
  for (const contact of store.contacts.values()) {
    if (contact.companyId !== null) push(index.contactsByCompany, contact.companyId, contact.id);
  }
  return index;
}

export function fieldView(field: FieldRecord, accountId: number, baseUrl: string): Record<string, unknown> {
  return {
    id: field.id, name: field.name, type: field.type, account_id: accountId, code: field.code, sort: field.sort,
    is_api_only: field.isApiOnly, enums: field.enums ? field.enums.map((item) => ({ id: item.id, value: item.value, sort: item.sort, ...(item.code ? { code: item.code } : {}) })) : null,
    group_id: field.groupId, required_statuses: [], is_deletable: !field.code || field.createdViaApi, is_predefined: !field.createdViaApi && ['PHONE', 'EMAIL', 'POSITION', 'WEB', 'ADDRESS'].includes(field.code ?? ''),
    entity_type: field.entityType, remind: null, settings: null,
    _links: { self: { href: `${baseUrl}/api/v4/${field.entityType}/custom_fields/${field.id}` } },
  };
}

function valueView(field: FieldRecord, value: FieldValue): Record<string, unknown> {
  const out: Record<string, unknown> = { value: value.value ?? null };
  if (value.enum_id !== undefined) out['enum_id'] = value.enum_id;
  if (value.enum_id !== undefined && field.enums) out['enum_code'] = value.enum_code ?? null;
  return out;
}

export function customFieldsView(store: AmoStore, type: EntityType, fields: Map<number, FieldValue[]>): Array<Record<string, unknown>> | null {
  const out: Array<Record<string, unknown>> = [];
  for (const [fieldId, values] of fields) {
    const field = store.field(type, fieldId);
    if (!field || values.length === 0) continue;
    out.push({ field_id: field.id, field_name: field.name, field_code: field.code, field_type: field.type, values: values.map((value) => valueView(field, value)) });
  }
  return out.length > 0 ? out : null;
}

const selfLink = (baseUrl: string, type: EntityType, id: number): { self: { href: string } } => ({ self: { href: `${baseUrl}/api/v4/${type}/${id}` } });
const refs = (baseUrl: string, type: EntityType, ids: readonly number[]): Array<Record<string, unknown>> =>
  ids.map((id) => ({ id, _links: selfLink(baseUrl, type, id) }));

function tagsView(store: AmoStore, type: EntityType, record: EntityRecord): Array<Record<string, unknown>> {
  return record.tagIds.map((id) => store.tagById(type, id)).filter((tag) => tag !== undefined)
    .map((tag) => ({ id: tag.id, name: tag.name, color: tag.color }));
}

function baseView(store: AmoStore, type: EntityType, record: EntityRecord): Record<string, unknown> {
  return {
    id: record.id, name: record.name, responsible_user_id: record.responsible_user_id, group_id: 0,
    created_by: record.created_by, updated_by: record.updated_by, created_at: record.created_at, updated_at: record.updated_at,
  };
}

export interface ViewOptions {
  store: AmoStore;
  baseUrl: string;
  with: Set<string>;
  links: LinkIndex | null;
}

export function leadView(options: ViewOptions, lead: LeadRecord): Record<string, unknown> {
  const { store, baseUrl } = options;
  const embedded: Record<string, unknown> = {
    tags: tagsView(store, 'leads', lead),
    companies: refs(baseUrl, 'companies', lead.companyId === null ? [] : [lead.companyId]),
  };
  // The official client reads _embedded.loss_reason as a list and takes [0] (LeadModel::fromArray).
  const reason = options.with.has('loss_reason') ? store.lossReasons.find((item) => item.id === lead.loss_reason_id) : undefined;
  if (reason) embedded['loss_reason'] = [{ id: reason.id, name: reason.name, _links: { self: { href: `${baseUrl}/api/v4/leads/loss_reasons/${reason.id}` } } }];
  if (options.with.has('contacts')) {
    embedded['contacts'] = lead.contactIds.map((id, index) => ({ id, is_main: index === 0, _links: selfLink(baseUrl, 'contacts', id) }));
  }
  return {
    id: lead.id, name: lead.name, price: lead.price, responsible_user_id: lead.responsible_user_id, group_id: 0,
    status_id: lead.status_id, pipeline_id: lead.pipeline_id, loss_reason_id: lead.loss_reason_id,
    created_by: lead.created_by, updated_by: lead.updated_by, created_at: lead.created_at, updated_at: lead.updated_at,
    closed_at: lead.closed_at, closest_task_at: null, is_deleted: false,
    custom_fields_values: customFieldsView(store, 'leads', lead.fields), score: null, account_id: store.account.id, labor_cost: null,
    ...(options.with.has('is_price_modified_by_robot') ? { is_price_modified_by_robot: false } : {}),
    _links: selfLink(baseUrl, 'leads', lead.id),
    _embedded: embedded,
  };
}

export function contactView(options: ViewOptions, contact: ContactRecord): Record<string, unknown> {
  const { store, baseUrl } = options;
  const embedded: Record<string, unknown> = {
    tags: tagsView(store, 'contacts', contact),
    companies: refs(baseUrl, 'companies', contact.companyId === null ? [] : [contact.companyId]),
  };
  if (options.with.has('leads')) embedded['leads'] = refs(baseUrl, 'leads', options.links?.leadsByContact.get(contact.id) ?? []);
  return {
    ...baseView(store, 'contacts', contact), first_name: contact.first_name, last_name: contact.last_name,
    closest_task_at: null, is_deleted: false, is_unsorted: false,
    custom_fields_values: customFieldsView(store, 'contacts', contact.fields), account_id: store.account.id,
    _links: selfLink(baseUrl, 'contacts', contact.id),
    _embedded: embedded,
  };
}

export function companyView(options: ViewOptions, company: CompanyRecord): Record<string, unknown> {
  const { store, baseUrl } = options;
  const embedded: Record<string, unknown> = { tags: tagsView(store, 'companies', company) };
  if (options.with.has('leads')) embedded['leads'] = refs(baseUrl, 'leads', options.links?.leadsByCompany.get(company.id) ?? []);
  if (options.with.has('contacts')) embedded['contacts'] = refs(baseUrl, 'contacts', options.links?.contactsByCompany.get(company.id) ?? []);
  return {
    ...baseView(store, 'companies', company), closest_task_at: null, is_deleted: false,
    custom_fields_values: customFieldsView(store, 'companies', company.fields), account_id: store.account.id,
    _links: selfLink(baseUrl, 'companies', company.id),
    _embedded: embedded,
  };
}

export function entityView(options: ViewOptions, type: EntityType, record: EntityRecord): Record<string, unknown> {
  if (type === 'leads') return leadView(options, record as LeadRecord);
  if (type === 'contacts') return contactView(options, record as ContactRecord);
  return companyView(options, record as CompanyRecord);
}
