/**
 * Short leases by name, held in the database so they hold across processes (the `leases`
 * table of migration 0002_token_lease): what one process must do alone (a token refresh, an
 * installation's setup) takes a lease first. A lease ends when its owner releases it or when it
 * expires (an owner that died never blocks for long).
 */
export interface LeaseStore {
  /** True when `owner` now holds `name` until `ttlMs` from now (it was free, expired or already theirs). */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up, if `owner` still holds it. */
  release(name: string, owner: string): Promise<void>;
  /** Who holds `name` now (null when free or expired). */
  holder(name: string): Promise<string | null>;
}
