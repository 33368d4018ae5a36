import type { DealStatus, SyncedCompany, SyncedContact, SyncedDeal } from '../../core/model/synced';

/**
 * amoCRM API v4 rows -> the CRM-neutral model; vendor names stop here. Choices (docs/amocrm.md):
 * - a lead is won in status 142 and lost in 143, in every pipeline (LeadModel::WON_STATUS_ID),
 *   so a stage is the pair (pipelineId, stageId);
 * - amo keeps one account currency and has no FX API: a lead's price is in the account currency;
 * - the criteria inputs live in custom fields found by the installation's field map (our key ->
 *   the field's `code`, or its numeric id); a `date` field holds the start of the day in the
 *   account's time zone as unix seconds, so it is read back as that day in that zone.
 */
export type Row = Record<string, unknown>;

/** Our criteria keys -> amo custom field codes (or ids). The sandbox and our docs use these codes. */
export const DEFAULT_FIELD_MAP: Record<string, string | null> = {
  potential3y: 'KAM_POTENTIAL_3Y',
  margin: 'KAM_MARGIN',
  satisfaction: 'KAM_SATISFACTION',
  contractEnd: 'KAM_CONTRACT_END',
  marketingCost: 'KAM_MARKETING_COST',
  industry: 'KAM_INDUSTRY',
};

export const WON_STATUS_ID = 142;
export const LOST_STATUS_ID = 143;

export interface MapContext {
  fieldMap: Record<string, string | null>;
  /** The account currency (GET /api/v4/account `currency`). */
  currency: string;
  /** The account time zone (datetime_settings.timezone), for date fields. */
  timezone: string;
}

interface FieldValue {
  value?: unknown;
  enum_id?: unknown;
  enum_code?: unknown;
}

interface CustomField {
  field_id?: unknown;
  field_code?: unknown;
  field_type?: unknown;
  values?: FieldValue[];
}

const text = (value: unknown): string | null => (value === null || value === undefined || value === '' ? null : String(value));
const id = (value: unknown): string | null => {
  const raw = text(value);
  return raw === null || raw === '0' ? null : raw;
};
const num = (value: unknown): number | null => {
  if (value === null || value === undefined || value === '' || typeof value === 'boolean') return null;
  const parsed = typeof value === 'number' ? value : Number(String(value).replace(',', '.').replace(/\s/g, ''));
  return Number.isFinite(parsed) ? parsed : null;
};
/** amo timestamps are unix seconds. */
export const isoOf = (seconds: unknown): string | null => {
  const value = num(seconds);
  return value === null || value <= 0 ? null : new Date(value * 1000).toISOString();
};

export function dayInZone(seconds: number, timezone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(seconds * 1000));
}

function embeddedIds(row: Row, key: string): Array<{ id: string; isMain: boolean }> {
  const list = (row._embedded as Row | undefined)?.[key];
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    const ref = item as Row;
    const refId = id(ref.id);
    return refId === null ? [] : [{ id: refId, isMain: ref.is_main === true }];
  });
}

function customField(row: Row, ref: string): CustomField | undefined {
  const list = row.custom_fields_values;
  if (!Array.isArray(list)) return undefined;
  const wanted = ref.toUpperCase();
  return (list as CustomField[]).find((field) => String(field.field_code ?? '').toUpperCase() === wanted || String(field.field_id ?? '') === ref);
}

function firstValue(field: CustomField | undefined): FieldValue | undefined {
  return Array.isArray(field?.values) ? field.values[0] : undefined;
}

export function mapDealStatus(statusId: unknown): DealStatus {
  const status = Number(statusId);
  if (status === WON_STATUS_ID) return 'won';
  if (status === LOST_STATUS_ID) return 'lost';
  return 'open';
}

export function mapLead(row: Row, context: Pick<MapContext, 'currency'>): SyncedDeal {
  const status = mapDealStatus(row.status_id);
  const contacts = embeddedIds(row, 'contacts');
  const created = isoOf(row.created_at) ?? isoOf(row.updated_at) ?? new Date(0).toISOString();
  return {
    crmId: String(row.id),
    title: text(row.name) ?? '',
    companyId: embeddedIds(row, 'companies')[0]?.id ?? null,
    contactId: (contacts.find((contact) => contact.isMain) ?? contacts[0])?.id ?? null,
    amount: num(row.price) ?? 0,
    currency: context.currency,
    status,
    pipelineId: text(row.pipeline_id) ?? '',
    stageId: text(row.status_id) ?? '',
    ownerId: id(row.responsible_user_id),
    createdAt: created,
    closedAt: status === 'open' ? null : isoOf(row.closed_at) ?? isoOf(row.updated_at),
    modifiedAt: isoOf(row.updated_at),
  };
}

export function mapCompany(row: Row, context: MapContext): SyncedCompany {
  const fields: Record<string, unknown> = {};
  const read = (key: string) => {
    const ref = context.fieldMap[key];
    return ref ? customField(row, ref) : undefined;
  };
  for (const key of ['potential3y', 'satisfaction', 'marketingCost']) {
    const value = num(firstValue(read(key))?.value);
    if (value !== null) fields[key] = value;
  }
  const margin = num(firstValue(read('margin'))?.value);
  // A margin field may hold a fraction (0.22) or a percent (22): anything above 1 is a percent.
  if (margin !== null) fields.margin = margin > 1 ? margin / 100 : margin;
  const contractField = read('contractEnd');
  const contractEnd = firstValue(contractField)?.value;
  if (typeof contractEnd === 'number' || /^\d+$/.test(String(contractEnd ?? ''))) fields.contractEnd = dayInZone(Number(contractEnd), context.timezone);
  else if (typeof contractEnd === 'string' && /^\d{4}-\d{2}-\d{2}/.test(contractEnd)) fields.contractEnd = contractEnd.slice(0, 10);
  const industry = firstValue(read('industry'));
  for (const key of Object.keys(context.fieldMap)) {
    // Any other mapped field is passed on as is (numbers as numbers), for custom criteria.
    if (key in fields || ['potential3y', 'margin', 'satisfaction', 'contractEnd', 'marketingCost', 'industry'].includes(key)) continue;
    const value = firstValue(read(key))?.value;
    if (value !== undefined && value !== null && value !== '') fields[key] = num(value) ?? value;
  }
  return {
    crmId: String(row.id),
    name: text(row.name) ?? `#${String(row.id)}`,
    industry: text(industry?.enum_code) ?? text(industry?.value),
    ownerId: id(row.responsible_user_id),
    fields,
    createdAt: isoOf(row.created_at),
    modifiedAt: isoOf(row.updated_at),
  };
}

export function mapContact(row: Row): SyncedContact {
  const name = text(row.name) ?? [text(row.first_name), text(row.last_name)].filter(Boolean).join(' ');
  return {
    crmId: String(row.id),
    name: name || `#${String(row.id)}`,
    companyId: embeddedIds(row, 'companies')[0]?.id ?? null,
    ownerId: id(row.responsible_user_id),
    createdAt: isoOf(row.created_at),
    modifiedAt: isoOf(row.updated_at),
  };
}
