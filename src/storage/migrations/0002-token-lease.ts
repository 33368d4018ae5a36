import type { Kysely, Migration } from 'kysely';

/**
 * Named leases with an owner and an expiry: the cross-process lock a token refresh takes
 * (`token:<installationId>`), so two processes on one database never spend one refresh token
 * twice. Generic on purpose (any job may take a lease by name). No foreign key: a lease on a
 * purged installation simply expires. `expires_at` is ISO-8601 UTC text like every timestamp
 * here, so text order is time order on both engines.
 */
export const tokenLeaseMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('leases').execute();
  },
};
