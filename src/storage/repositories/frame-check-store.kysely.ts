import type { Kysely } from 'kysely';
import type { FrameCheckStore } from '../../core/ports/frame-check-store.port';
import type { Database } from '../database';
import { systemClock, type Clock } from './row-helpers';

/** Card-frame token verdicts shared by every process on the database (one upsert, one lookup). */
export function createFrameCheckStore(deps: { db: Kysely<Database>; now?: Clock }): FrameCheckStore {
  const { db } = deps;
  const now = deps.now ?? systemClock;
  return {
    async find(keyHash) {
      const row = await db
        .selectFrom('frame_checks')
        .select(['accepted', 'expires_at'])
        .where('key_hash', '=', keyHash)
        .where('expires_at', '>', now().toISOString())
        .executeTakeFirst();
      return row ? { accepted: Number(row.accepted) === 1, expiresAt: new Date(row.expires_at) } : null;
    },
    async remember(verdict) {
      const values = { installation_id: verdict.installationId, accepted: verdict.accepted ? 1 : 0, expires_at: verdict.expiresAt.toISOString() };
      await db
        .insertInto('frame_checks')
        .values({ key_hash: verdict.keyHash, ...values })
        .onConflict((oc) => oc.column('key_hash').doUpdateSet(values))
        .execute();
    },
    async prune() {
      const result = await db.deleteFrom('frame_checks').where('expires_at', '<=', now().toISOString()).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
