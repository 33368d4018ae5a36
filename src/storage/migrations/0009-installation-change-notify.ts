import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * PostgreSQL only: every committed change to an installation's row (any process, any code path)
 * is announced on the channel INSTALLATION_CHANGES with the installation's id as the payload
 * (https://www.postgresql.org/docs/current/sql-notify.html: delivered at commit, to every session
 * listening, in commit order). Each web process drops its copy of that installation at once
 * (storage/installation-changes.ts) instead of trusting it for up to the verification cache's TTL.
 * SQLite has one process, which drops its own copies as it writes: nothing to do there.
 */
export const INSTALLATION_CHANGES = 'kam_installation_changed';

const isPostgres = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof PostgresAdapter;

export const installationChangeNotifyMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    if (!isPostgres(db)) return;
    // In the schema on the search_path (one per test suite, or public), as the table is.
    await sql`
      create or replace function kam_installation_changed() returns trigger language plpgsql as $$
      begin
        perform pg_notify(${sql.lit(INSTALLATION_CHANGES)}, coalesce(new.id, old.id));
        return null;
      end $$`.execute(db);
    await sql`
      create trigger installations_changed after insert or update or delete on installations
      for each row execute function kam_installation_changed()`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    if (!isPostgres(db)) return;
    await sql`drop trigger if exists installations_changed on installations`.execute(db);
    await sql`drop function if exists kam_installation_changed()`.execute(db);
  },
};
