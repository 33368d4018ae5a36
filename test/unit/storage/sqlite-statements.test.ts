import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { withStatementCache } from '../../../src/storage/sqlite-statements';

/** Prepared statements are reused by SQL text, except while a stream still iterates one. */
interface Db {
  items: { id: number; name: string };
}

let raw: BetterSqlite3.Database;
let prepared: string[];
let db: Kysely<Db>;

const open = (max?: number) => {
  raw = new BetterSqlite3(':memory:');
  raw.exec('create table items (id integer primary key, name text not null)');
  const prepare = raw.prepare.bind(raw);
  prepared = [];
  raw.prepare = ((sql: string) => {
    prepared.push(sql);
    return prepare(sql);
  }) as typeof raw.prepare;
  db = new Kysely<Db>({ dialect: new SqliteDialect({ database: withStatementCache(raw, max) }) });
};
afterEach(() => db.destroy());

const byId = (id: number) => db.selectFrom('items').select('name').where('id', '=', id).executeTakeFirst();

describe('withStatementCache', () => {
  it('prepares a repeated query once, whatever its parameters', async () => {
    open();
    for (let id = 1; id <= 5; id += 1) await db.insertInto('items').values({ id, name: `item ${id}` }).execute();
    for (let id = 1; id <= 5; id += 1) expect((await byId(id))?.name).toBe(`item ${id}`);
    expect(prepared.filter((sql) => sql.startsWith('insert'))).toHaveLength(1);
    expect(prepared.filter((sql) => sql.startsWith('select'))).toHaveLength(1);
  });

  it('gives a second statement for SQL whose cached one is still iterating, so two interleaved iterations of it both complete', async () => {
    open();
    for (let id = 1; id <= 4; id += 1) await db.insertInto('items').values({ id, name: `item ${id}` }).execute();
    // Kysely's SQLite driver runs one query at a time, so two open iterations meet at the handle it is given.
    const handle = withStatementCache(raw);
    const sql = 'select id from items order by id';
    const first = handle.prepare(sql).iterate([]);
    const second = handle.prepare(sql).iterate([]);
    const seen: number[][] = [[], []];
    for (let step = 0; step < 4; step += 1) {
      seen[0]?.push((first.next().value as { id: number }).id);
      seen[1]?.push((second.next().value as { id: number }).id);
      expect(handle.prepare(sql).all([])).toHaveLength(4);
    }
    expect(first.next().done).toBe(true);
    expect(second.next().done).toBe(true);
    expect(seen).toEqual([[1, 2, 3, 4], [1, 2, 3, 4]]);
    // Once nothing iterates, the cached statement serves again.
    const count = prepared.length;
    expect(handle.prepare(sql).all([])).toHaveLength(4);
    expect(prepared.length).toBe(count);
  });

  it('streams through Kysely on a reused statement, then reuses it for a plain query', async () => {
    open();
    for (let id = 1; id <= 3; id += 1) await db.insertInto('items').values({ id, name: `item ${id}` }).execute();
    const query = () => db.selectFrom('items').select('id').orderBy('id');
    const streamed: number[] = [];
    for await (const row of query().stream(1)) streamed.push(row.id);
    for await (const row of query().stream(1)) streamed.push(row.id);
    expect(streamed).toEqual([1, 2, 3, 1, 2, 3]);
    expect(await query().execute()).toHaveLength(3);
    expect(prepared.filter((sql) => sql.startsWith('select'))).toHaveLength(1);
  });

  it('keeps at most `max` statements, least recently used dropped first', async () => {
    open(2);
    await db.insertInto('items').values({ id: 1, name: 'one' }).execute();
    const names = () => db.selectFrom('items').select('name').execute();
    const ids = () => db.selectFrom('items').select('id').execute();
    await names();
    await ids();
    await names();
    const before = prepared.length;
    // insert, names, ids: three texts for two places, so the insert (least recently used) was dropped.
    await db.insertInto('items').values({ id: 2, name: 'two' }).execute();
    expect(prepared.length).toBe(before + 1);
    await names();
    expect(prepared.length).toBe(before + 1);
  });
});
