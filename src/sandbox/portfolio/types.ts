/**
 * The seeded B2B portfolio that both CRM sandboxes serve, in a CRM-neutral shape.
 * Each sandbox maps it onto its own vendor shapes (Bitrix24: STAGE_ID / UF_CRM_*;
 * amoCRM: status_id 142/143, custom_fields_values). Same seed + same anchor date = same data.
 */
export type SeedCurrency = 'RUB' | 'USD' | 'EUR';

export interface SeedUser {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  active: boolean;
}

export interface SeedCompany {
  id: number;
  title: string;
  /** Bitrix24 INDUSTRY code style: MANUFACTURING, CONSTRUCTION, IT, ... */
  industry: string;
  ownerId: number;
  /** ISO datetime, UTC ("2025-03-04T10:15:00Z"). */
  createdAt: string;
  modifiedAt: string;
  /** Custom fields the KAM criteria read. */
  potential3y: number;
  /** Gross margin in percent (22.5 = 22.5%). */
  margin: number;
  /** 1..10, or null when never surveyed. */
  satisfaction: number | null;
  /** YYYY-MM-DD, or null when there is no contract. */
  contractEnd: string | null;
  marketingCost: number | null;
  /** Optional: the company's own annual turnover in RUB (Bitrix24 REVENUE). */
  revenue?: number;
}

export interface SeedContact {
  id: number;
  companyId: number | null;
  firstName: string;
  lastName: string;
  post: string;
  phone: string;
  email: string;
  ownerId: number;
  createdAt: string;
  modifiedAt: string;
}

export type SeedStageSemantics = 'process' | 'success' | 'failure';

export interface SeedStage {
  /** Stage code within its pipeline, e.g. NEW, PREPARATION, WON, LOSE. */
  code: string;
  name: string;
  semantics: SeedStageSemantics;
  sort: number;
}

export interface SeedPipeline {
  /** 0 is the default pipeline (Bitrix24 CATEGORY_ID 0). */
  id: number;
  name: string;
  stages: SeedStage[];
}

export type SeedDealStatus = 'open' | 'won' | 'lost';

export interface SeedDeal {
  id: number;
  title: string;
  companyId: number | null;
  contactId: number | null;
  pipelineId: number;
  stageCode: string;
  status: SeedDealStatus;
  amount: number;
  currency: SeedCurrency;
  ownerId: number;
  createdAt: string;
  modifiedAt: string;
  /** ISO datetime; set for won and lost deals, null for open ones. */
  closedAt: string | null;
}

export interface SeedFxRate {
  currency: SeedCurrency;
  /** YYYY-MM-DD */
  date: string;
  /** Units of RUB for one unit of `currency`. */
  rate: number;
}

export interface SeedPortfolio {
  seed: number;
  /** YYYY-MM-DD: the "today" the data was generated around; deals span the three years before it. */
  anchorDate: string;
  baseCurrency: 'RUB';
  users: SeedUser[];
  companies: SeedCompany[];
  contacts: SeedContact[];
  pipelines: SeedPipeline[];
  deals: SeedDeal[];
  fxRates: SeedFxRate[];
}

export interface GenerateOptions {
  seed: number;
  companies: number;
  contacts: number;
  deals: number;
  /** Defaults to a count that fits the company count (about one manager per 60 companies, at least 3). */
  users?: number;
  /** YYYY-MM-DD; defaults to today's UTC date. */
  anchorDate?: string;
}
