import { sql, SqliteAdapter, type Kysely, type Migration } from 'kysely';

/**
 * The company a synced deal or contact belongs to, as a column with an index, so a card tab reads
 * one company's deals by index (EntityStore.listByCompany) instead of every deal of the
 * installation. Existing rows are filled from their JSON in one statement per engine (SQLite's
 * json_extract, PostgreSQL's ->>); from here on upsertMany writes the column with the row.
 */
/** Sets company_id of every stored deal and contact from its JSON (exported for the storage contract). */
export async function fillCompanyIds(db: Kysely<unknown>): Promise<void> {
  const fromJson = db.getExecutor().adapter instanceof SqliteAdapter ? sql`json_extract(data, '$.companyId')` : sql`(data::json ->> 'companyId')`;
  await sql`update entities set company_id = ${fromJson} where kind in ('deal', 'contact')`.execute(db);
}

export const entitiesByCompanyMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('entities').addColumn('company_id', 'text').execute();
    await fillCompanyIds(db);
    // Ends with crm_id so the lookup reads in listByCompany's order, no sort. Partial: companies
    // themselves and deals without a company never take part.
    await db.schema
      .createIndex('entities_company_idx')
      .on('entities')
      .columns(['installation_id', 'kind', 'company_id', 'crm_id'])
      .where(sql.ref('company_id'), 'is not', null)
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('entities_company_idx').execute();
    await db.schema.alterTable('entities').dropColumn('company_id').execute();
  },
};
