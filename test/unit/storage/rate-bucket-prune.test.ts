import type { Kysely } from 'kysely';
import type { Database } from '../../../src/storage/database';
import { migrateDatabase } from '../../../src/storage/migrate';
import { openDatabase } from '../../../src/storage/open-database';
import { createRateBucketStore } from '../../../src/storage/repositories/rate-bucket-store.kysely';

/** Buckets that are full again leave the table by themselves: every `pruneEvery` admissions one sweep. */
describe('rate buckets sweep themselves', () => {
  let db: Kysely<Database>;
  beforeAll(async () => {
    ({ db } = await openDatabase({ sqliteFile: ':memory:' }));
    const migrated = await migrateDatabase(db);
    if (!migrated.ok) throw migrated.error;
  });
  afterAll(() => db.destroy());

  const keys = async () => (await db.selectFrom('rate_buckets').select('key').orderBy('key').execute()).map((row) => row.key);

  it('drops the buckets whose time has passed on every 4th admission, and keeps the ones still spent', async () => {
    const buckets = createRateBucketStore({ db, pruneEvery: 4 });
    const budget = { burst: 1, intervalMs: 1_000 };
    await buckets.take('a', budget, 0);
    await buckets.take('b', budget, 0);
    await buckets.take('c', budget, 500);
    expect(await keys()).toEqual(['a', 'b', 'c']);
    // The 4th admission, at 1.2 s: a and b were full again at 1 s, c is spent until 1.5 s, d until 2.2 s.
    await buckets.take('d', budget, 1_200);
    expect(await keys()).toEqual(['c', 'd']);
  });
});
