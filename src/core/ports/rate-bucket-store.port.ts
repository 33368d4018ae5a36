/**
 * Rate budgets shared by every process on the database (the `rate_buckets` table of migration
 * 0008_rate_buckets): what an unproven request may cost a CRM or us (OAuth exchanges on the
 * install path, card-frame token checks at a portal) is bounded once for the whole deployment,
 * not once per web process (issue 12: "Nothing that must hold across processes lives in process
 * memory").
 *
 * Each bucket is a token bucket kept as one number, the time it is next due empty (GCRA, the
 * "virtual scheduling" form: https://en.wikipedia.org/wiki/Generic_cell_rate_algorithm): after a
 * quiet spell `burst` admissions pass at once, then one every `intervalMs`. The time comes from
 * the caller (its injected clock), so tests drive refills without waiting.
 */
export interface RateBudget {
  /** At most this many at once, after a quiet spell. */
  burst: number;
  /** Then one more every `intervalMs` (whole ms; 60_000 / perMinute). */
  intervalMs: number;
}

export interface RateBucketStore {
  /**
   * Spends one admission from bucket `key` at time `atMs` (epoch ms) and says whether there was
   * one to spend: atomic, so however many processes ask at once, no more pass than the budget.
   * A refusal spends nothing.
   */
  take(key: string, budget: RateBudget, atMs: number): Promise<boolean>;
  /** Drops every bucket that is full again at `atMs` (it behaves as one never used); how many went. */
  prune(atMs: number): Promise<number>;
}

/**
 * A budget of `perMinute` a minute, `burst` of them at once. Over any stretch of time at most
 * `burst` + (its length / interval) pass, so in the first minute after a quiet spell up to
 * `burst` + `perMinute` - 1 may: the burst at once, then the steady rate (a token bucket, not a
 * fixed window; the contract suite checks the bound on both engines).
 */
export const perMinute = (count: number, burst: number = count): RateBudget => ({ burst, intervalMs: Math.ceil(60_000 / count) });
