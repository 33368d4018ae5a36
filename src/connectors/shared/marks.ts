/**
 * Keys marked for a while, in this process (a source whose token the portal refused; a source
 * with a genuine verdict). Memory is bounded: past `maxKeys` the oldest mark is dropped. Rate
 * budgets are not kept here: they are shared by every process (core/ports/rate-bucket-store.port.ts).
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
