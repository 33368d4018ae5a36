import { KamError } from '../../core/errors';

/**
 * Rows per multi-row statement. SQLite allows 32,766 bound variables per statement and
 * PostgreSQL 65,535; at ~10 columns, 500 rows stays well inside both while still amortising
 * the round trip (see bench/storage.bench.ts).
 */
export const ROWS_PER_STATEMENT = 500;

/** IN-list size for reads and deletes by key. */
export const KEYS_PER_STATEMENT = 900;

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** The instant as `toISOString()` text, so text order is time order on both engines. */
export function normalizeInstant(value: string, field: string): string {
  return new Date(instantMillis(value, field)).toISOString();
}

export function instantMillis(value: string, field: string): number {
  const millis = Date.parse(value);
  if (Number.isNaN(millis)) {
    throw new KamError('INPUT_INVALID', `${field} is not an ISO date-time: "${value}".`, { details: { field } });
  }
  return millis;
}

/** PostgreSQL returns bigint and count(*) as strings; SQLite as numbers. */
export function toNumber(value: number | string | bigint | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/** Keeps the last occurrence of each key, in first-seen order: "the latest one wins". */
export function lastByKey<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) byKey.set(keyOf(item), item);
  return [...byKey.values()];
}

export function notFound(what: string, details: Record<string, unknown>): KamError {
  return new KamError('NOT_FOUND', `${what} not found.`, { details });
}
