import { KamError } from '../../core/errors';

/**
 * Rows per multi-row statement. SQLite allows 32,766 bound variables per statement and
 * PostgreSQL 65,535; at ~10 columns, 500 rows stays well inside both while still amortising
 * the round trip (see bench/storage.bench.ts).
 */
export const ROWS_PER_STATEMENT = 500;

/**
 * Rows per transaction for the bulk writes of a pass (a synced page, an evaluation's snapshots),
 * with a turn of the event loop between transactions. better-sqlite3 runs every statement
 * synchronously on the main thread, and Kysely's SQLite driver runs every query on one connection
 * behind a mutex, so a long transaction, even one that yields inside, holds up every HTTP request
 * that needs the database (an event's dirty mark among them). At ~0.05-0.1 ms a row, 200 rows keep
 * each transaction around 10-20 ms (issue 9, "event bursts"; `npm run bench -- events`).
 */
export const ROWS_PER_TURN = 200;

/** Lets the event loop turn (pending I/O and timers run) between two bounded pieces of work. */
export { setImmediate as nextTurn } from 'node:timers/promises';

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
