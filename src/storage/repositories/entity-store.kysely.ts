import { sql, type Kysely, type Transaction } from 'kysely';
import type { EntityKind, EntityOfKind } from '../../core/model/synced';
import type { EntityStore, StoredEntity, UpsertOutcome } from '../../core/ports/entity-store.port';
import type { Database } from '../database';
import { KEYS_PER_STATEMENT, ROWS_PER_TURN, chunk, instantMillis, nextTurn, systemClock, toNumber, type Clock } from './row-helpers';

interface Prepared {
  crmId: string;
  row: object;
  modifiedAt: string | null;
  modifiedMs: number | null;
  companyId: string | null;
}

/**
 * When an incoming row replaces the stored one: it is not older (by instant; an unknown time
 * on either side cannot be compared, so it may replace), and it differs. A deleted row comes
 * back only with a strictly newer modifiedAt (a restore in the CRM), never from a late event
 * carrying the copy we already had. Being the ON CONFLICT guard, it also holds against a
 * concurrent writer.
 */
const MAY_REPLACE = sql<boolean>`(entities.deleted = 0 and entities.data <> excluded.data
  and (entities.modified_ms is null or excluded.modified_ms is null or excluded.modified_ms >= entities.modified_ms))
  or (entities.deleted = 1 and excluded.modified_ms > entities.modified_ms)`;

export function createEntityStore(deps: { db: Kysely<Database>; now?: Clock }): EntityStore {
  const { db } = deps;
  const now = deps.now ?? systemClock;

  /**
   * Two statements per chunk, both keyed by the primary key (the ON CONFLICT arbiter), so
   * neither depends on the planner: insert the new rows, then apply the guarded update to the
   * rest. RETURNING says which rows each one wrote; what neither returns was left unchanged.
   * (A read-then-write variant let PostgreSQL, its statistics stale during a first sync, scan
   * the whole installation per chunk.)
   */
  async function upsertChunk(trx: Transaction<Database>, installationId: string, kind: EntityKind, rows: Prepared[], syncedAt: string) {
    // Serialised once per chunk, for both statements.
    const values = rows.map((r) => ({
      installation_id: installationId,
      kind,
      crm_id: r.crmId,
      data: JSON.stringify(r.row),
      modified_at: r.modifiedAt,
      modified_ms: r.modifiedMs,
      deleted: 0,
      synced_at: syncedAt,
      company_id: r.companyId,
    }));
    const inserted = await trx
      .insertInto('entities')
      .values(values)
      .onConflict((oc) => oc.columns(['installation_id', 'kind', 'crm_id']).doNothing())
      .returning('crm_id')
      .execute();
    const insertedIds = new Set(inserted.map((r) => r.crm_id));
    const existing = values.filter((r) => !insertedIds.has(r.crm_id));
    if (existing.length === 0) return { inserted: inserted.length, updated: 0, unchanged: 0 };
    const updated = await trx
      .insertInto('entities')
      .values(existing)
      .onConflict((oc) =>
        oc
          .columns(['installation_id', 'kind', 'crm_id'])
          .doUpdateSet((eb) => ({
            data: eb.ref('excluded.data'),
            modified_at: eb.ref('excluded.modified_at'),
            modified_ms: eb.ref('excluded.modified_ms'),
            deleted: 0,
            synced_at: eb.ref('excluded.synced_at'),
            company_id: eb.ref('excluded.company_id'),
          }))
          .where(MAY_REPLACE),
      )
      .returning('crm_id')
      .execute();
    return { inserted: inserted.length, updated: updated.length, unchanged: existing.length - updated.length };
  }

  return {
    async upsertMany(installationId, kind, rows) {
      const total: UpsertOutcome = { inserted: 0, updated: 0, unchanged: 0 };
      if (rows.length === 0) return total;
      const prepared = newestPerId(rows.map(prepare));
      total.unchanged += rows.length - prepared.length;
      const syncedAt = now().toISOString();
      // A transaction per ROWS_PER_TURN rows, the event loop turning between them, so that the
      // process answers HTTP (events' acks) while a page of thousands of rows is written. Safe
      // without one transaction for the page: each row is written whole or not at all, guarded by
      // MAY_REPLACE (never older over newer, so a chunk cannot undo a concurrent newer write), and
      // the sync saves its cursor only after the whole page is stored: a crash between chunks
      // re-reads the page and writes it again, the chunks already written being left unchanged.
      for (const [index, part] of chunk(prepared, ROWS_PER_TURN).entries()) {
        if (index > 0) await nextTurn();
        const outcome = await db.transaction().execute((trx) => upsertChunk(trx, installationId, kind, part, syncedAt));
        total.inserted += outcome.inserted;
        total.updated += outcome.updated;
        total.unchanged += outcome.unchanged;
      }
      return total;
    },

    async markDeleted(installationId, kind, crmIds) {
      if (crmIds.length === 0) return 0;
      const syncedAt = now().toISOString();
      return db.transaction().execute(async (trx) => {
        let flagged = 0;
        for (const ids of chunk([...new Set(crmIds)], KEYS_PER_STATEMENT)) {
          const result = await trx
            .updateTable('entities')
            .set({ deleted: 1, synced_at: syncedAt })
            .where('installation_id', '=', installationId)
            .where('kind', '=', kind)
            .where('crm_id', 'in', ids)
            .where('deleted', '=', 0)
            .executeTakeFirst();
          flagged += Number(result.numUpdatedRows);
        }
        return flagged;
      });
    },

    async get<K extends EntityKind>(installationId: string, kind: K, crmId: string): Promise<StoredEntity<K> | null> {
      const row = await db
        .selectFrom('entities')
        .select(['data', 'deleted', 'synced_at'])
        .where('installation_id', '=', installationId)
        .where('kind', '=', kind)
        .where('crm_id', '=', crmId)
        .executeTakeFirst();
      if (!row) return null;
      return { kind, data: JSON.parse(row.data) as EntityOfKind[K], deleted: row.deleted !== 0, syncedAt: row.synced_at };
    },

    async *iterate<K extends EntityKind>(installationId: string, kind: K, pageSize = 500): AsyncGenerator<EntityOfKind[K][]> {
      const limit = Math.max(1, Math.floor(pageSize));
      let after: string | null = null;
      // Keyset on the primary key: each page is an index range scan, however deep.
      for (;;) {
        let query = db
          .selectFrom('entities')
          .select(['crm_id', 'data'])
          .where('installation_id', '=', installationId)
          .where('kind', '=', kind)
          .where('deleted', '=', 0);
        if (after !== null) query = query.where('crm_id', '>', after);
        const page = await query.orderBy('crm_id').limit(limit).execute();
        if (page.length === 0) return;
        after = page[page.length - 1]!.crm_id;
        yield page.map((r) => JSON.parse(r.data) as EntityOfKind[K]);
        if (page.length < limit) return;
      }
    },

    async listByCompany<K extends 'deal' | 'contact'>(installationId: string, kind: K, companyId: string): Promise<EntityOfKind[K][]> {
      const rows = await db
        .selectFrom('entities')
        .select('data')
        .where('installation_id', '=', installationId)
        .where('kind', '=', kind)
        .where('company_id', '=', companyId)
        .where('deleted', '=', 0)
        .orderBy('crm_id')
        .execute();
      return rows.map((r) => JSON.parse(r.data) as EntityOfKind[K]);
    },

    async count(installationId, kind, options = {}) {
      let query = db
        .selectFrom('entities')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('installation_id', '=', installationId)
        .where('kind', '=', kind);
      if (!options.includeDeleted) query = query.where('deleted', '=', 0);
      return toNumber((await query.executeTakeFirstOrThrow()).n);
    },

    async maxModifiedAt(installationId, kind) {
      const row = await db
        .selectFrom('entities')
        .select('modified_at')
        .where('installation_id', '=', installationId)
        .where('kind', '=', kind)
        .where('modified_ms', 'is not', null)
        .orderBy('modified_ms', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row?.modified_at ?? null;
    },
  };
}

function prepare(row: { crmId: string; modifiedAt: string | null; companyId?: string | null }): Prepared {
  return {
    companyId: row.companyId ?? null,
    crmId: row.crmId,
    // Serialised per chunk (upsertChunk), not all at once for a page of thousands.
    row,
    modifiedAt: row.modifiedAt,
    modifiedMs: row.modifiedAt === null ? null : instantMillis(row.modifiedAt, `modifiedAt of ${row.crmId}`),
  };
}

/** A page may carry one entity twice (an edit during paging): keep its newest copy, the later one on a tie. */
function newestPerId(rows: Prepared[]): Prepared[] {
  const byId = new Map<string, Prepared>();
  for (const row of rows) {
    const seen = byId.get(row.crmId);
    if (!seen || seen.modifiedMs === null || row.modifiedMs === null || row.modifiedMs >= seen.modifiedMs) byId.set(row.crmId, row);
  }
  return [...byId.values()];
}
