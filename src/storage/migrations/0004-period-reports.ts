import type { Kysely, Migration } from 'kysely';

/**
 * Frozen period reports (one row per version; a recomputation adds the next version, never
 * overwrites) and the live CSV links, stored by the SHA-256 of their secret token. Self-contained:
 * it depends on nothing but 0001's installations table, so it applies beside 0002 and 0003.
 */
export const periodReportsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('period_reports')
      .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id').onDelete('cascade'))
      .addColumn('granularity', 'text', (c) => c.notNull())
      .addColumn('period_start', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('period_end', 'text', (c) => c.notNull())
      .addColumn('rule_version', 'text', (c) => c.notNull())
      .addColumn('base_currency', 'text', (c) => c.notNull())
      .addColumn('fx_rates', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('report', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('period_reports_pk', ['installation_id', 'granularity', 'period_start', 'version'])
      .execute();

    await db.schema
      .createTable('report_links')
      .addColumn('installation_id', 'text', (c) => c.primaryKey().references('installations.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('granularity', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('report_links').ifExists().execute();
    await db.schema.dropTable('period_reports').ifExists().execute();
  },
};
