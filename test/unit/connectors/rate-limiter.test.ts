import fc from 'fast-check';
import { createLeakyBucketLimiter, createWindowLimiter, type Clock, type RateLimiter } from '../../../src/connectors/shared/rate-limiter';

/** A clock that only moves when the test moves it; sleepers wake in time order. */
class ManualClock implements Clock {
  private time = 0;
  private sleepers: Array<{ at: number; wake: () => void }> = [];

  now = (): number => this.time;

  sleep = (ms: number): Promise<void> =>
    new Promise((wake) => {
      this.sleepers.push({ at: this.time + Math.max(0, ms), wake });
    });

  /** Moves to `target`, waking every sleeper due on the way and letting it run. */
  async advanceTo(target: number): Promise<void> {
    for (;;) {
      await flush();
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers[0];
      if (!next || next.at > target) break;
      this.sleepers.shift();
      this.time = Math.max(this.time, next.at);
      next.wake();
    }
    this.time = Math.max(this.time, target);
    await flush();
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A clock that jumps forward whenever someone sleeps: runs a whole schedule instantly. */
function autoClock(): Clock & { advance(ms: number): void } {
  let time = 0;
  return {
    now: () => time,
    sleep: async (ms) => {
      time += Math.max(0, ms);
    },
    advance(ms) {
      time += ms;
    },
  };
}

/** Fires `count` acquisitions at once; returns the clock time at which each one was granted. */
async function grantTimes(limiter: RateLimiter, clock: Clock, count: number): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(Array.from({ length: count }, () => limiter.acquire().then(() => times.push(clock.now()))));
  return times;
}

describe('leaky bucket limiter (Bitrix24)', () => {
  it('lets burst - margin requests through at once, then one every 1/rate seconds', async () => {
    const clock = autoClock();
    const limiter = createLeakyBucketLimiter({ ratePerSecond: 2, burst: 50, margin: 2, clock });
    const times = await grantTimes(limiter, clock, 54);
    expect(times.slice(0, 48)).toEqual(Array(48).fill(0));
    expect(times.slice(48)).toEqual([500, 1000, 1500, 2000, 2500, 3000]);
  });

  it('uses a margin of 2 by default (the Enterprise plan: 5/s, burst 250)', async () => {
    const clock = autoClock();
    const limiter = createLeakyBucketLimiter({ ratePerSecond: 5, burst: 250, clock });
    const times = await grantTimes(limiter, clock, 251);
    expect(times.filter((time) => time === 0)).toHaveLength(248);
    expect(times.slice(248)).toEqual([200, 400, 600]);
  });

  it('refills while idle: after a pause of k/rate seconds, k more go at once', async () => {
    const clock = autoClock();
    const limiter = createLeakyBucketLimiter({ ratePerSecond: 2, burst: 12, margin: 2, clock });
    await grantTimes(limiter, clock, 10);
    clock.advance(2_000); // drains 4
    const start = clock.now();
    const times = await grantTimes(limiter, clock, 5);
    expect(times.map((time) => time - start)).toEqual([0, 0, 0, 0, 500]);
  });

  it('never exceeds the bucket: in any span of T ms at most capacity + rate * T / 1000 requests (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 3, max: 60 }),
        fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 80 }),
        async (rate, burst, idleBefore) => {
          const clock = autoClock();
          const limiter = createLeakyBucketLimiter({ ratePerSecond: rate, burst, margin: 2, clock });
          const capacity = Math.max(1, burst - 2);
          const times: number[] = [];
          for (const idle of idleBefore) {
            clock.advance(idle);
            await limiter.acquire();
            times.push(clock.now());
          }
          for (let i = 0; i < times.length; i += 1) {
            for (let j = i; j < times.length; j += 1) {
              const span = (times[j] as number) - (times[i] as number);
              expect(j - i + 1).toBeLessThanOrEqual(capacity + Math.floor((rate * span) / 1000));
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('pause(ms) holds every waiter, even on an empty bucket, until the pause ends', async () => {
    const clock = new ManualClock();
    const limiter = createLeakyBucketLimiter({ ratePerSecond: 2, burst: 50, clock });
    limiter.pause(5_000);
    const granted: number[] = [];
    for (let i = 0; i < 3; i += 1) void limiter.acquire().then(() => granted.push(clock.now()));
    await clock.advanceTo(4_999);
    expect(granted).toEqual([]);
    await clock.advanceTo(5_000);
    expect(granted).toEqual([5_000, 5_000, 5_000]);
  });

  it('a pause that arrives while a request waits for the bucket to drain holds that request too', async () => {
    const clock = new ManualClock();
    const limiter = createLeakyBucketLimiter({ ratePerSecond: 1, burst: 3, margin: 0, clock });
    for (let i = 0; i < 3; i += 1) await limiter.acquire();
    let grantedAt: number | null = null;
    void limiter.acquire().then(() => {
      grantedAt = clock.now();
    });
    await clock.advanceTo(100); // it sleeps until t=1000 for one drained slot
    limiter.pause(4_000); // until t=4100
    await clock.advanceTo(4_099);
    expect(grantedAt).toBeNull();
    await clock.advanceTo(10_000);
    expect(grantedAt).toBe(4_100);
  });

  it('a shorter pause never shortens a longer one', async () => {
    const clock = new ManualClock();
    const limiter = createLeakyBucketLimiter({ ratePerSecond: 100, burst: 100, clock });
    limiter.pause(3_000);
    limiter.pause(100);
    let grantedAt: number | null = null;
    void limiter.acquire().then(() => {
      grantedAt = clock.now();
    });
    await clock.advanceTo(2_999);
    expect(grantedAt).toBeNull();
    await clock.advanceTo(3_000);
    expect(grantedAt).toBe(3_000);
  });
});

describe('window limiter (amoCRM)', () => {
  it('lets N through at once and the next one only when the first leaves the window', async () => {
    const clock = autoClock();
    const limiter = createWindowLimiter({ perSecond: 7, clock });
    const times = await grantTimes(limiter, clock, 15);
    expect(times.slice(0, 7)).toEqual(Array(7).fill(0));
    expect(Math.min(...times.slice(7))).toBeGreaterThanOrEqual(1_000);
    expect(Math.max(...times.slice(7, 14))).toBeLessThan(1_100);
    expect(times[14]).toBeGreaterThanOrEqual(2_000);
  });

  it('never lets more than N through in any window of windowMs (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom(100, 250, 1_000),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 60 }),
        async (perSecond, windowMs, idleBefore) => {
          const clock = autoClock();
          const limiter = createWindowLimiter({ perSecond, windowMs, clock });
          const times: number[] = [];
          for (const idle of idleBefore) {
            clock.advance(idle);
            await limiter.acquire();
            times.push(clock.now());
          }
          // N + 1 grants inside [t, t + windowMs) would mean times[i + N] - times[i] < windowMs.
          for (let i = 0; i + perSecond < times.length; i += 1) {
            expect((times[i + perSecond] as number) - (times[i] as number)).toBeGreaterThanOrEqual(windowMs);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('pause(ms) holds everyone, even with an empty window', async () => {
    const clock = new ManualClock();
    const limiter = createWindowLimiter({ perSecond: 7, clock });
    limiter.pause(2_000);
    const granted: number[] = [];
    for (let i = 0; i < 2; i += 1) void limiter.acquire().then(() => granted.push(clock.now()));
    await clock.advanceTo(1_999);
    expect(granted).toEqual([]);
    await clock.advanceTo(2_000);
    expect(granted).toEqual([2_000, 2_000]);
  });
});
