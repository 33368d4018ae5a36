/**
 * Client-side rate limiters, one per installation (the CRM counts per portal/account).
 * Limits are data from config (STYLE.md rule 6); the CRM's answer stays the last word:
 * on a 503/429 the caller calls `pause()` and everyone waits.
 */
export interface RateLimiter {
  /** Resolves when one more request may go out now. */
  acquire(): Promise<void>;
  /** Holds every request for `ms` (after a QUERY_LIMIT_EXCEEDED / 429). */
  pause(ms: number): void;
  /** The answer to an acquired request arrived (or it failed): limiters that count from answers need it. */
  answered?(): void;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * The shared shape of our limiters: `tryTake(now)` takes a slot and answers 0, or answers how many
 * ms to wait; waiters go one at a time in arrival order, and `pause` holds them all.
 */
function limiterFrom(clock: Clock, tryTake: (now: number) => number, onPause: () => void = () => undefined): RateLimiter {
  let pausedUntil = 0;
  let queue: Promise<void> = Promise.resolve();
  const takeOne = async (): Promise<void> => {
    for (;;) {
      const now = clock.now();
      const wait = pausedUntil > now ? pausedUntil - now : tryTake(now);
      if (wait <= 0) return;
      await clock.sleep(wait);
    }
  };
  return {
    acquire() {
      const turn = queue.then(takeOne);
      queue = turn.catch(() => undefined);
      return turn;
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, clock.now() + ms);
      onPause();
    },
  };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Bitrix24's leaky bucket: each request adds 1, the counter drains `ratePerSecond`, and a
 * request over `burst` is refused (https://apidocs.bitrix24.com/limits.html). We mirror it and
 * keep `margin` requests of headroom for other clients of the same portal.
 */
export function createLeakyBucketLimiter(options: { ratePerSecond: number; burst: number; margin?: number; clock?: Clock }): RateLimiter {
  const clock = options.clock ?? systemClock;
  const capacity = Math.max(1, options.burst - (options.margin ?? 2));
  let level = 0;
  let updatedAt = clock.now();
  const drain = (now: number) => {
    level = Math.max(0, level - ((now - updatedAt) / 1000) * options.ratePerSecond);
    updatedAt = now;
  };
  return limiterFrom(
    clock,
    (now) => {
      drain(now);
      if (level + 1 <= capacity) {
        level += 1;
        return 0;
      }
      return Math.ceil(((level + 1 - capacity) / options.ratePerSecond) * 1000);
    },
    () => {
      // After a refusal the portal's counter is at least full: assume so.
      drain(clock.now());
      level = capacity;
    },
  );
}

/**
 * amoCRM: at most `perSecond` requests in any one-second window (https://www.amocrm.ru/developers/content/api/recommendations).
 * With `countFromAnswer`, a request holds its slot from the moment it is sent until a window after
 * its answer: the server counted it somewhere in between, so no latency, however uneven, can make
 * it see one request too many. The caller reports each answer with `answered()`.
 */
export function createWindowLimiter(options: { perSecond: number; windowMs?: number; countFromAnswer?: boolean; clock?: Clock }): RateLimiter {
  const clock = options.clock ?? systemClock;
  const windowMs = options.windowMs ?? 1000;
  const limit = Math.max(1, Math.floor(options.perSecond));
  const fromAnswer = options.countFromAnswer ?? false;
  const sent: number[] = [];
  let inFlight = 0;
  const limiter = limiterFrom(clock, (now) => {
    while (sent.length > 0 && (sent[0] as number) <= now - windowMs) sent.shift();
    if (sent.length + inFlight < limit) {
      if (fromAnswer) inFlight += 1;
      else sent.push(now);
      return 0;
    }
    // Every slot is held by a request still waiting for its answer: look again shortly.
    return sent.length === 0 ? 10 : (sent[0] as number) + windowMs - now + 1;
  });
  return {
    ...limiter,
    answered() {
      if (!fromAnswer || inFlight === 0) return;
      inFlight -= 1;
      sent.push(clock.now());
    },
  };
}
