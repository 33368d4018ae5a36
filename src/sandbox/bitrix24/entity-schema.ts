/**
 * Standard fields of the three CRM entities the app reads, as `crm.deal.fields`,
 * `crm.company.fields` and `crm.contact.fields` describe them
 * (docs:api-reference/crm/deals/crm-deal-fields, .../companies/crm-company-fields,
 * .../contacts/crm-contact-fields), with the camelCase names crm.item.* uses
 * (docs:api-reference/crm/universal/object-fields).
 */
export type EntityKind = 'deal' | 'company' | 'contact';

export type FieldType =
  | 'integer' | 'double' | 'string' | 'char' | 'datetime' | 'date' | 'user' | 'crm_status'
  | 'crm_category' | 'crm_currency' | 'crm_company' | 'crm_contact' | 'crm_multifield' | 'boolean'
  | 'enumeration' | 'money' | 'url' | 'employee' | 'crm';

export interface FieldDef {
  name: string;
  camel: string;
  type: FieldType;
  title: string;
  readOnly?: boolean;
  immutable?: boolean;
  required?: boolean;
  multiple?: boolean;
  statusType?: string;
}

/** Bitrix24 CRM object type ids (docs:api-reference/crm/data-types#object_type). */
export const ENTITY_TYPE_ID: Record<EntityKind, number> = { deal: 2, contact: 3, company: 4 };
export const ENTITY_BY_TYPE_ID: Record<number, EntityKind | undefined> = { 2: 'deal', 3: 'contact', 4: 'company' };
/** The user-field owner ids (ENTITY_ID of crm.*.userfield.*). */
export const UF_ENTITY_ID: Record<EntityKind, string> = { deal: 'CRM_DEAL', company: 'CRM_COMPANY', contact: 'CRM_CONTACT' };

const f = (name: string, type: FieldType, title: string, extra: Partial<FieldDef> = {}): FieldDef =>
  ({ name, camel: extra.camel ?? toCamel(name), type, title, ...extra });

const COMMON_TAIL: FieldDef[] = [
  f('ASSIGNED_BY_ID', 'user', 'Responsible person'),
  f('CREATED_BY_ID', 'user', 'Created by', { readOnly: true, camel: 'createdBy' }),
  f('MODIFY_BY_ID', 'user', 'Modified by', { readOnly: true, camel: 'updatedBy' }),
  f('DATE_CREATE', 'datetime', 'Created on', { readOnly: true, camel: 'createdTime' }),
  f('DATE_MODIFY', 'datetime', 'Modified on', { readOnly: true, camel: 'updatedTime' }),
  f('OPENED', 'char', 'Available to everyone'),
  f('COMMENTS', 'string', 'Comment'),
  f('LAST_ACTIVITY_TIME', 'datetime', 'Last activity', { readOnly: true }),
  f('LAST_ACTIVITY_BY', 'user', 'Last activity by', { readOnly: true }),
  f('ORIGINATOR_ID', 'string', 'External source'),
  f('ORIGIN_ID', 'string', 'Item ID in data source'),
];

export const ENTITY_FIELDS: Record<EntityKind, FieldDef[]> = {
  deal: [
    f('ID', 'integer', 'ID', { readOnly: true }),
    f('TITLE', 'string', 'Name'),
    f('TYPE_ID', 'crm_status', 'Type', { statusType: 'DEAL_TYPE' }),
    f('CATEGORY_ID', 'crm_category', 'Pipeline', { immutable: true }),
    f('STAGE_ID', 'crm_status', 'Deal stage', { statusType: 'DEAL_STAGE' }),
    f('STAGE_SEMANTIC_ID', 'string', 'Stage group', { readOnly: true }),
    f('IS_NEW', 'char', 'New deal', { readOnly: true }),
    f('IS_RECURRING', 'char', 'Recurring deal'),
    f('IS_RETURN_CUSTOMER', 'char', 'Repeat deal', { readOnly: true }),
    f('PROBABILITY', 'integer', 'Probability'),
    f('CURRENCY_ID', 'crm_currency', 'Currency'),
    f('OPPORTUNITY', 'double', 'Total'),
    f('IS_MANUAL_OPPORTUNITY', 'char', 'IS_MANUAL_OPPORTUNITY'),
    f('TAX_VALUE', 'double', 'Tax rate'),
    f('COMPANY_ID', 'crm_company', 'Company'),
    f('CONTACT_ID', 'crm_contact', 'Contact'),
    f('BEGINDATE', 'date', 'Start date'),
    f('CLOSEDATE', 'date', 'End date'),
    f('CLOSED', 'char', 'Closed'),
    f('SOURCE_ID', 'crm_status', 'Source', { statusType: 'SOURCE' }),
    f('MOVED_BY_ID', 'user', 'Stage changed by', { readOnly: true, camel: 'movedBy' }),
    f('MOVED_TIME', 'datetime', 'Stage changed on', { readOnly: true }),
    ...COMMON_TAIL,
  ],
  company: [
    f('ID', 'integer', 'ID', { readOnly: true }),
    f('TITLE', 'string', 'Company name', { required: true }),
    f('COMPANY_TYPE', 'crm_status', 'Company type', { statusType: 'COMPANY_TYPE', camel: 'typeId' }),
    f('INDUSTRY', 'crm_status', 'Industry', { statusType: 'INDUSTRY' }),
    f('EMPLOYEES', 'crm_status', 'Employees', { statusType: 'EMPLOYEES' }),
    f('REVENUE', 'double', 'Annual revenue'),
    f('CURRENCY_ID', 'crm_currency', 'Currency'),
    f('IS_MY_COMPANY', 'char', 'My company'),
    f('PHONE', 'crm_multifield', 'Phone', { multiple: true }),
    f('EMAIL', 'crm_multifield', 'E-mail', { multiple: true }),
    ...COMMON_TAIL,
  ],
  contact: [
    f('ID', 'integer', 'ID', { readOnly: true }),
    f('HONORIFIC', 'crm_status', 'Salutation', { statusType: 'HONORIFIC' }),
    f('NAME', 'string', 'First name'),
    f('SECOND_NAME', 'string', 'Second name'),
    f('LAST_NAME', 'string', 'Last name'),
    f('POST', 'string', 'Position'),
    f('TYPE_ID', 'crm_status', 'Contact type', { statusType: 'CONTACT_TYPE' }),
    f('SOURCE_ID', 'crm_status', 'Source', { statusType: 'SOURCE' }),
    f('COMPANY_ID', 'crm_company', 'Company'),
    f('EXPORT', 'char', 'Included in export'),
    f('HAS_PHONE', 'char', 'Has phone', { readOnly: true }),
    f('HAS_EMAIL', 'char', 'Has email', { readOnly: true }),
    f('PHONE', 'crm_multifield', 'Phone', { multiple: true }),
    f('EMAIL', 'crm_multifield', 'E-mail', { multiple: true }),
    ...COMMON_TAIL,
  ],
};

/**
 * UPPER_SNAKE to camelCase as crm.item.* does it. A segment starting with a digit keeps an
 * underscore in front (UF_CRM_POTENTIAL_3Y -> ufCrmPotential_3y), which is how Bitrix24's
 * converter treats numeric user-field suffixes (ufCrm_1712345678). UNVERIFIED for segments
 * like "3Y" on a real portal: clients should read the names from crm.item.fields.
 */
export function toCamel(name: string): string {
  const [first = '', ...rest] = name.toLowerCase().split('_').filter((part) => part.length > 0);
  return first + rest.map((part) => (/^\d/.test(part) ? `_${part}` : part.charAt(0).toUpperCase() + part.slice(1))).join('');
}

export function fieldIndex(fields: readonly FieldDef[]): { byName: Map<string, FieldDef>; byCamel: Map<string, FieldDef> } {
  return {
    byName: new Map(fields.map((field) => [field.name, field])),
    byCamel: new Map(fields.map((field) => [field.camel, field])),
  };
}
