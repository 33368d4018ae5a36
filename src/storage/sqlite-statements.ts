import type { Database as BetterSqlite3Database, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';
import { LRUCache } from 'lru-cache';

/** Distinct SQL texts kept prepared (least recently used dropped first; bulk inserts vary by row count). */
export const PREPARED_STATEMENTS_MAX = 500;

/**
 * The better-sqlite3 handle as Kysely's SqliteDialect sees it, with prepared statements reused:
 * the dialect prepares every query anew (sqlite-driver.js), and preparing was a tenth of an
 * event's cost on the intake path. A statement is reused unless it is `busy` (an `iterate`, i.e.
 * a Kysely stream, still open on it), when a fresh one is prepared for that query alone.
 * https://github.com/WiseLibs/better-sqlite3/blob/master/docs/api.md#properties-1
 */
export function withStatementCache(database: BetterSqlite3Database, max = PREPARED_STATEMENTS_MAX): SqliteDatabase {
  const statements = new LRUCache<string, Statement>({ max });
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare(sql) {
      const cached = statements.get(sql);
      if (cached && !cached.busy) return cached;
      const statement = database.prepare(sql);
      if (!cached) statements.set(sql, statement);
      return statement;
    },
  };
}
