import type { FxRate } from '../model/snapshot';
import type { Granularity } from '../model/periods';

/**
 * Frozen period reports: when a period closes, its report is kept with the FX rates and the
 * rule version it was made with, so it reads the same later whatever rates or criteria do.
 * A recomputation never overwrites: it adds the next version.
 */
export interface FrozenReport {
  installationId: string;
  granularity: Granularity;
  /** YYYY-MM-DD, the period's first and last day. */
  periodStart: string;
  periodEnd: string;
  /** 1 for the first freeze, then one more per explicit recomputation. */
  version: number;
  ruleVersion: string;
  baseCurrency: string;
  fxRates: FxRate[];
  /** Why this version exists: the period closed, or someone asked for a recomputation. */
  reason: 'closed' | 'recompute';
  /** The report itself (src/app/reports PortfolioReport), as JSON. */
  report: unknown;
  createdAt: string;
}

export type FrozenReportInput = Omit<FrozenReport, 'version' | 'createdAt'>;

export interface PeriodReportStore {
  /**
   * Stores version `after + 1` of (installation, granularity, periodStart) and returns it; `after`
   * is the newest version the caller saw (0: none). When another process stored that version
   * first, rejects with CONFLICT and stores nothing, so two first reads never freeze twice.
   */
  save(input: FrozenReportInput, after: number): Promise<FrozenReport>;
  /** The newest version, or null when the period was never frozen. */
  latest(installationId: string, granularity: Granularity, periodStart: string): Promise<FrozenReport | null>;
  get(installationId: string, granularity: Granularity, periodStart: string, version: number): Promise<FrozenReport | null>;
  /** Every version of one period, oldest first, without the report bodies. */
  versions(installationId: string, granularity: Granularity, periodStart: string): Promise<Array<Omit<FrozenReport, 'report' | 'fxRates'>>>;
}

/** A live CSV link (Google Sheets IMPORTDATA): one per installation, stored by the hash of its secret token. */
export interface ReportLink {
  installationId: string;
  tokenHash: string;
  granularity: Granularity;
  createdAt: string;
}

export interface ReportLinkStore {
  /** Makes this the installation's link, replacing (and so revoking) any earlier one. */
  put(link: Omit<ReportLink, 'createdAt'>): Promise<ReportLink>;
  findByHash(tokenHash: string): Promise<ReportLink | null>;
  get(installationId: string): Promise<ReportLink | null>;
  /** True when a link was there to revoke. */
  revoke(installationId: string): Promise<boolean>;
}
