import type { Kysely, Migration } from 'kysely';

/**
 * The first schema. Column types are the portable subset (text, integer, bigint, double
 * precision) so the same migration runs on SQLite and PostgreSQL. Every table holding
 * installation data references installations ON DELETE CASCADE: a purge is one DELETE.
 * Migrations take Kysely<unknown> on purpose: they must not depend on today's row types.
 */
export const initialMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('kam_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('installations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('crm', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text', (c) => c.notNull())
      .addColumn('domain', 'text', (c) => c.notNull())
      .addColumn('client_endpoint', 'text')
      .addColumn('server_endpoint', 'text')
      .addColumn('application_token_enc', 'text')
      .addColumn('access_token_enc', 'text')
      .addColumn('refresh_token_enc', 'text')
      .addColumn('token_expires_at', 'text')
      .addColumn('token_scope', 'text')
      .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_reason', 'text')
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('installations_crm_external_id_uq', ['crm', 'external_id'])
      .execute();

    await db.schema
      .createTable('entities')
      .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('crm_id', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'text')
      .addColumn('modified_ms', 'bigint')
      .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('synced_at', 'text', (c) => c.notNull())
      // The primary key is the (installation, kind, crm_id) unique index iterate() walks.
      .addPrimaryKeyConstraint('entities_pk', ['installation_id', 'kind', 'crm_id'])
      .execute();
    // Serves maxModifiedAt(); partial because only rows with a known time take part.
    await db.schema
      .createIndex('entities_modified_idx')
      .on('entities')
      .columns(['installation_id', 'kind', 'modified_ms'])
      .where('modified_ms', 'is not', null)
      .execute();

    await db.schema
      .createTable('sync_cursors')
      .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id').onDelete('cascade'))
      .addColumn('stream', 'text', (c) => c.notNull())
      .addColumn('phase', 'text', (c) => c.notNull())
      .addColumn('position', 'text')
      .addColumn('full_completed_at', 'text')
      .addColumn('modified_since', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_cursors_pk', ['installation_id', 'stream'])
      .execute();

    await db.schema
      .createTable('dirty_marks')
      .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('crm_id', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('first_marked_at', 'text', (c) => c.notNull())
      .addColumn('last_marked_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('dirty_marks_pk', ['installation_id', 'kind', 'crm_id'])
      .execute();
    await db.schema
      .createIndex('dirty_marks_queue_idx')
      .on('dirty_marks')
      .columns(['installation_id', 'first_marked_at'])
      .execute();

    await db.schema
      .createTable('evaluation_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id').onDelete('cascade'))
      .addColumn('as_of', 'text', (c) => c.notNull())
      .addColumn('rule_version', 'text', (c) => c.notNull())
      .addColumn('portfolio', 'text', (c) => c.notNull())
      .addColumn('account_count', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('evaluation_runs_date_uq', ['installation_id', 'as_of'])
      .execute();

    await db.schema
      .createTable('account_snapshots')
      .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id').onDelete('cascade'))
      .addColumn('run_id', 'text', (c) => c.notNull().references('evaluation_runs.id').onDelete('cascade'))
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('as_of', 'text', (c) => c.notNull())
      .addColumn('score', 'double precision', (c) => c.notNull())
      .addColumn('tier', 'text', (c) => c.notNull())
      .addColumn('previous_tier', 'text')
      .addColumn('rule_version', 'text', (c) => c.notNull())
      .addColumn('contributions', 'text', (c) => c.notNull())
      .addColumn('kpis', 'text', (c) => c.notNull())
      // Serves latestAccount, accountHistory and tiersBefore (account, date order).
      .addPrimaryKeyConstraint('account_snapshots_pk', ['installation_id', 'account_id', 'as_of'])
      .execute();
    await db.schema.createIndex('account_snapshots_run_idx').on('account_snapshots').columns(['run_id']).execute();

    await db.schema
      .createTable('task_ledger')
      .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id').onDelete('cascade'))
      .addColumn('dedup_key', 'text', (c) => c.notNull())
      .addColumn('rule_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text')
      .addColumn('entity_type', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('due_date', 'text')
      .addColumn('crm_task_id', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('close_reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('task_ledger_pk', ['installation_id', 'dedup_key'])
      .execute();
    await db.schema
      .createIndex('task_ledger_account_idx')
      .on('task_ledger')
      .columns(['installation_id', 'account_id'])
      .execute();

    await db.schema
      .createTable('write_state')
      .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('write_state_pk', ['installation_id', 'key'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['write_state', 'task_ledger', 'account_snapshots', 'evaluation_runs', 'dirty_marks', 'sync_cursors', 'entities', 'installations', 'kam_meta']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
