import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Account snapshots keyed by their run, not by their date, and no longer deleted with their run by
 * a cascade. Why: a run of thousands of accounts was written, and the date's previous run deleted,
 * in one transaction (readers see the old run or the new one, never a mix); on SQLite that holds
 * every HTTP request of the process meanwhile (issue 9, "event bursts"). Now a new run's snapshots
 * are written a bounded chunk per turn beside the old run's (same accounts and date, another run
 * id), a short transaction swaps the run rows, and the old run's snapshots, orphaned, are deleted in
 * chunks after. Readers see a snapshot only through its run's row (evaluation-store.kysely.ts).
 * SQLite cannot change a primary key in place: the table is rebuilt, on both engines alike.
 */
const COLUMNS = ['installation_id', 'run_id', 'account_id', 'as_of', 'score', 'tier', 'previous_tier', 'rule_version', 'contributions', 'kpis'] as const;

async function rebuild(db: Kysely<unknown>, key: { name: string; columns: string[] }, runForeignKey: boolean): Promise<void> {
  await db.schema
    .createTable('account_snapshots_next')
    .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id').onDelete('cascade'))
    .addColumn('run_id', 'text', (c) => (runForeignKey ? c.notNull().references('evaluation_runs.id').onDelete('cascade') : c.notNull()))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('previous_tier', 'text')
    .addColumn('rule_version', 'text', (c) => c.notNull())
    .addColumn('contributions', 'text', (c) => c.notNull())
    .addColumn('kpis', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint(key.name, key.columns as never)
    .execute();
  const columns = sql.join(COLUMNS.map((column) => sql.ref(column)));
  // Only snapshots whose run exists: the old layout never had others, the new one may (orphans awaiting deletion).
  await sql`insert into account_snapshots_next (${columns}) select ${columns} from account_snapshots where run_id in (select id from evaluation_runs)`.execute(db);
  await db.schema.dropTable('account_snapshots').execute();
  await db.schema.alterTable('account_snapshots_next').renameTo('account_snapshots').execute();
}

export const accountSnapshotsByRunMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await rebuild(db, { name: 'account_snapshots_run_pk', columns: ['run_id', 'account_id'] }, false);
    // Serves latestAccount, accountHistory and tiersBefore (account, date order), as the old key did.
    await db.schema.createIndex('account_snapshots_account_idx').on('account_snapshots').columns(['installation_id', 'account_id', 'as_of']).execute();
    // Finds a date's runs (the replaced one, or one a crash left unfinished) without reading other dates.
    await db.schema.createIndex('account_snapshots_date_idx').on('account_snapshots').columns(['installation_id', 'as_of', 'run_id']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('account_snapshots_date_idx').execute();
    await db.schema.dropIndex('account_snapshots_account_idx').execute();
    await rebuild(db, { name: 'account_snapshots_pk', columns: ['installation_id', 'account_id', 'as_of'] }, true);
    await db.schema.createIndex('account_snapshots_run_idx').on('account_snapshots').columns(['run_id']).execute();
  },
};
