/**
 * amo's request-rate rule: at most 7 requests per second per integration and 50 per account
 * (https://www.amocrm.ru/developers/content/api/recommendations, reference §2). A sliding
 * one-second window of the requests that were let through: the 8th request inside any second
 * is refused, and refused requests do not extend the ban.
 */
export interface SlidingWindowLimiter {
  /** True when the request may pass (and is counted), false when it must get 429. */
  tryTake(key: string, limit: number): boolean;
  reset(): void;
}

export function createSlidingWindowLimiter(deps: { now: () => number; windowMs?: number }): SlidingWindowLimiter {
  const windowMs = deps.windowMs ?? 1000;
  const hits = new Map<string, number[]>();
  return {
    tryTake(key, limit) {
      const now = deps.now();
      const list = hits.get(key) ?? [];
      // Timestamps are appended in order, so the expired ones are a prefix.
      let expired = 0;
      while (expired < list.length && (list[expired] ?? 0) <= now - windowMs) expired += 1;
      if (expired > 0) list.splice(0, expired);
      hits.set(key, list);
      if (list.length >= limit) return false;
      list.push(now);
      return true;
    },
    reset() {
      hits.clear();
    },
  };
}
