/** One account's evaluation on one date: score, tier, reasons and KPIs, with the rule version that made it. */
export interface AccountSnapshot {
  accountId: string;
  /** YYYY-MM-DD */
  asOf: string;
  score: number;
  tier: string;
  previousTier: string | null;
  ruleVersion: string;
  /** The engine's contributions (criterion, value, normalized, points, reason). */
  contributions: unknown[];
  /** The engine's account KPIs (revenue12m, abc, kpis by period, ...). */
  kpis: Record<string, unknown>;
}

export interface EvaluationRun {
  id: string;
  installationId: string;
  asOf: string;
  ruleVersion: string;
  /** The portfolio KPI pack by period. */
  portfolio: Record<string, unknown>;
  accountCount: number;
  createdAt: string;
}

export interface TierChange {
  asOf: string;
  tier: string;
  score: number;
  ruleVersion: string;
}

/** Dated evaluation snapshots, so tier history and trends can be read back and reproduced. */
export interface EvaluationStore {
  /** Saves a run; a second run for the same (installation, asOf) replaces the first one's rows. */
  saveRun(run: Omit<EvaluationRun, 'id' | 'createdAt' | 'accountCount'>, accounts: AccountSnapshot[]): Promise<EvaluationRun>;
  latestRun(installationId: string): Promise<EvaluationRun | null>;
  latestAccount(installationId: string, accountId: string): Promise<AccountSnapshot | null>;
  /** Every dated snapshot of an account, oldest first. */
  accountHistory(installationId: string, accountId: string): Promise<TierChange[]>;
  /** The tier each account held in the latest run before `asOf` (hysteresis input). */
  tiersBefore(installationId: string, asOf: string): Promise<Map<string, string>>;
  /** The accounts of one run, for the portfolio page. */
  runAccounts(installationId: string, runId: string): Promise<AccountSnapshot[]>;
}
