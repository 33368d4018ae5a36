import type { Kysely, Migration } from 'kysely';

/**
 * The settings history (src/core/ports/settings-history.port.ts): one row per save, numbered
 * per installation. The primary key (installation, version) is what makes two concurrent saves
 * of the same version impossible: the second insert fails and its transaction rolls back.
 */
export const settingsHistoryMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('settings_history')
      .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id').onDelete('cascade'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('changed_at', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('actor_name', 'text')
      .addColumn('rule_version', 'text', (c) => c.notNull())
      .addColumn('previous_rule_version', 'text')
      .addColumn('diff', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('settings_history_pk', ['installation_id', 'version'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('settings_history').execute();
  },
};
