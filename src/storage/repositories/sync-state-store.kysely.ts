import { sql, type Kysely, type Selectable } from 'kysely';
import type { EntityKind } from '../../core/model/synced';
import type { DirtyMark, SyncCursor, SyncPhase, SyncStateStore } from '../../core/ports/sync-state-store.port';
import type { Database, SyncCursorsTable } from '../database';
import { createGroupCommit } from './group-commit';
import { KEYS_PER_STATEMENT, ROWS_PER_STATEMENT, chunk, lastByKey, normalizeInstant, systemClock, toNumber, type Clock } from './row-helpers';

const markKey = (mark: { kind: string; crmId: string }) => `${mark.kind}\u0000${mark.crmId}`;
/** Code-unit order: one total order every web process agrees on. */
const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Cursors and the dirty set. A dirty mark is one row per entity: marking again updates its
 * action and last_marked_at but keeps first_marked_at, so the queue stays oldest-first and an
 * entity edited every second still reaches the front.
 */
export function createSyncStateStore(deps: { db: Kysely<Database>; now?: Clock }): SyncStateStore {
  const { db } = deps;
  const now = deps.now ?? systemClock;

  /**
   * Marks from events answered in the same turn are written together (group-commit.ts); PostgreSQL
   * refuses to touch one row twice in a statement, and the latest mark of an entity wins anyway.
   * Rows go in key order, so the groups of several web processes lock shared rows in one order
   * and never deadlock one another.
   */
  const rowKey = (row: { installationId: string; kind: string; crmId: string }) => `${row.installationId}\u0000${markKey(row)}`;
  const markGroup = createGroupCommit<{ installationId: string; marks: DirtyMark[] }>(async (group) => {
    const rows = lastByKey(
      group.flatMap(({ installationId, marks }) => marks.map((mark) => ({ installationId, ...mark }))),
      rowKey,
    ).sort((a, b) => byCode(a.installationId, b.installationId) || byCode(a.kind, b.kind) || byCode(a.crmId, b.crmId));
    if (rows.length === 0) return;
    const at = now().toISOString();
    const insert = (executor: Kysely<Database>, part: typeof rows) =>
      executor
        .insertInto('dirty_marks')
        .values(
          part.map((m) => ({
            installation_id: m.installationId,
            kind: m.kind,
            crm_id: m.crmId,
            action: m.action,
            first_marked_at: at,
            last_marked_at: at,
          })),
        )
        // A mark never moves back in time: two groups (of this process, or of two web processes)
        // may commit out of the order their times were taken, and a pass clears a mark older than
        // its own start, so an earlier time written over a later one would let a pass that read
        // before the later event clear it (the event lost). The later mark's action wins too.
        .onConflict((oc) =>
          oc.columns(['installation_id', 'kind', 'crm_id']).doUpdateSet({
            action: sql<string>`case when excluded.last_marked_at >= dirty_marks.last_marked_at then excluded.action else dirty_marks.action end`,
            last_marked_at: sql<string>`case when excluded.last_marked_at >= dirty_marks.last_marked_at then excluded.last_marked_at else dirty_marks.last_marked_at end`,
          }),
        )
        .execute();
    const parts = chunk(rows, ROWS_PER_STATEMENT);
    // One statement is atomic by itself; only several need a transaction (and its two more round trips).
    if (parts.length === 1) {
      await insert(db, rows);
      return;
    }
    await db.transaction().execute(async (trx) => {
      for (const part of parts) await insert(trx, part);
    });
  });

  const toCursor = (row: Selectable<SyncCursorsTable>): SyncCursor => ({
    installationId: row.installation_id,
    stream: row.stream,
    phase: row.phase as SyncPhase,
    position: row.position,
    fullCompletedAt: row.full_completed_at,
    modifiedSince: row.modified_since,
    updatedAt: row.updated_at,
  });

  return {
    async getCursor(installationId, stream) {
      const row = await db
        .selectFrom('sync_cursors')
        .selectAll()
        .where('installation_id', '=', installationId)
        .where('stream', '=', stream)
        .executeTakeFirst();
      return row ? toCursor(row) : null;
    },

    async saveCursor(cursor) {
      const values = {
        phase: cursor.phase,
        position: cursor.position,
        full_completed_at: cursor.fullCompletedAt,
        modified_since: cursor.modifiedSince,
        updated_at: now().toISOString(),
      };
      await db
        .insertInto('sync_cursors')
        .values({ installation_id: cursor.installationId, stream: cursor.stream, ...values })
        .onConflict((oc) => oc.columns(['installation_id', 'stream']).doUpdateSet(values))
        .execute();
    },

    async listCursors(installationId) {
      const rows = await db.selectFrom('sync_cursors').selectAll().where('installation_id', '=', installationId).orderBy('stream').execute();
      return rows.map(toCursor);
    },

    async markDirty(installationId, marks) {
      if (marks.length > 0) await markGroup({ installationId, marks });
    },

    async peekDirty(installationId, limit) {
      if (limit <= 0) return [];
      const rows = await db
        .selectFrom('dirty_marks')
        .select(['kind', 'crm_id', 'action'])
        .where('installation_id', '=', installationId)
        .orderBy('first_marked_at')
        .orderBy('kind')
        .orderBy('crm_id')
        .limit(Math.floor(limit))
        .execute();
      return rows.map((r) => ({ kind: r.kind as EntityKind, crmId: r.crm_id, action: r.action as DirtyMark['action'] }));
    },

    async clearDirty(installationId, marks, markedBefore) {
      // Strictly before: a mark made in the same millisecond as markedBefore stays, costing at
      // most one more idempotent re-read rather than a lost change.
      const cutoff = normalizeInstant(markedBefore, 'markedBefore');
      const byKind = new Map<string, string[]>();
      for (const m of marks) {
        const ids = byKind.get(m.kind) ?? [];
        ids.push(m.crmId);
        byKind.set(m.kind, ids);
      }
      if (byKind.size === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const [kind, ids] of byKind) {
          for (const part of chunk([...new Set(ids)], KEYS_PER_STATEMENT)) {
            await trx
              .deleteFrom('dirty_marks')
              .where('installation_id', '=', installationId)
              .where('kind', '=', kind)
              .where('crm_id', 'in', part)
              .where('last_marked_at', '<', cutoff)
              .execute();
          }
        }
      });
    },

    async countDirty(installationId) {
      const row = await db
        .selectFrom('dirty_marks')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('installation_id', '=', installationId)
        .executeTakeFirstOrThrow();
      return toNumber(row.n);
    },
  };
}
