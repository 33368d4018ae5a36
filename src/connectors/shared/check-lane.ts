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
  const msPerCheck = 60_000 / options.perMinute;
  const preferred: Waiter[] = [];
  const others: Waiter[] = [];
  const counts = { started: 0, shed: 0, late: 0 };
  let inFlight = 0;
  let budget = options.burst;
  let refilledAt = clock.now();
  let wakeUp: (() => void) | null = null;

  const refill = () => {
    const at = clock.now();
    budget = Math.min(options.burst, budget + (at - refilledAt) / msPerCheck);
    refilledAt = at;
  };
  const pump = () => {
    refill();
    while (inFlight < options.concurrency && preferred.length + others.length > 0) {
      if (budget < 1) {
        wakeUp ??= clock.after(Math.ceil((1 - budget) * msPerCheck), () => {
          wakeUp = null;
          pump();
        });
        return;
      }
      const next = (preferred.length > 0 ? preferred : others).pop() as Waiter;
      budget -= 1;
      next.start();
    }
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
