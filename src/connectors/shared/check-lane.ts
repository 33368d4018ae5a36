import { perMinute, type RateBucketStore } from '../../core/ports/rate-bucket-store.port';
import { createMemoryRateBuckets } from '../../core/rate-bucket';

/**
 * A lane for checks that cost a scarce budget (one portal's rate limit) and that a flood can
 * send as many of as it likes, indistinguishable from a genuine user's (issue 9, security 3):
 *
 * - at most `perMinute` checks start per minute (after a quiet spell, `burst` at once), and at
 *   most `concurrency` run at once: whatever a flood sends, what it costs is bounded;
 * - waiting checks are served newest first (LIFO). Under FIFO, whoever sent more requests
 *   earlier is served first, so a genuine user waits behind the whole backlog; newest first, a
 *   user who just opened the tab goes ahead of it, whatever its size. `preferred` checks (a
 *   source with a past genuine verdict) go before the rest;
 * - nobody waits past `deadlineMs` (counted from arrival to answer): the caller is told to come
 *   back (`deadline`) while a started check goes on and its result is kept by the work itself;
 * - at most `maxWaiting` wait; past it the oldest is shed at once (`shed`), non-preferred first.
 *
 * The budget (`perMinute`, `burst`) is the portal's, so it lives in the database when `shared`
 * names a bucket there (core/ports/rate-bucket-store.port.ts): every web process spends from the
 * one bucket, and N processes cost the portal what one does (issue 12). What stays in this
 * process is what only makes sense here: the waiting checks (they are this process's pending
 * requests, answered by it alone), their newest-first order, and the in-flight count (it bounds
 * this process's sockets and the work it holds; a crashed process's count could never be given
 * back from a table, and the portal's cost is already bounded by the shared budget).
 *
 * Time comes from an injected clock, so tests drive deadlines and refills without sleeping.
 */
export interface LaneClock {
  now(): number;
  /** Calls `fn` after `ms`; the answer cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const systemLaneClock: LaneClock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    // A waiting check never keeps a process alive on its own.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export interface CheckLaneOptions {
  perMinute: number;
  burst: number;
  concurrency: number;
  deadlineMs: number;
  maxWaiting: number;
  clock?: LaneClock;
  /** The bucket the budget is spent from, shared by every process; without it, this lane's own. */
  shared?: { buckets: RateBucketStore; key: string };
}

export type LaneOutcome<T> = { ran: true; value: T } | { ran: false; reason: 'deadline' | 'shed' };

export interface LaneStats {
  /** Checks started (each one spent the budget: a call at the portal). */
  started: number;
  waiting: number;
  inFlight: number;
  shed: number;
  /** Callers answered `deadline` (waiting or still running). */
  late: number;
}

export interface CheckLane {
  run<T>(work: () => Promise<T>, options?: { preferred?: boolean }): Promise<LaneOutcome<T>>;
  stats(): LaneStats;
}

interface Waiter {
  start(): void;
  shed(): void;
}

export function createCheckLane(options: CheckLaneOptions): CheckLane {
  const clock = options.clock ?? systemLaneClock;
  const budget = perMinute(options.perMinute, options.burst);
  const { buckets, key } = options.shared ?? { buckets: createMemoryRateBuckets(), key: 'lane' };
  const preferred: Waiter[] = [];
  const others: Waiter[] = [];
  const counts = { started: 0, shed: 0, late: 0 };
  let inFlight = 0;
  // One admission asked of the bucket at a time; a refused lane asks again one refill later.
  let taking = false;
  let wakeUp: (() => void) | null = null;

  const retryLater = () => {
    wakeUp = clock.after(budget.intervalMs, () => {
      wakeUp = null;
      pump();
    });
  };
  const pump = (): void => {
    if (taking || wakeUp || inFlight >= options.concurrency || preferred.length + others.length === 0) return;
    taking = true;
    buckets.take(key, budget, clock.now()).then(
      (admitted) => {
        taking = false;
        if (!admitted) return retryLater();
        // Chosen only now, so a check that arrived while the bucket was asked can go first. When
        // every waiter left meanwhile the admission goes unused: that only ever costs less.
        (preferred.length > 0 ? preferred : others).pop()?.start();
        pump();
      },
      // The database could not answer: nothing starts, and the waiters meet their deadline.
      () => {
        taking = false;
        retryLater();
      },
    );
  };
  const remove = (stack: Waiter[], waiter: Waiter) => {
    const at = stack.indexOf(waiter);
    if (at >= 0) stack.splice(at, 1);
  };

  return {
    run<T>(work: () => Promise<T>, runOptions: { preferred?: boolean } = {}) {
      return new Promise<LaneOutcome<T>>((resolve, reject) => {
        const stack = runOptions.preferred ? preferred : others;
        let settled = false;
        const settle = (answer: () => void) => {
          if (settled) return;
          settled = true;
          cancelDeadline();
          answer();
        };
        const waiter: Waiter = {
          start() {
            inFlight += 1;
            counts.started += 1;
            // A work that throws before its first await still answers through the promise.
            new Promise<T>((done) => done(work())).then(
              (value) => settle(() => resolve({ ran: true, value })),
              (error: unknown) => settle(() => reject(error)),
            ).finally(() => {
              inFlight -= 1;
              pump();
            });
          },
          shed() {
            counts.shed += 1;
            settle(() => resolve({ ran: false, reason: 'shed' }));
          },
        };
        const cancelDeadline = clock.after(options.deadlineMs, () => {
          remove(stack, waiter);
          counts.late += 1;
          settle(() => resolve({ ran: false, reason: 'deadline' }));
        });
        stack.push(waiter);
        if (preferred.length + others.length > options.maxWaiting) (others.length > 0 ? others : preferred).shift()?.shed();
        pump();
      });
    },
    stats: () => ({ ...counts, waiting: preferred.length + others.length, inFlight }),
  };
}
