import { perMinute } from '../../../src/core/ports/rate-bucket-store.port';
import { createMemoryRateBuckets, takeFromBucket } from '../../../src/core/rate-bucket';
import { createMarks } from '../../../src/connectors/shared/marks';

describe('token bucket arithmetic (the one the databases run in SQL)', () => {
  it('passes a burst at once, then one an interval, and is full again after a quiet spell', () => {
    const budget = { burst: 3, intervalMs: 1_000 };
    let due: number | null = null;
    const take = (at: number) => {
      const next = takeFromBucket(due, budget, at);
      if (next !== null) due = next;
      return next !== null;
    };
    expect([take(0), take(0), take(0), take(0)]).toEqual([true, true, true, false]);
    expect([take(999), take(1_000), take(1_000)]).toEqual([false, true, false]);
    expect([take(60_000), take(60_000), take(60_000), take(60_000)]).toEqual([true, true, true, false]);
  });

  it('spends 60 a minute from perMinute(60), and keeps keys apart', async () => {
    const buckets = createMemoryRateBuckets();
    const results = await Promise.all(Array.from({ length: 61 }, () => buckets.take('all', perMinute(60), 0)));
    expect(results.filter(Boolean)).toHaveLength(60);
    expect(await buckets.take('other', perMinute(60), 0)).toBe(true);
    expect(await buckets.take('all', perMinute(60), 1_000)).toBe(true);
    // `other` is full again at 1 s (one taken, one interval), `all` only after a minute.
    expect(await buckets.prune(1_000)).toBe(1);
    expect(await buckets.prune(60_999)).toBe(0);
    expect(await buckets.prune(61_000)).toBe(1);
  });
});

describe('marks', () => {
  it('hold for their time, and past maxKeys the oldest goes', () => {
    let now = 0;
    const marks = createMarks({ ttlMs: 1_000, maxKeys: 2, now: () => now });
    marks.mark('a');
    now = 400;
    expect(marks.remaining('a')).toBe(600);
    marks.mark('b');
    marks.mark('c');
    expect([marks.remaining('a'), marks.remaining('b'), marks.remaining('c')]).toEqual([0, 1_000, 1_000]);
    now = 1_400;
    expect(marks.remaining('b')).toBe(0);
  });
});
