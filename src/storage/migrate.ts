import { Migrator, type Kysely } from 'kysely';
import { KamError, fail, ok, type Result } from '../core/errors';
import type { MigrationStatus } from '../core/ports/storage.port';
import type { Database } from './database';
import { migrationProvider } from './migrations';
import { openDatabase, type ConnectionOptions } from './open-database';

export interface MigrationRun extends MigrationStatus {
  /** The migrations this call applied (empty when the schema was already current). */
  executed: string[];
}

function migratorFor(db: Kysely<Database>, schema: string | undefined): Migrator {
  // Unordered: 0002-0004 were written in parallel, so a database may have applied 0004 before 0002 exists.
  return new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true, ...(schema ? { migrationTableSchema: schema } : {}) });
}

/** Applies every pending migration on an open database. Kysely takes a lock, so concurrent starts are safe. */
export async function migrateDatabase(db: Kysely<Database>, schema?: string): Promise<Result<MigrationRun>> {
  const { error, results } = await migratorFor(db, schema).migrateToLatest();
  const executed = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (error !== undefined) {
    const failed = (results ?? []).find((r) => r.status === 'Error')?.migrationName;
    return fail(
      new KamError('STORAGE', `Database migration${failed ? ` ${failed}` : ''} failed: ${error instanceof Error ? error.message : String(error)}`, {
        details: { migration: failed, executed },
        cause: error,
      }),
    );
  }
  return ok({ ...(await readMigrationStatus(db, schema)), executed });
}

export async function readMigrationStatus(db: Kysely<Database>, schema?: string): Promise<MigrationStatus> {
  const migrations = await migratorFor(db, schema).getMigrations();
  const applied = migrations.filter((m) => m.executedAt !== undefined).map((m) => m.name);
  const pending = migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
  return { current: pending.length === 0, applied, pending };
}

/** For `kam migrate`: opens the configured database, applies pending migrations, closes it. */
export async function runMigrations(options: ConnectionOptions): Promise<Result<MigrationRun>> {
  const { db, schema } = await openDatabase(options);
  try {
    return await migrateDatabase(db, schema);
  } finally {
    await db.destroy();
  }
}

/** For `kam migrate --status`: what is applied and what is pending, without changing anything. */
export async function migrationStatus(options: ConnectionOptions): Promise<MigrationStatus> {
  const { db, schema } = await openDatabase(options);
  try {
    return await readMigrationStatus(db, schema);
  } finally {
    await db.destroy();
  }
}
