/**
 * Bitrix24's operating-time limit, per method: past the portal's budget a method answers 429
 * OPERATION_TIME_LIMIT while "other applications, webhooks, and methods continue to function".
 * What to do, per the docs: "Suspend calls to the blocked method ... For the first retry, refer
 * to `operating_reset_at` from the last successful response. If the error persists, wait for the
 * next bucket reset" (buckets are one minute). https://apidocs.bitrix24.com/limits.html
 * So only that method waits; the portal's request queue is not paused.
 */
const BUCKET_MS = 60_000;

export interface OperatingBudget {
  /** Remembers a method's `time.operating_reset_at` from a successful answer. */
  observe(method: string, time: unknown): void;
  /** After OPERATION_TIME_LIMIT: suspends the method and returns how long, in ms. */
  suspend(method: string): number;
  /** How long any of these methods must still wait, in ms (0 when all are free). */
  waitFor(methods: readonly string[]): number;
}

export function createOperatingBudget(now: () => number): OperatingBudget {
  const resetAt = new Map<string, number>();
  const suspendedUntil = new Map<string, number>();
  const key = (method: string) => method.toLowerCase();
  return {
    observe(method, time) {
      const reset = (time as { operating_reset_at?: unknown } | null | undefined)?.operating_reset_at;
      if (typeof reset === 'number' && Number.isFinite(reset)) resetAt.set(key(method), reset * 1000);
    },
    suspend(method) {
      const at = now();
      const previous = suspendedUntil.get(key(method));
      const lastReset = resetAt.get(key(method));
      // Refused again after a suspension ran out: the oldest bucket was not enough, wait for the next.
      const until = previous !== undefined && previous > at - BUCKET_MS ? Math.max(previous, at) + BUCKET_MS : lastReset !== undefined && lastReset > at ? lastReset : at + BUCKET_MS;
      suspendedUntil.set(key(method), until);
      return until - at;
    },
    waitFor(methods) {
      const at = now();
      let wait = 0;
      for (const method of methods) {
        const until = suspendedUntil.get(key(method));
        if (until === undefined) continue;
        if (until <= at - BUCKET_MS) suspendedUntil.delete(key(method));
        else wait = Math.max(wait, until - at);
      }
      return wait;
    },
  };
}
