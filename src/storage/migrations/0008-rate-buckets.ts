import type { Kysely, Migration } from 'kysely';

/**
 * Rate budgets every web process shares (core/ports/rate-bucket-store.port.ts): one row per
 * bucket, its name and the time (epoch ms, bigint) it is next due empty. A bucket whose time has
 * passed is full again, so it is pruned by that column alone. No foreign key: a bucket named after
 * a purged installation simply fills up and goes.
 */
export const rateBucketsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('rate_buckets')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('due_at_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('rate_buckets_due_at').on('rate_buckets').column('due_at_ms').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('rate_buckets').execute();
  },
};
