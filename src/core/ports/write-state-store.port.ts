/**
 * What was last written to the CRM, per key (e.g. `field:company:42` -> {tier, score},
 * `comment:company:42:2026-10` -> {crmId}), so write-back sends only what changed and
 * a per-period comment is never written twice.
 */
export interface WriteStateStore {
  getMany(installationId: string, keys: string[]): Promise<Map<string, unknown>>;
  putMany(installationId: string, entries: Array<{ key: string; value: unknown }>): Promise<void>;
  /**
   * Stores each entry only if its key is not there yet, atomically (no read-then-write race
   * between processes), and returns the keys it stored: the caller owns those writes.
   */
  claimMany(installationId: string, entries: Array<{ key: string; value: unknown }>): Promise<string[]>;
  deleteMany(installationId: string, keys: string[]): Promise<void>;
}
