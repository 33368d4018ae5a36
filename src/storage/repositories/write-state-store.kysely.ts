import type { Kysely } from 'kysely';
import type { WriteStateStore } from '../../core/ports/write-state-store.port';
import type { Database } from '../database';
import { KEYS_PER_STATEMENT, ROWS_PER_TURN, chunk, lastByKey, nextTurn, parseJson, systemClock, type Clock } from './row-helpers';

const rowsOf = (installationId: string, entries: Array<{ key: string; value: unknown }>, at: string) =>
  entries.map((e) => ({
    installation_id: installationId,
    key: e.key,
    // undefined has no JSON form; store it as null rather than the text "undefined".
    value: JSON.stringify(e.value ?? null),
    updated_at: at,
  }));

/**
 * What was last written to the CRM, per key, as JSON text. Each key stands alone (a put, a claim, a
 * delete of one key never depends on another's), so a call over thousands of keys (write-back of a
 * large portfolio) runs as bounded pieces with a turn of the event loop between them, no
 * transaction held across turns (ROWS_PER_TURN, row-helpers.ts; issue 9, "event bursts").
 */
export function createWriteStateStore(deps: { db: Kysely<Database>; now?: Clock }): WriteStateStore {
  const { db } = deps;
  const now = deps.now ?? systemClock;

  return {
    async getMany(installationId, keys) {
      const found = new Map<string, unknown>();
      for (const [index, part] of chunk([...new Set(keys)], KEYS_PER_STATEMENT).entries()) {
        if (index > 0) await nextTurn();
        const rows = await db
          .selectFrom('write_state')
          .select(['key', 'value'])
          .where('installation_id', '=', installationId)
          .where('key', 'in', part)
          .execute();
        for (const row of rows) found.set(row.key, parseJson<unknown>(row.value));
      }
      return found;
    },

    async putMany(installationId, entries) {
      const unique = lastByKey(entries, (e) => e.key);
      if (unique.length === 0) return;
      const at = now().toISOString();
      for (const [index, part] of chunk(unique, ROWS_PER_TURN).entries()) {
        if (index > 0) await nextTurn();
        await db
          .insertInto('write_state')
          .values(rowsOf(installationId, part, at))
          .onConflict((oc) =>
            oc.columns(['installation_id', 'key']).doUpdateSet((eb) => ({
              value: eb.ref('excluded.value'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    },

    async claimMany(installationId, entries) {
      const unique = lastByKey(entries, (e) => e.key);
      if (unique.length === 0) return [];
      const at = now().toISOString();
      const claimed: string[] = [];
      for (const [index, part] of chunk(unique, ROWS_PER_TURN).entries()) {
        if (index > 0) await nextTurn();
        const rows = await db
          .insertInto('write_state')
          .values(rowsOf(installationId, part, at))
          .onConflict((oc) => oc.columns(['installation_id', 'key']).doNothing())
          .returning('key')
          .execute();
        for (const row of rows) claimed.push(row.key);
      }
      return claimed;
    },

    async deleteMany(installationId, keys) {
      if (keys.length === 0) return;
      for (const [index, part] of chunk([...new Set(keys)], KEYS_PER_STATEMENT).entries()) {
        if (index > 0) await nextTurn();
        await db.deleteFrom('write_state').where('installation_id', '=', installationId).where('key', 'in', part).execute();
      }
    },
  };
}
