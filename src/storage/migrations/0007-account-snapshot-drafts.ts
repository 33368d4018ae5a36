import type { Kysely, Migration } from 'kysely';

/**
 * Where an evaluation's account snapshots are written, a bounded chunk per turn of the event loop,
 * before one short transaction moves them into `account_snapshots` with their run (see
 * evaluation-store.kysely.ts, saveRun). Written straight into `account_snapshots`, a run of
 * thousands of accounts needs one long transaction (readers must see the old run or the new one,
 * never a mix), and on SQLite that holds every HTTP request of the process meanwhile (issue 9).
 * A draft belongs to a run id that exists nowhere else until the move; drafts a crash left are
 * removed by the installation's next save.
 */
export const accountSnapshotDraftsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('account_snapshot_drafts')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id').onDelete('cascade'))
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('score', 'double precision', (c) => c.notNull())
      .addColumn('tier', 'text', (c) => c.notNull())
      .addColumn('previous_tier', 'text')
      .addColumn('rule_version', 'text', (c) => c.notNull())
      .addColumn('contributions', 'text', (c) => c.notNull())
      .addColumn('kpis', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('account_snapshot_drafts_pk', ['run_id', 'account_id'])
      .execute();
    await db.schema.createIndex('account_snapshot_drafts_installation_idx').on('account_snapshot_drafts').column('installation_id').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('account_snapshot_drafts').execute();
  },
};
