/**
 * The CRM-neutral shape of what a sync brings in. Each connector's mapper turns vendor rows
 * (STAGE_ID, custom_fields_values, ...) into these; nothing past the mapper sees vendor names.
 * Dates are ISO strings as the CRM gave them (the engine uses their date part as written).
 */
export type EntityKind = 'company' | 'contact' | 'deal';

/**
 * Accounts are companies, keyed by the company's CRM id; when an installation also treats
 * contacts without a company as accounts, those are keyed `contact:<crm id>`, so the two never collide.
 */
export const CONTACT_ACCOUNT_PREFIX = 'contact:';

export interface SyncedCompany {
  crmId: string;
  name: string;
  /** Industry code (Bitrix24 INDUSTRY, an amoCRM select enum code/value), or null. */
  industry: string | null;
  ownerId: string | null;
  /** Criteria inputs by our key (potential3y, margin, satisfaction, contractEnd, marketingCost, lastActivityAt, ...). */
  fields: Record<string, unknown>;
  createdAt: string | null;
  modifiedAt: string | null;
}

export interface SyncedContact {
  crmId: string;
  name: string;
  companyId: string | null;
  ownerId: string | null;
  createdAt: string | null;
  modifiedAt: string | null;
}

export type DealStatus = 'open' | 'won' | 'lost';

export interface SyncedDeal {
  crmId: string;
  title: string;
  companyId: string | null;
  contactId: string | null;
  amount: number;
  currency: string;
  status: DealStatus;
  pipelineId: string;
  stageId: string;
  ownerId: string | null;
  createdAt: string;
  /** Set for won and lost deals. */
  closedAt: string | null;
  modifiedAt: string | null;
}

export interface EntityOfKind {
  company: SyncedCompany;
  contact: SyncedContact;
  deal: SyncedDeal;
}
