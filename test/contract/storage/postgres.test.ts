import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createStorage, runMigrations } from '../../../src/storage';
import { openDatabase } from '../../../src/storage/open-database';
import { describeStorageContract } from './storage.contract';

const databaseUrl = process.env.TEST_DATABASE_URL;
const key = randomBytes(32);

/** Each suite works in its own schema, so parallel jest workers never share tables. */
const newSchema = () => `kam_test_${process.pid}_${randomBytes(4).toString('hex')}`;

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

if (!databaseUrl) {
  console.warn('PostgreSQL contract suite skipped: set TEST_DATABASE_URL (e.g. eval "$(bash .ci/postgres.sh)").');
  describe.skip('PostgreSQL contract suite skipped: set TEST_DATABASE_URL', () => {
    it('runs the storage contract on PostgreSQL', () => undefined);
  });
} else {
  const schema = newSchema();
  describeStorageContract(
    'PostgreSQL',
    (options) => createStorage({ databaseUrl, schema, encryptionKey: options?.encryptionKey ?? key }),
    () => dropSchema(databaseUrl, schema),
    async (fn) => {
      const { db } = await openDatabase({ databaseUrl, schema });
      try {
        return await fn(db);
      } finally {
        await db.destroy();
      }
    },
  );

  describe('PostgreSQL adapter specifics', () => {
    const scratch = newSchema();
    afterAll(() => dropSchema(databaseUrl, scratch));

    it('lets a web and a worker process start at once on a fresh database', async () => {
      const [web, worker] = await Promise.all([
        createStorage({ databaseUrl, schema: scratch, encryptionKey: key }),
        createStorage({ databaseUrl, schema: scratch, encryptionKey: key }),
      ]);
      expect(web.engine).toBe('postgres');
      const inst = await web.installations.upsert({ crm: 'bitrix24', externalId: 'm1', domain: 'a.bitrix24.com' });
      expect((await worker.installations.get(inst.id))?.domain).toBe('a.bitrix24.com');
      await Promise.all([web.close(), worker.close()]);
      const again = await runMigrations({ databaseUrl, schema: scratch });
      expect(again.ok && again.value.executed).toEqual([]);
    });

    it('rejects a database URL that is not PostgreSQL with CONFIG_INVALID', async () => {
      await expect(createStorage({ databaseUrl: 'mysql://x', encryptionKey: key })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    });
  });
}
