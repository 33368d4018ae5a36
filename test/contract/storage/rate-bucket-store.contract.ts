import { randomUUID } from 'node:crypto';
import { perMinute } from '../../../src/core/ports/rate-bucket-store.port';
import { createMemoryRateBuckets } from '../../../src/core/rate-bucket';
import type { ContractContext } from './contract-context';

/**
 * Shared rate budgets (issue 12): every process on the database spends from one bucket, however
 * many ask at once. Times are given, never waited for; each test has its own keys and its own
 * stretch of time, so a prune in one never touches another's buckets.
 */
export function rateBucketStoreContract(ctx: ContractContext): void {
  const buckets = () => ctx.storage().rateBuckets;
  const key = (name: string) => `${name}:${randomUUID()}`;
  let base = 1_900_000_000_000;
  const era = () => (base += 10 * 60_000);
  /** `n` admissions at once: how many passed (which ones is the database's choice). */
  const takes = async (n: number, take: (i: number) => Promise<boolean>) => (await Promise.all(Array.from({ length: n }, (_, i) => take(i)))).filter(Boolean).length;

  it('lets a burst through at once, then one an interval; a refusal spends nothing', async () => {
    const [bucket, t0, budget] = [key('burst'), era(), { burst: 3, intervalMs: 1_000 }];
    expect(await takes(4, () => buckets().take(bucket, budget, t0))).toBe(3);
    expect(await buckets().take(bucket, budget, t0 + 999)).toBe(false);
    expect(await buckets().take(bucket, budget, t0 + 1_000)).toBe(true);
    expect(await buckets().take(bucket, budget, t0 + 1_000)).toBe(false);
    // After a quiet spell the bucket is full again, never fuller.
    expect(await takes(4, () => buckets().take(bucket, budget, t0 + 60_000))).toBe(3);
    // Another key has its own budget.
    expect(await buckets().take(key('other'), budget, t0)).toBe(true);
  });

  it('keeps one budget for two app instances on one database: 60 a minute across both, the 61st refused', async () => {
    const second = await ctx.factory();
    try {
      const [bucket, t0] = [key('install:all'), era()];
      const instances = [buckets(), second.rateBuckets];
      const admitted: boolean[] = [];
      for (let i = 0; i < 60; i += 1) admitted.push(await instances[i % 2]!.take(bucket, perMinute(60), t0 + i * 10));
      expect(admitted.every(Boolean)).toBe(true);
      expect(await instances[0]!.take(bucket, perMinute(60), t0 + 700)).toBe(false);
      expect(await instances[1]!.take(bucket, perMinute(60), t0 + 700)).toBe(false);
      // One a second after that, to whichever asks first.
      expect(await instances[1]!.take(bucket, perMinute(60), t0 + 1_000)).toBe(true);
      expect(await instances[0]!.take(bucket, perMinute(60), t0 + 1_000)).toBe(false);
    } finally {
      await second.close();
    }
  });

  it('never lets more than the budget through when many admissions race from two instances', async () => {
    const second = await ctx.factory();
    try {
      const instances = [buckets(), second.rateBuckets];
      for (const burst of [1, 25]) {
        const [bucket, t0] = [key('race'), era()];
        expect(await takes(120, (i) => instances[i % 2]!.take(bucket, { burst, intervalMs: 60_000 }, t0 + (i % 7)))).toBe(burst);
      }
    } finally {
      await second.close();
    }
  });

  it('prunes exactly the buckets that are full again, and a pruned bucket starts afresh', async () => {
    const t0 = era();
    const [spent, idle] = [key('spent'), key('idle')];
    const budget = { burst: 2, intervalMs: 30_000 };
    await takes(2, () => buckets().take(spent, budget, t0));
    await buckets().take(idle, { burst: 2, intervalMs: 100 }, t0);
    expect(await buckets().prune(t0 + 100)).toBeGreaterThanOrEqual(1);
    // `spent` was kept (still empty until t0 + 30 s), `idle` went and is full again.
    expect(await buckets().take(spent, budget, t0 + 100)).toBe(false);
    expect(await takes(3, () => buckets().take(idle, { burst: 2, intervalMs: 100 }, t0 + 100))).toBe(2);
  });

  it('answers as the in-memory arithmetic does over an uneven run of admissions', async () => {
    const [bucket, t0, budget] = [key('same'), era(), { burst: 4, intervalMs: 700 }];
    const memory = createMemoryRateBuckets();
    let at = t0;
    let seed = 7;
    for (let i = 0; i < 60; i += 1) {
      seed = (seed * 48_271) % 2_147_483_647;
      at += seed % 900;
      expect([i, await buckets().take(bucket, budget, at)]).toEqual([i, await memory.take(bucket, budget, at)]);
    }
  });

  // Said once to let about twice the burst through after a quiet spell. It does not: a quiet
  // spell refills the bucket to `burst` and no further (its due time never falls behind now),
  // and over any stretch of time no more pass than the burst plus one an interval since.
  it('after a quiet spell of any length lets at most the burst through, and over any stretch the burst plus one an interval', async () => {
    const budget = { burst: 5, intervalMs: 1_000 };
    for (const quietMs of [1_000, 4_999, 5_000, 5_001, 10_000, 3_600_000]) {
      const [bucket, t0] = [key(`quiet-${quietMs}`), era()];
      expect(await takes(12, () => buckets().take(bucket, budget, t0))).toBe(5);
      // Back after the quiet spell: what refilled (one an interval), never more than the burst.
      const refilled = Math.min(5, Math.floor(quietMs / 1_000));
      expect([quietMs, await takes(12, () => buckets().take(bucket, budget, t0 + quietMs))]).toEqual([quietMs, refilled]);
    }

    // An uneven run with quiet spells: every stretch between two admissions holds at most
    // burst + (its length / interval) of them (the GCRA bound), however the stretch is chosen.
    const [bucket, t0] = [key('stretch'), era()];
    const admitted: number[] = [];
    let [at, seed] = [t0, 11];
    for (let i = 0; i < 160; i += 1) {
      seed = (seed * 48_271) % 2_147_483_647;
      // Mostly bursts a few ms apart, now and then a quiet spell of up to 20 s.
      at += seed % 10 === 0 ? seed % 20_000 : seed % 40;
      for (let n = 0; n < 1 + (seed % 4); n += 1) if (await buckets().take(bucket, budget, at)) admitted.push(at);
    }
    expect(admitted.length).toBeGreaterThan(20);
    let worst = 0;
    for (let i = 0; i < admitted.length; i += 1) {
      for (let j = i; j < admitted.length; j += 1) {
        const allowed = budget.burst + Math.floor((admitted[j]! - admitted[i]!) / budget.intervalMs);
        worst = Math.max(worst, j - i + 1 - allowed);
      }
    }
    expect(worst).toBeLessThanOrEqual(0);
  });

  it('refuses a budget that admits nothing with CONFIG_INVALID', async () => {
    await expect(buckets().take(key('bad'), { burst: 0, intervalMs: 1_000 }, era())).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
}
