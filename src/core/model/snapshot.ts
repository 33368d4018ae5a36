/** The portfolio snapshot (spec section 1): what the engine evaluates, CRM-neutral. */
export type DealStatus = 'open' | 'won' | 'lost';

/** `accounts[].fields` is free-form JSON: criteria and rules name the keys they read. */
export type AccountFields = Record<string, unknown>;

export interface SnapshotAccount {
  id: string;
  name?: string;
  industry?: string | null;
  ownerId?: string | null;
  fields: AccountFields;
  /** The tier held before this run (filled by the live app); only hysteresis reads it. */
  previousTier?: string | null;
}

export interface SnapshotDeal {
  id: string;
  /** The deal's name in the CRM, for texts people read (a follow-up to-do names the deal by it, never by its id). */
  title?: string | null;
  accountId: string;
  amount: number;
  currency: string;
  status: DealStatus;
  /** Canonical `YYYY-MM-DD` (a datetime's date part as written). */
  createdAt: string;
  /** Required for won and lost deals. */
  closedAt?: string | null;
  pipelineId?: string | null;
  ownerId?: string | null;
}

export interface FxRate {
  currency: string;
  date: string;
  /** Units of the base currency for one unit of `currency`. */
  rate: number;
}

export interface PortfolioSnapshot {
  baseCurrency: string;
  asOf: string;
  fxRates: FxRate[];
  accounts: SnapshotAccount[];
  deals: SnapshotDeal[];
}
