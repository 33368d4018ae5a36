import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Pool } from 'pg';
import { KamError } from '../core/errors';
import type { StorageEngine } from '../core/ports/storage.port';
import type { Database } from './database';
import { withStatementCache } from './sqlite-statements';

export interface ConnectionOptions {
  /** postgres:// or postgresql://; without it, SQLite on `sqliteFile`. */
  databaseUrl?: string | null;
  /** Default ./data/kam.sqlite; ':memory:' for tests. */
  sqliteFile?: string;
  /** PostgreSQL only: the schema to work in (created if missing), e.g. one per test suite. */
  schema?: string;
}

export interface OpenDatabase {
  db: Kysely<Database>;
  engine: StorageEngine;
  /** The schema the migration table lives in (PostgreSQL with `schema` set). */
  schema?: string;
}

export const DEFAULT_SQLITE_FILE = './data/kam.sqlite';
const SQLITE_BUSY_TIMEOUT_MS = 5000;

export async function openDatabase(options: ConnectionOptions): Promise<OpenDatabase> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.schema);
  return { db: openSqlite(options.sqliteFile ?? DEFAULT_SQLITE_FILE), engine: 'sqlite' };
}

/**
 * The database holds sealed tokens and every portal's data: owner-only (0600), and so are its
 * -wal and -shm files. SQLite creates those with the database file's own mode (os_unix.c,
 * robust_open / findCreateFileMode), so the file is made 0600 before SQLite opens it, and
 * files left 0644 by an older version are tightened.
 */
function restrictSqliteFiles(file: string): void {
  mkdirSync(dirname(resolve(file)), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}

function openSqlite(file: string): Kysely<Database> {
  if (file !== ':memory:') restrictSqliteFiles(file);
  const database = new BetterSqlite3(file);
  // WAL lets the web process read while the worker writes. synchronous stays FULL (the
  // default): a rotated refresh token must survive a power cut once its commit returned.
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
}

/**
 * Connections per process, kept once made (pg-pool's `min`): a pool that closed its idle ones after
 * 10 s (its default) met the first burst of events after a quiet spell with new PostgreSQL
 * backends to start, and those events' answers waited for them (docs/BENCHMARKS.md, intake). Idle
 * connections do not keep a process alive (a command exits when its work is done).
 */
const POOL_SIZE = 10;

async function openPostgres(databaseUrl: string, schema: string | undefined): Promise<OpenDatabase> {
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new KamError('CONFIG_INVALID', 'DATABASE_URL must start with postgres:// or postgresql://.', {
      details: { setting: 'DATABASE_URL' },
    });
  }
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new KamError('CONFIG_INVALID', `Invalid PostgreSQL schema name "${schema}".`);
  }
  // search_path is set at connection start-up, so every pooled connection (and the
  // migrator) works inside the schema without qualifying table names.
  const pool = new Pool({ connectionString: databaseUrl, min: POOL_SIZE, max: POOL_SIZE, allowExitOnIdle: true, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  // The server may end an idle connection (a restart, a failover, an administrator): the pool has
  // already dropped it and opens a new one for the next statement, and then emits 'error', which
  // with no listener is thrown out of the socket's handler and ends the process
  // (https://node-postgres.com/apis/pool#error). A statement under way gets its own error.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (schema) {
    try {
      // CREATE SCHEMA IF NOT EXISTS still races (a unique violation) when two processes
      // start at once; an advisory lock on the name serialises them.
      await db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${`kam-schema:${schema}`}))`.execute(trx);
        await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
      });
    } catch (error) {
      await db.destroy();
      throw new KamError('STORAGE', `Cannot create the PostgreSQL schema "${schema}".`, { cause: error });
    }
  }
  return schema ? { db, engine: 'postgres', schema } : { db, engine: 'postgres' };
}
