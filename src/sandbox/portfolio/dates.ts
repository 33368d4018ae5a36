/** UTC date helpers for the generator: everything is computed from the anchor date, never the clock. */
export const DAY_MS = 86_400_000;

export function parseAnchorDate(anchor: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(anchor);
  if (!match) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().startsWith(anchor) ? ms : null;
}

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/** "2025-03-04T10:15:00Z": whole seconds, as SeedPortfolio documents. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Moves a moment into office hours (09:00-19:00 Moscow, 06:00-16:00 UTC) on a weekday, keeping
 * the day when it is one: CRM edits cluster there, and sync-by-time tests should see that.
 */
export function officeHours(ms: number, fraction: number): number {
  let day = Math.floor(ms / DAY_MS) * DAY_MS;
  const weekday = new Date(day).getUTCDay();
  if (weekday === 6) day -= DAY_MS;
  if (weekday === 0) day -= 2 * DAY_MS;
  return day + 6 * 3_600_000 + Math.floor(fraction * 10 * 3_600_000);
}
