/** The storage adapter's public surface, for the composition root and `kam migrate`. */
export { createStorage, type CreateStorageOptions } from './create-storage';
export { runMigrations, migrationStatus, type MigrationRun } from './migrate';
export { loadOrCreateEncryptionKey } from './crypto/encryption-key';
export { DEFAULT_SQLITE_FILE, type ConnectionOptions } from './open-database';
