import { sql, type Kysely } from 'kysely';
import { KamError } from '../../core/errors';
import type { RateBucketStore, RateBudget } from '../../core/ports/rate-bucket-store.port';
import type { Database } from '../database';

/** Buckets full again are swept after this many admissions (per process): one DELETE on an index. */
const PRUNE_EVERY = 500;

/**
 * Shared token buckets, one statement per admission on both engines: insert the bucket (a fresh
 * one always has room), or, when it exists, move its due time on by one interval only if that
 * stays within the burst. The condition sits in the upsert itself, so PostgreSQL evaluates it on
 * the row it has locked (concurrent takes of one key queue on that lock, each seeing the last
 * one's result) and SQLite runs the statement as one write: no read-then-write race. A row comes
 * back only when the admission passed; a refusal changes nothing.
 * The arithmetic is core/rate-bucket.ts's takeFromBucket, in SQL.
 */
export function createRateBucketStore(deps: { db: Kysely<Database>; pruneEvery?: number }): RateBucketStore {
  const { db } = deps;
  const pruneEvery = deps.pruneEvery ?? PRUNE_EVERY;
  let taken = 0;
  const prune = async (atMs: number) => {
    const result = await db.deleteFrom('rate_buckets').where('due_at_ms', '<=', whole(atMs)).executeTakeFirst();
    return Number(result.numDeletedRows);
  };
  return {
    async take(key, budget, atMs) {
      const { interval, at } = { interval: intervalOf(budget), at: whole(atMs) };
      const next = sql<number>`(case when rate_buckets.due_at_ms > ${at} then rate_buckets.due_at_ms else ${at} end) + ${interval}`;
      const row = await db
        .insertInto('rate_buckets')
        .values({ key, due_at_ms: at + interval })
        .onConflict((oc) => oc.column('key').doUpdateSet({ due_at_ms: next }).where(next, '<=', at + budget.burst * interval))
        .returning('due_at_ms')
        .executeTakeFirst();
      taken += 1;
      if (taken % pruneEvery === 0) await prune(at);
      return row !== undefined;
    },
    prune: (atMs) => prune(atMs),
  };
}

/** bigint columns take whole milliseconds. */
const whole = (ms: number) => Math.floor(ms);

function intervalOf(budget: RateBudget): number {
  if (!(budget.burst >= 1 && budget.intervalMs > 0)) {
    throw new KamError('CONFIG_INVALID', `A rate budget needs a burst of at least 1 and an interval above 0 (got ${budget.burst}, ${budget.intervalMs} ms)`);
  }
  return Math.ceil(budget.intervalMs);
}
