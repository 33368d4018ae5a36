import type { Kysely, Selectable } from 'kysely';
import type { LedgerEntry, LedgerState, TaskLedger } from '../../core/ports/task-ledger.port';
import type { Database, TaskLedgerTable } from '../database';
import { normalizeInstant, notFound, systemClock, type Clock } from './row-helpers';

/**
 * The task ledger. reserve() is a single INSERT ... ON CONFLICT DO NOTHING: the unique key
 * decides who reserved first, so two workers can never both create the CRM task (no
 * read-then-write race). The mark* calls reject with NOT_FOUND on a key never reserved.
 */
export function createTaskLedger(deps: { db: Kysely<Database>; now?: Clock }): TaskLedger {
  const { db } = deps;
  const now = deps.now ?? systemClock;

  const toEntry = (row: Selectable<TaskLedgerTable>): LedgerEntry => ({
    installationId: row.installation_id,
    dedupKey: row.dedup_key,
    ruleId: row.rule_id,
    accountId: row.account_id,
    ownerId: row.owner_id,
    entityType: row.entity_type,
    entityId: row.entity_id,
    title: row.title,
    dueDate: row.due_date,
    crmTaskId: row.crm_task_id,
    state: row.state as LedgerState,
    closeReason: row.close_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

  const mark = async (installationId: string, dedupKey: string, changes: Partial<TaskLedgerTable>, operation: string) => {
    const result = await db
      .updateTable('task_ledger')
      .set({ ...changes, updated_at: now().toISOString() })
      .where('installation_id', '=', installationId)
      .where('dedup_key', '=', dedupKey)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound('Ledger entry', { installationId, dedupKey, operation });
  };

  return {
    async reserve(entry) {
      const at = now().toISOString();
      const inserted = await db
        .insertInto('task_ledger')
        .values({
          installation_id: entry.installationId,
          dedup_key: entry.dedupKey,
          rule_id: entry.ruleId,
          account_id: entry.accountId,
          owner_id: entry.ownerId,
          entity_type: entry.entityType,
          entity_id: entry.entityId,
          title: entry.title,
          due_date: entry.dueDate,
          crm_task_id: null,
          state: 'pending',
          close_reason: null,
          created_at: at,
          updated_at: at,
        })
        .onConflict((oc) => oc.columns(['installation_id', 'dedup_key']).doNothing())
        .returning('dedup_key')
        .executeTakeFirst();
      return inserted !== undefined;
    },

    markOpen: (installationId, dedupKey, crmTaskId) =>
      mark(installationId, dedupKey, { state: 'open', crm_task_id: crmTaskId, close_reason: null }, 'markOpen'),

    markClosed: (installationId, dedupKey, reason) => mark(installationId, dedupKey, { state: 'closed', close_reason: reason }, 'markClosed'),

    markFailed: (installationId, dedupKey, reason) => mark(installationId, dedupKey, { state: 'failed', close_reason: reason }, 'markFailed'),

    async get(installationId, dedupKey) {
      const row = await db
        .selectFrom('task_ledger')
        .selectAll()
        .where('installation_id', '=', installationId)
        .where('dedup_key', '=', dedupKey)
        .executeTakeFirst();
      return row ? toEntry(row) : null;
    },

    async list(installationId, filter = {}) {
      let query = db.selectFrom('task_ledger').selectAll().where('installation_id', '=', installationId);
      if (filter.states) {
        if (filter.states.length === 0) return [];
        query = query.where('state', 'in', filter.states);
      }
      if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
      if (filter.createdSince !== undefined) query = query.where('created_at', '>=', normalizeInstant(filter.createdSince, 'createdSince'));
      const rows = await query.orderBy('created_at').orderBy('dedup_key').execute();
      return rows.map(toEntry);
    },
  };
}
