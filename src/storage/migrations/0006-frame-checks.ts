import type { Kysely, Migration } from 'kysely';

/**
 * The card-frame token checks every web process shares (core/ports/frame-check-store.port.ts):
 * a hash of installation and token, the portal's verdict and until when it holds. No raw token,
 * and no foreign key: a verdict for a purged installation simply expires and is pruned.
 * `expires_at` is ISO-8601 UTC text like every timestamp here (text order is time order).
 */
export const frameChecksMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('frame_checks')
      .addColumn('key_hash', 'text', (c) => c.primaryKey())
      .addColumn('installation_id', 'text', (c) => c.notNull())
      .addColumn('accepted', 'integer', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('frame_checks_expires_at').on('frame_checks').column('expires_at').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('frame_checks').execute();
  },
};
