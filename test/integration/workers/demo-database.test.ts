import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { demoDatabaseName } from '../../../src/app/demo/run-workers-demo';
import { dropDemoDatabase, freshDemoDatabase } from '../../../src/sandbox/demo/demo-database';
import { scratchDatabase } from './scratch-database';

/**
 * `kam demo --workers N` works in a database of its own (`<name>_demo`) and drops it at the end
 * of the run, unless `--keep-database` asks to keep it for a look afterwards.
 */
jest.setTimeout(180_000);
const databaseUrl = process.env.TEST_DATABASE_URL;
const KAM = resolve(__dirname, '../../../bin/kam.js');

function kam(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [KAM, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (code) => done({ code, stderr }));
  });
}

it('refuses --keep-database without --workers, naming both, before touching any database', async () => {
  const run = await kam(['demo', '--keep-database', '--no-serve'], { DATABASE_URL: 'postgres://kam@127.0.0.1:1/none', KAM_DATA_DIR: mkdtempSync(join(tmpdir(), 'kam-ddb-')) });
  expect(run.code).not.toBe(0);
  expect(run.stderr).toContain('--keep-database needs --workers N');
});

if (!databaseUrl) {
  console.warn('demo database suite skipped: set TEST_DATABASE_URL (e.g. eval "$(bash .ci/postgres.sh)")');
} else {
  const exists = async (name: string): Promise<boolean> => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
    } finally {
      await client.end();
    }
  };

  it('makes the demo database afresh and drops it, a missing one without complaint', async () => {
    const database = scratchDatabase(databaseUrl, 'kam_ddb_unit');
    const name = `${database.name}_demo`;
    const url = await freshDemoDatabase(databaseUrl, name);
    expect(new URL(url).pathname).toBe(`/${name}`);
    // Held open by a client, as a demo process may still be when the run closes.
    const holder = new Client({ connectionString: url });
    await holder.connect();
    holder.on('error', () => undefined);
    expect(await exists(name)).toBe(true);
    await dropDemoDatabase(databaseUrl, name);
    expect(await exists(name)).toBe(false);
    await holder.end().catch(() => undefined);
    await expect(dropDemoDatabase(databaseUrl, name)).resolves.toBeUndefined();
    await expect(dropDemoDatabase(databaseUrl, 'bad"name')).rejects.toThrow(/cannot name the demo database/);
  });

  describe.each([
    ['drops', [] as string[], false],
    ['keeps, with --keep-database,', ['--keep-database'], true],
  ])('kam demo --workers 1 %s its database at the end', (_what, extra, kept) => {
    const database = scratchDatabase(databaseUrl, `kam_ddb_${kept ? 'keep' : 'drop'}`);
    const demoName = demoDatabaseName(database.url);
    beforeAll(() => database.create());
    afterAll(async () => {
      await database.dropNamed(demoName);
      await database.drop();
    });

    it('exits 0 and leaves the demo database as asked', async () => {
      const run = await kam(
        ['demo', '--companies', '6', '--contacts', '6', '--deals', '20', '--passes', '1', '--workers', '1', '--json', '--no-serve', ...extra],
        { DATABASE_URL: database.url, KAM_DATA_DIR: mkdtempSync(join(tmpdir(), 'kam-ddb-')) },
      );
      expect([run.code, run.code === 0 ? '' : run.stderr.slice(-2000)]).toEqual([0, '']);
      expect(await exists(demoName)).toBe(kept);
      // The configured database itself is never touched.
      expect(await exists(database.name)).toBe(true);
    });
  });
}
