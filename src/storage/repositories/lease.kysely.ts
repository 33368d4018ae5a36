import type { Kysely } from 'kysely';
import type { LeaseStore } from '../../core/ports/lease-store.port';
import type { Database } from '../database';
import { systemClock, type Clock } from './row-helpers';

/**
 * Named leases: a lock that several processes on one database can take, with an owner (who
 * may renew or release it) and an expiry (so a process that died holding it blocks nobody for
 * long). Taking one is a single statement on both engines: insert the name, or take over the row
 * when it has expired or is already ours; a row comes back only when we hold the lease.
 */
export type { LeaseStore };

export function createLeaseStore(deps: { db: Kysely<Database>; now?: Clock }): LeaseStore {
  const { db } = deps;
  const now = deps.now ?? systemClock;
  return {
    async acquire(name, owner, ttlMs) {
      const at = now();
      const expiresAt = new Date(at.getTime() + Math.max(0, ttlMs)).toISOString();
      const row = await db
        .insertInto('leases')
        .values({ name, owner, expires_at: expiresAt })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({ owner, expires_at: expiresAt })
            .where((eb) => eb.or([eb('leases.expires_at', '<=', at.toISOString()), eb('leases.owner', '=', owner)])),
        )
        .returning('owner')
        .executeTakeFirst();
      return row?.owner === owner;
    },
    async release(name, owner) {
      await db.deleteFrom('leases').where('name', '=', name).where('owner', '=', owner).execute();
    },
    async holder(name) {
      const row = await db.selectFrom('leases').select('owner').where('name', '=', name).where('expires_at', '>', now().toISOString()).executeTakeFirst();
      return row?.owner ?? null;
    },
  };
}
