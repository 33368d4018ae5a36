import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { createStorage, migrationStatus, runMigrations } from '../../../src/storage';
import { MIGRATIONS } from '../../../src/storage/migrations';
import { openDatabase } from '../../../src/storage/open-database';
import { rejection, tokens } from './contract-context';
import { describeStorageContract } from './storage.contract';

const dir = mkdtempSync(join(tmpdir(), 'kam-sqlite-contract-'));
// A folder that does not exist yet: createStorage must make it.
const file = join(dir, 'data', 'kam.sqlite');
const key = randomBytes(32);
// Every migration in the order they apply (0002-0004 were written in parallel).
const ALL_MIGRATIONS = Object.keys(MIGRATIONS).sort();

describeStorageContract(
  'SQLite',
  (options) => createStorage({ sqliteFile: file, encryptionKey: options?.encryptionKey ?? key }),
  async () => rmSync(dir, { recursive: true, force: true }),
  async (fn) => {
    const { db } = await openDatabase({ sqliteFile: file });
    try {
      return await fn(db);
    } finally {
      await db.destroy();
    }
  },
);

describe('SQLite adapter specifics', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'kam-sqlite-specific-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('creates the file in WAL mode with its folder, and `kam migrate` then has nothing to do', async () => {
    const path = join(scratch, 'a', 'b', 'kam.sqlite');
    const storage = await createStorage({ sqliteFile: path, encryptionKey: key });
    await storage.close();
    expect(existsSync(path)).toBe(true);
    const raw = new BetterSqlite3(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const again = await runMigrations({ sqliteFile: path });
    expect(again.ok && again.value).toMatchObject({ current: true, executed: [], pending: [] });
    expect(await migrationStatus({ sqliteFile: path })).toMatchObject({ current: true, pending: [] });
  });

  it('creates the database, its WAL and SHM owner-only (0600), and tightens files an older version left 0644', async () => {
    const path = join(scratch, 'private', 'kam.sqlite');
    const storage = await createStorage({ sqliteFile: path, encryptionKey: key });
    await storage.installations.upsert({ crm: 'bitrix24', externalId: 'perm', domain: 'p.bitrix24.ru', tokens: tokens('perm') });
    const mode = (file: string) => statSync(file).mode & 0o777;
    expect([mode(path), mode(`${path}-wal`), mode(`${path}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    await storage.close();

    const legacy = join(scratch, 'legacy.sqlite');
    writeFileSync(legacy, '');
    chmodSync(legacy, 0o644);
    const reopened = await createStorage({ sqliteFile: legacy, encryptionKey: key });
    expect(mode(legacy)).toBe(0o600);
    expect(mode(`${legacy}-wal`)).toBe(0o600);
    await reopened.close();
  });

  it('with migrate: false refuses an unmigrated database and names the command', async () => {
    const path = join(scratch, 'unmigrated.sqlite');
    expect(await migrationStatus({ sqliteFile: path })).toMatchObject({ current: false, applied: [], pending: ALL_MIGRATIONS });
    const error = await rejection(createStorage({ sqliteFile: path, encryptionKey: key, migrate: false }));
    expect(error).toMatchObject({ code: 'STORAGE', message: expect.stringContaining('kam migrate') });
    const migrated = await runMigrations({ sqliteFile: path });
    expect(migrated.ok && migrated.value.executed).toEqual(ALL_MIGRATIONS);
    const storage = await createStorage({ sqliteFile: path, encryptionKey: key, migrate: false });
    await storage.close();
  });

  it('serves listByCompany from the company index, in crmId order without a sort (0005)', async () => {
    const path = join(scratch, 'plan.sqlite');
    await (await createStorage({ sqliteFile: path, encryptionKey: key })).close();
    const { db } = await openDatabase({ sqliteFile: path });
    const plan = await sql<{ detail: string }>`explain query plan select data from entities
      where installation_id = 'i' and kind = 'deal' and company_id = 'c' and deleted = 0 order by crm_id`.execute(db);
    await db.destroy();
    expect(plan.rows.map((row) => row.detail)).toEqual([expect.stringMatching(/^SEARCH entities USING INDEX entities_company_idx \(installation_id=\? AND kind=\? AND company_id=\?\)$/)]);
  });

  it('runs in memory for tests, one database per storage', async () => {
    const one = await createStorage({ sqliteFile: ':memory:', encryptionKey: key });
    const two = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
    const inst = await one.installations.upsert({ crm: 'amocrm', externalId: '1', domain: 'x.amocrm.ru', tokens: tokens('mem') });
    expect(await two.installations.get(inst.id)).toBeNull();
    expect(one.engine).toBe('sqlite');
    await Promise.all([one.close(), two.close()]);
  });
});
