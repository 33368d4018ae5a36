import type { RateBucketStore, RateBudget } from './ports/rate-bucket-store.port';

/**
 * One admission at `atMs` from a bucket next due empty at `dueAtMs` (null: never used): the new
 * due time when it passes, null when the bucket is spent. The databases run the same arithmetic
 * in SQL (storage/repositories/rate-bucket-store.kysely.ts); this copy serves one process alone.
 */
export function takeFromBucket(dueAtMs: number | null, budget: RateBudget, atMs: number): number | null {
  const next = Math.max(dueAtMs ?? atMs, atMs) + budget.intervalMs;
  return next <= atMs + budget.burst * budget.intervalMs ? next : null;
}

/**
 * Buckets in this process's memory: for a component used without a database (unit tests, a
 * one-off tool). Anything that runs in web processes takes its buckets from storage.
 */
export function createMemoryRateBuckets(): RateBucketStore {
  const due = new Map<string, number>();
  return {
    take(key, budget, atMs) {
      const next = takeFromBucket(due.get(key) ?? null, budget, atMs);
      if (next !== null) due.set(key, next);
      return Promise.resolve(next !== null);
    },
    prune(atMs) {
      let gone = 0;
      for (const [key, dueAt] of due) {
        if (dueAt <= atMs) gone += Number(due.delete(key));
      }
      return Promise.resolve(gone);
    },
  };
}
