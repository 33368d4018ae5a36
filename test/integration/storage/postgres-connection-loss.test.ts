import { sql } from 'kysely';
import { Client } from 'pg';
import { openDatabase } from '../../../src/storage/open-database';
import { scratchDatabase } from '../workers/scratch-database';

/**
 * The server ends idle pooled connections (a restart, a failover, an administrator, a test's
 * `drop database ... with (force)`): node-postgres then emits 'error' on the pool, and a pool with
 * no listener throws it out of the socket's handler, which ends the process
 * (https://node-postgres.com/apis/pool#error). Seen as an "Unhandled error" that failed
 * web-processes.test.ts in a combined run: its database was dropped while the pool's connections
 * were still closing. The pool must drop such a connection and go on with new ones.
 */
const databaseUrl = process.env.TEST_DATABASE_URL;

if (!databaseUrl) {
  it.skip('PostgreSQL connection loss (set TEST_DATABASE_URL)', () => undefined);
} else {
  const database = scratchDatabase(databaseUrl, 'kam_loss');
  beforeAll(() => database.create());
  afterAll(() => database.drop());

  /** Runs a statement as the administrator, on the administrator's database. */
  const admin = async <T>(text: string, values: unknown[]): Promise<T[]> => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const backends = () => admin<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [database.name]);

  it('survives the server ending its idle connections, and the next statements run on new ones', async () => {
    const { db } = await openDatabase({ databaseUrl: database.url });
    try {
      // Several statements at once: several connections, idle in the pool afterwards.
      await Promise.all(Array.from({ length: 4 }, () => sql`select pg_sleep(0.05)`.execute(db)));
      const idle = await backends();
      expect(idle.length).toBeGreaterThan(1);

      await admin('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database.name]);
      // Each ended backend has sent its FATAL notice before leaving pg_stat_activity.
      const deadline = Date.now() + 10_000;
      while ((await backends()).length > 0) if (Date.now() > deadline) throw new Error('the backends did not end within 10 s');

      // A statement may still be handed a connection whose notice is not read yet (it fails);
      // once the pool has read them all, statements run on new connections.
      const answers = await Promise.allSettled(Array.from({ length: 10 }, () => sql<{ one: number }>`select 1 as one`.execute(db)));
      expect(answers.some((answer) => answer.status === 'fulfilled')).toBe(true);
      expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
      expect((await backends()).every((backend) => !idle.some((old) => old.pid === backend.pid))).toBe(true);
    } finally {
      await db.destroy();
    }
  });
}
