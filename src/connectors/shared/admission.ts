/**
 * At most `limit` admissions per key in any `windowMs`, refusing (not queueing) the rest. Keys
 * are what a flood cannot share with a genuine user: a source address, a token's hash. Memory is
 * bounded: past `maxKeys` keys the idlest are dropped (a dropped key starts afresh, which only
 * ever admits more, never locks anyone out).
 */
export interface Admission {
  admit(key: string): boolean;
  /** How many keys are tracked now (for tests and metrics). */
  size(): number;
}

export function createAdmission(options: { limit: number; windowMs: number; maxKeys?: number; now?: () => number }): Admission {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 10_000;
  // Map order is insertion order; a key is re-inserted on every use, so the first is the idlest.
  const seen = new Map<string, number[]>();
  return {
    admit(key) {
      const at = now();
      const recent = (seen.get(key) ?? []).filter((time) => time > at - options.windowMs);
      seen.delete(key);
      const admitted = recent.length < options.limit;
      if (admitted) recent.push(at);
      seen.set(key, recent);
      while (seen.size > maxKeys) {
        const idlest = seen.keys().next().value;
        if (idlest === undefined) break;
        seen.delete(idlest);
      }
      return admitted;
    },
    size: () => seen.size,
  };
}

/**
 * Keys marked for a while (a source whose token the portal refused; a source with a genuine
 * verdict). Memory is bounded like an admission's: past `maxKeys` the oldest mark is dropped.
 */
export interface Marks {
  mark(key: string): void;
  /** How many ms the key's mark still holds (0: none). */
  remaining(key: string): number;
}

export function createMarks(options: { ttlMs: number; maxKeys?: number; now?: () => number }): Marks {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 10_000;
  const until = new Map<string, number>();
  return {
    mark(key) {
      until.delete(key);
      until.set(key, now() + options.ttlMs);
      while (until.size > maxKeys) {
        const oldest = until.keys().next().value;
        if (oldest === undefined) break;
        until.delete(oldest);
      }
    },
    remaining(key) {
      const left = (until.get(key) ?? 0) - now();
      if (left > 0) return left;
      until.delete(key);
      return 0;
    },
  };
}
