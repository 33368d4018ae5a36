import { KamError, isKamError } from '../core/errors';
import type { MigrationStatus, Storage } from '../core/ports/storage.port';
import { verifyEncryptionKey } from './crypto/key-check';
import { createSecretCipher } from './crypto/secret-cipher';
import { migrateDatabase, readMigrationStatus } from './migrate';
import { openDatabase, type ConnectionOptions } from './open-database';
import { createEntityStore } from './repositories/entity-store.kysely';
import { createEvaluationStore } from './repositories/evaluation-store.kysely';
import { createPeriodReportStore, createReportLinkStore } from './repositories/period-report-store.kysely';
import { createInstallationStore } from './repositories/installation-store.kysely';
import { withVerifiedInstallations } from './repositories/verified-installations';
import { createSettingsHistoryStore } from './repositories/settings-history.kysely';
import { createLeaseStore } from './repositories/lease.kysely';
import { createFrameCheckStore } from './repositories/frame-check-store.kysely';
import { createRateBucketStore } from './repositories/rate-bucket-store.kysely';
import { createSyncStateStore } from './repositories/sync-state-store.kysely';
import { createTaskLedger } from './repositories/task-ledger.kysely';
import { createWriteStateStore } from './repositories/write-state-store.kysely';
import { listenForInstallationChanges } from './installation-changes';

export interface CreateStorageOptions extends ConnectionOptions {
  /** 32 bytes, from loadOrCreateEncryptionKey(). */
  encryptionKey: Buffer;
  /** Apply pending migrations at start-up (default true). With false, run `kam migrate` first. */
  migrate?: boolean;
  /** How long inbound verification may answer from a copy of an installation (default 10 s; 0: never). */
  verifiedInstallationTtlMs?: number;
  /**
   * PostgreSQL: hear every other process's installation changes as they commit (a process that
   * verifies inbound requests wants this; installation-changes.ts), told when it starts and stops
   * hearing. Ignored on SQLite (one process).
   */
  hearInstallationChanges?: (on: boolean, error?: unknown) => void;
}

/**
 * Opens the store: SQLite (better-sqlite3, WAL) by default, PostgreSQL when databaseUrl is
 * set; both through the same Kysely repositories. Migrates, then proves the encryption key is
 * the database's own. Rejects with a KamError (ENCRYPTION_KEY_MISMATCH, STORAGE,
 * CONFIG_INVALID) and leaves no connection open when it cannot start.
 */
export async function createStorage(options: CreateStorageOptions): Promise<Storage> {
  const cipher = createSecretCipher({ key: options.encryptionKey });
  const { db, engine, schema } = await openDatabase(options).catch((error: unknown) => {
    throw asStorageError(error);
  });
  let current: MigrationStatus | null = null;
  try {
    if (options.migrate !== false) {
      const migrated = await migrateDatabase(db, schema);
      if (!migrated.ok) throw migrated.error;
    } else {
      const status = await readMigrationStatus(db, schema);
      if (!status.current) {
        throw new KamError('STORAGE', `The database schema is not current (pending: ${status.pending.join(', ')}); run \`kam migrate\`.`, {
          details: { pending: status.pending },
        });
      }
    }
    const keyCheck = await verifyEncryptionKey(db, cipher);
    if (!keyCheck.ok) throw keyCheck.error;
  } catch (error) {
    await db.destroy();
    throw asStorageError(error);
  }

  const installations = withVerifiedInstallations(createInstallationStore({ db, cipher }), { ttlMs: options.verifiedInstallationTtlMs });
  const told = options.hearInstallationChanges;
  const changes = told && options.databaseUrl && engine === 'postgres'
    ? listenForInstallationChanges({
        databaseUrl: options.databaseUrl,
        ...(schema ? { schema } : {}),
        changed: (id) => installations.changed(id),
        listening: (on, error) => {
          installations.hearing(on);
          told(on, error);
        },
      })
    : null;
  const settingsHistory = createSettingsHistoryStore({ db });
  return {
    engine,
    installations,
    entities: createEntityStore({ db }),
    syncState: createSyncStateStore({ db }),
    evaluations: createEvaluationStore({ db }),
    taskLedger: createTaskLedger({ db }),
    writeState: createWriteStateStore({ db }),
    // A settings save writes the installation's row too: event verification's copy of it goes.
    settingsHistory: {
      ...settingsHistory,
      save: (input) => settingsHistory.save(input).finally(() => installations.changed(input.installationId)),
    },
    periodReports: createPeriodReportStore({ db }),
    reportLinks: createReportLinkStore({ db }),
    leases: createLeaseStore({ db }),
    frameChecks: createFrameCheckStore({ db }),
    rateBuckets: createRateBucketStore({ db }),
    migrationStatus: async () => {
      // Once every migration this code knows is applied it stays so (a later deploy only adds
      // newer ones), so /health, polled by load balancers, stops running the migrator, whose
      // table checks contended with a starting process's migration lock.
      if (current) return current;
      const status = await readMigrationStatus(db, schema);
      if (status.current) current = status;
      return status;
    },
    close: async () => {
      await changes?.close();
      await db.destroy();
    },
  };
}

function asStorageError(error: unknown): KamError {
  if (isKamError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new KamError('STORAGE', `The database could not be opened: ${reason}`, { retryable: true, cause: error });
}
