import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../../../src/storage/database';
import { migrateDatabase } from '../../../src/storage/migrate';
import { createGroupCommit } from '../../../src/storage/repositories/group-commit';
import { createSyncStateStore } from '../../../src/storage/repositories/sync-state-store.kysely';

/** A write the test lets finish (or fail) when it chooses. */
const heldWriter = () => {
  const groups: string[][] = [];
  const releases: Array<(error?: Error) => void> = [];
  let started: (() => void) | null = null;
  const write = (items: string[]) =>
    new Promise<void>((resolve, reject) => {
      groups.push(items);
      releases.push((error) => (error ? reject(error) : resolve()));
      started?.();
    });
  const nextStart = () => new Promise<void>((resolve) => (started = resolve));
  return { write, groups, releases, nextStart };
};

const settled = (promise: Promise<void>) => {
  const state = { value: 'pending' as 'pending' | 'resolved' | 'rejected' };
  promise.then(() => (state.value = 'resolved'), () => (state.value = 'rejected'));
  return state;
};

describe('createGroupCommit', () => {
  it('writes what arrives in one turn as one group, and settles each only after that write', async () => {
    const writer = heldWriter();
    const commit = createGroupCommit(writer.write);
    const started = writer.nextStart();
    const calls = ['a', 'b', 'c'].map((item) => commit(item));
    const states = calls.map(settled);
    await started;
    expect(writer.groups).toEqual([['a', 'b', 'c']]);
    await Promise.resolve();
    expect(states.map((state) => state.value)).toEqual(['pending', 'pending', 'pending']);
    writer.releases[0]?.();
    await Promise.all(calls);
  });

  it('gathers what arrives during a write into the next group', async () => {
    const writer = heldWriter();
    const commit = createGroupCommit(writer.write);
    let started = writer.nextStart();
    const first = commit('a');
    await started;
    started = writer.nextStart();
    const later = [commit('b'), commit('c')];
    writer.releases[0]?.();
    await first;
    await started;
    expect(writer.groups).toEqual([['a'], ['b', 'c']]);
    writer.releases[1]?.();
    await Promise.all(later);
  });

  it("writes a failed group's items one by one: the others commit, the faulty one rejects", async () => {
    const written: string[][] = [];
    const commit = createGroupCommit<string>(async (items) => {
      written.push(items);
      if (items.includes('purged')) throw new Error('FOREIGN KEY constraint failed');
    });
    const results = await Promise.allSettled(['a', 'purged', 'b'].map((item) => commit(item)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(written).toEqual([['a', 'purged', 'b'], ['a'], ['purged'], ['b']]);
  });

  it('rejects every waiting item when the database refuses every write, and resolves none', async () => {
    const commit = createGroupCommit<string>(() => Promise.reject(new Error('connection refused')));
    const results = await Promise.allSettled(['a', 'b', 'c'].map((item) => commit(item)));
    expect(results.every((result) => result.status === 'rejected' && String(result.reason).includes('connection refused'))).toBe(true);
  });
});

describe('markDirty (group-committed)', () => {
  it('stores the marks of concurrent events of several installations in one insert, and refuses only the one whose installation is gone', async () => {
    const inserts: string[] = [];
    const parameters: unknown[][] = [];
    const database = new BetterSqlite3(':memory:');
    database.pragma('foreign_keys = ON');
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database }),
      log: (event) => {
        if (event.level === 'query' && /^insert into "dirty_marks"/.test(event.query.sql)) {
          inserts.push(event.query.sql);
          parameters.push([...event.query.parameters]);
        }
      },
    });
    try {
      const migrated = await migrateDatabase(db);
      if (!migrated.ok) throw migrated.error;
      const at = new Date().toISOString();
      for (const id of ['i1', 'i2', 'i3']) {
        await db.insertInto('installations').values({
          id, crm: 'bitrix24', external_id: id, domain: `${id}.bitrix24.ru`, client_endpoint: null, server_endpoint: null, application_token_enc: null,
          access_token_enc: null, refresh_token_enc: null, token_expires_at: null, token_scope: null, token_version: 0, status: 'active', status_reason: null,
          settings: '{}', created_at: at, updated_at: at,
        }).execute();
      }
      const store = createSyncStateStore({ db });
      const marks = (crmId: string) => [{ kind: 'deal' as const, crmId, action: 'upsert' as const }];
      const together = await Promise.allSettled([store.markDirty('i1', marks('1')), store.markDirty('i2', marks('2')), store.markDirty('i3', marks('3')), store.markDirty('i1', marks('4'))]);
      expect(together.every((result) => result.status === 'fulfilled')).toBe(true);
      expect(inserts).toHaveLength(1);
      expect(await store.countDirty('i1')).toBe(2);
      const withGone = await Promise.allSettled([store.markDirty('i2', marks('5')), store.markDirty('gone', marks('6'))]);
      expect(withGone.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
      expect(await store.peekDirty('i2', 10)).toEqual([{ kind: 'deal', crmId: '2', action: 'upsert' }, { kind: 'deal', crmId: '5', action: 'upsert' }]);
      // Rows go in key order whatever order the events came in: concurrent groups lock shared rows in one order.
      parameters.length = 0;
      await Promise.all([store.markDirty('i3', marks('9')), store.markDirty('i1', marks('7')), store.markDirty('i3', [{ kind: 'company', crmId: '2', action: 'upsert' }])]);
      const ids = (parameters[0] ?? []).filter((value) => typeof value === 'string' && /^(i\d|company|deal|\d)$/.test(value));
      expect(ids).toEqual(['i1', 'deal', '7', 'i3', 'company', '2', 'i3', 'deal', '9']);
    } finally {
      await db.destroy();
    }
  });
});
