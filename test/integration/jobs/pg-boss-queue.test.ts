import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { JobData, JobQueue } from '../../../src/jobs/job-queue';
import { createPgBossQueue } from '../../../src/jobs/pg-boss-queue';
import { createSilentLogger } from '../../../src/logging/logger';

/**
 * The pg-boss queue as web and worker processes use it: several queue instances on one
 * database (each one is what a process holds), one job per installation at a time, retries.
 */
jest.setTimeout(60_000);
const databaseUrl = process.env.TEST_DATABASE_URL;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

if (!databaseUrl) {
  console.warn('pg-boss queue suite skipped: set TEST_DATABASE_URL (e.g. eval "$(bash .ci/postgres.sh)").');
  describe.skip('pg-boss queue suite skipped: set TEST_DATABASE_URL', () => {
    it('runs the pg-boss queue on PostgreSQL', () => undefined);
  });
} else {
  describe('pg-boss job queue', () => {
    // Each test gets a pg-boss schema of its own, so parallel jest workers never share jobs.
    let schema = '';
    const open: JobQueue[] = [];
    const queue = async (work: boolean, retry = { limit: 0, delaySeconds: 1 }) => {
      const created = await createPgBossQueue({ databaseUrl, schema, work, concurrency: 2, logger: createSilentLogger(), retry, pollingIntervalSeconds: 0.5 });
      open.push(created);
      return created;
    };

    beforeEach(() => {
      schema = `kam_boss_${process.pid}_${randomBytes(4).toString('hex')}`;
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((q) => q.close()));
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    });

    it('runs a job sent twice for one installation by two web processes once, on one of two workers', async () => {
      const [webA, webB] = [await queue(false), await queue(false)];
      await webA.send('sync', { installationId: 'i-1', mode: 'incremental' });
      await webB.send('sync', { installationId: 'i-1', mode: 'incremental' });
      await webB.send('sync', { installationId: 'i-2', mode: 'full' });
      const runs: JobData[] = [];
      const handler = async (data: JobData) => void runs.push(data);
      const [workerA, workerB] = [await queue(true), await queue(true)];
      workerA.handle('sync', handler);
      workerB.handle('sync', handler);
      await workerA.idle();
      expect(runs.map((data) => data.installationId).sort()).toEqual(['i-1', 'i-2']);
      expect(runs.find((data) => data.installationId === 'i-2')?.mode).toBe('full');
    });

    it('never runs one installation twice at once across workers; a send while it runs runs once more, after', async () => {
      const gate = deferred();
      const started = deferred();
      let running = 0;
      let most = 0;
      let runs = 0;
      const handler = async () => {
        running += 1;
        most = Math.max(most, running);
        runs += 1;
        if (runs === 1) {
          started.resolve();
          await gate.promise;
        }
        running -= 1;
      };
      const [workerA, workerB] = [await queue(true), await queue(true)];
      workerA.handle('sync', handler);
      workerB.handle('sync', handler);
      await workerA.send('sync', { installationId: 'i-1' });
      await started.promise;
      // While the first runs: three more sends from both processes coalesce into one waiting job.
      await workerA.send('sync', { installationId: 'i-1' });
      await workerB.send('sync', { installationId: 'i-1' });
      await workerB.send('sync', { installationId: 'i-1' });
      gate.resolve();
      await workerA.idle();
      expect(runs).toBe(2);
      expect(most).toBe(1);
    });

    it('retries a failing job with backoff, then lists it as failed with its installation and error', async () => {
      const worker = await queue(true, { limit: 1, delaySeconds: 1 });
      const attempts: number[] = [];
      worker.handle('setup', async () => {
        attempts.push(Date.now());
        throw new Error('portal answered 500');
      });
      await worker.send('setup', { installationId: 'i-9' });
      await worker.idle();
      expect(attempts).toHaveLength(2);
      const failed = await worker.failed();
      expect(failed).toEqual([
        expect.objectContaining({ kind: 'setup', key: 'i-9', data: { installationId: 'i-9' }, attempts: 2, error: 'portal answered 500' }),
      ]);
      // Another process (a web one, `kam jobs`) sees the same.
      expect(await (await queue(false)).failed()).toHaveLength(1);
    });

    it('keeps one schedule per kind however many processes declare it', async () => {
      const [a, b] = [await queue(true), await queue(true)];
      await a.schedule('reconcile', '*/15 * * * *');
      await b.schedule('reconcile', '*/15 * * * *');
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      const { rows } = await client.query(`select name, cron from "${schema}".schedule`);
      await client.end();
      expect(rows).toEqual([{ name: 'kam-reconcile', cron: '*/15 * * * *' }]);
    });
  });
}
