import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, type Kysely } from 'kysely';
import { createStorage } from '../../../src/storage';
import type { Database } from '../../../src/storage/database';
import { migrationProvider } from '../../../src/storage/migrations';
import { openDatabase } from '../../../src/storage/open-database';
import { snapshot } from '../../contract/storage/contract-context';

/** Migration 0007 rebuilds account_snapshots keyed by run: the runs a database already holds read the same after it. */
it('keeps the snapshots of existing runs readable by run, account, history and earlier tiers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kam-0007-'));
  const file = join(dir, 'kam.sqlite');
  try {
    const { db } = await openDatabase({ sqliteFile: file });
    const migrator = new Migrator({ db: db as Kysely<unknown>, provider: migrationProvider, allowUnorderedMigrations: true });
    expect((await migrator.migrateTo('0006_frame_checks')).error).toBeUndefined();
    // The old layout, as 0001 made it: one run per date, its snapshots keyed by (installation, account, date).
    const raw = db as Kysely<Database>;
    await raw.insertInto('installations').values({ id: 'i1', crm: 'bitrix24', external_id: 'm1', domain: 'p.bitrix24.ru', status: 'active', settings: '{}', created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z' } as never).execute();
    for (const [runId, asOf, tier] of [['r1', '2024-06-01', 'B'], ['r2', '2024-07-01', 'A']] as const) {
      await raw.insertInto('evaluation_runs').values({ id: runId, installation_id: 'i1', as_of: asOf, rule_version: 'v', portfolio: '{}', account_count: 1, created_at: `${asOf}T00:00:00Z` }).execute();
      await raw
        .insertInto('account_snapshots')
        .values({
          installation_id: 'i1', run_id: runId, account_id: 'a', as_of: asOf, score: 50, tier, previous_tier: null, rule_version: 'r1',
          contributions: JSON.stringify(snapshot('a', asOf, tier).contributions), kpis: JSON.stringify(snapshot('a', asOf, tier).kpis),
        })
        .execute();
    }
    await db.destroy();

    const storage = await createStorage({ sqliteFile: file, encryptionKey: randomBytes(32) });
    try {
      expect(await storage.evaluations.runAccounts('i1', 'r1')).toEqual([snapshot('a', '2024-06-01', 'B')]);
      expect(await storage.evaluations.latestAccount('i1', 'a')).toEqual(snapshot('a', '2024-07-01', 'A'));
      expect((await storage.evaluations.accountHistory('i1', 'a')).map((entry) => entry.tier)).toEqual(['B', 'A']);
      expect(await storage.evaluations.tiersBefore('i1', '2024-07-01')).toEqual(new Map([['a', 'B']]));
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
