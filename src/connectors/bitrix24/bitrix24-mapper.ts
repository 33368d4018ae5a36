import type { DealStatus, SyncedCompany, SyncedContact, SyncedDeal } from '../../core/model/synced';

/**
 * Bitrix24 rows (legacy crm.*.list shapes, UPPER_CASE) -> the CRM-neutral model. Vendor names
 * stop here. Choices (docs/bitrix24.md): STAGE_SEMANTIC_ID S = won, F = lost, else open;
 * a closed deal's date is MOVED_TIME, the time of its last stage move (for a closed deal: the
 * move into the final stage), falling back to CLOSEDATE, then DATE_MODIFY. CLOSEDATE is an
 * editable field, "by default the date the deal is created plus 7 days", and the docs nowhere say
 * a close rewrites it (https://apidocs.bitrix24.com/api-reference/crm/deals/crm-deal-add.html;
 * MOVED_TIME: .../crm/deals/crm-deal-fields.html).
 */
export type Row = Record<string, unknown>;

/** Which company user fields hold the criteria inputs; an installation setting with these defaults. */
export interface Bitrix24FieldMap {
  potential3y: string | null;
  margin: string | null;
  satisfaction: string | null;
  contractEnd: string | null;
  marketingCost: string | null;
}

export const DEFAULT_FIELD_MAP: Bitrix24FieldMap = {
  potential3y: 'UF_CRM_POTENTIAL_3Y',
  margin: 'UF_CRM_MARGIN',
  satisfaction: 'UF_CRM_SATISFACTION',
  contractEnd: 'UF_CRM_CONTRACT_END',
  marketingCost: 'UF_CRM_MARKETING_COST',
};

export const DEAL_SELECT = ['ID', 'TITLE', 'COMPANY_ID', 'CONTACT_ID', 'OPPORTUNITY', 'CURRENCY_ID', 'STAGE_ID', 'STAGE_SEMANTIC_ID', 'CATEGORY_ID', 'CLOSED', 'ASSIGNED_BY_ID', 'DATE_CREATE', 'DATE_MODIFY', 'CLOSEDATE', 'MOVED_TIME'];
export const CONTACT_SELECT = ['ID', 'NAME', 'LAST_NAME', 'COMPANY_ID', 'ASSIGNED_BY_ID', 'DATE_CREATE', 'DATE_MODIFY'];
export function companySelect(fieldMap: Bitrix24FieldMap): string[] {
  const custom = Object.values(fieldMap).filter((name): name is string => typeof name === 'string');
  return ['ID', 'TITLE', 'INDUSTRY', 'ASSIGNED_BY_ID', 'DATE_CREATE', 'DATE_MODIFY', 'LAST_ACTIVITY_TIME', 'IS_MY_COMPANY', ...custom];
}

const text = (value: unknown): string | null => (value === null || value === undefined || value === '' ? null : String(value));
const id = (value: unknown): string | null => {
  const raw = text(value);
  return raw === null || raw === '0' ? null : raw;
};
const num = (value: unknown): number | null => {
  if (value === null || value === undefined || value === '') return null;
  const parsed = typeof value === 'number' ? value : Number(String(value).replace(',', '.'));
  return Number.isFinite(parsed) ? parsed : null;
};

export function mapDealStatus(semantic: unknown): DealStatus {
  if (semantic === 'S') return 'won';
  if (semantic === 'F') return 'lost';
  return 'open';
}

export function mapDeal(row: Row): SyncedDeal {
  const status = mapDealStatus(row.STAGE_SEMANTIC_ID);
  const created = text(row.DATE_CREATE) ?? text(row.DATE_MODIFY) ?? '1970-01-01';
  return {
    crmId: String(row.ID),
    title: text(row.TITLE) ?? '',
    companyId: id(row.COMPANY_ID),
    contactId: id(row.CONTACT_ID),
    amount: num(row.OPPORTUNITY) ?? 0,
    currency: text(row.CURRENCY_ID) ?? 'RUB',
    status,
    pipelineId: text(row.CATEGORY_ID) ?? '0',
    stageId: text(row.STAGE_ID) ?? '',
    ownerId: id(row.ASSIGNED_BY_ID),
    createdAt: created,
    closedAt: status === 'open' ? null : text(row.MOVED_TIME) ?? text(row.CLOSEDATE) ?? text(row.DATE_MODIFY),
    modifiedAt: text(row.DATE_MODIFY),
  };
}

export function mapCompany(row: Row, fieldMap: Bitrix24FieldMap): SyncedCompany {
  const fields: Record<string, unknown> = {};
  const read = (key: keyof Bitrix24FieldMap) => (fieldMap[key] ? row[fieldMap[key] as string] : undefined);
  const potential = num(read('potential3y'));
  if (potential !== null) fields.potential3y = potential;
  const margin = num(read('margin'));
  // A margin field may hold a fraction (0.22) or percent (22): anything above 1 is a percent.
  if (margin !== null) fields.margin = margin > 1 ? margin / 100 : margin;
  const satisfaction = num(read('satisfaction'));
  if (satisfaction !== null) fields.satisfaction = satisfaction;
  const contractEnd = text(read('contractEnd'));
  if (contractEnd !== null) fields.contractEnd = contractEnd;
  const marketingCost = num(read('marketingCost'));
  if (marketingCost !== null) fields.marketingCost = marketingCost;
  const lastActivity = text(row.LAST_ACTIVITY_TIME);
  if (lastActivity !== null) fields.lastActivityAt = lastActivity;
  if (row.IS_MY_COMPANY === 'Y') fields.isMyCompany = true;
  return {
    crmId: String(row.ID),
    name: text(row.TITLE) ?? `#${String(row.ID)}`,
    industry: text(row.INDUSTRY),
    ownerId: id(row.ASSIGNED_BY_ID),
    fields,
    createdAt: text(row.DATE_CREATE),
    modifiedAt: text(row.DATE_MODIFY),
  };
}

export function mapContact(row: Row): SyncedContact {
  const name = [text(row.NAME), text(row.LAST_NAME)].filter(Boolean).join(' ');
  return {
    crmId: String(row.ID),
    name: name || `#${String(row.ID)}`,
    companyId: id(row.COMPANY_ID),
    ownerId: id(row.ASSIGNED_BY_ID),
    createdAt: text(row.DATE_CREATE),
    modifiedAt: text(row.DATE_MODIFY),
  };
}
