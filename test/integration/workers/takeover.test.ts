import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { JobData } from '../../../src/jobs/job-queue';
import { createPgBossQueue, type JobStatus, type PgBossQueue } from '../../../src/jobs/pg-boss-queue';
import { createSilentLogger } from '../../../src/logging/logger';
import { scratchDatabase } from './scratch-database';

/**
 * A worker process SIGKILLed in the middle of a job: the job is handed back by the other worker
 * once the dead one's heartbeat is stale (seconds, not pg-boss's 30-minute expiry) and completes there.
 */
jest.setTimeout(120_000);
const databaseUrl = process.env.TEST_DATABASE_URL;
const STALE_SECONDS = 3;
const options = (url: string, work: boolean) => ({
  databaseUrl: url, work, concurrency: 1, logger: createSilentLogger(), retry: { limit: 2, delaySeconds: 1 }, pollingIntervalSeconds: 0.5, staleSeconds: STALE_SECONDS,
});

/** A worker process whose cycle job says it is writing back, tells us, and never ends. */
const STUCK_WORKER = `
const { createPgBossQueue } = require(${JSON.stringify(require.resolve('../../../src/jobs/pg-boss-queue'))});
const { createSilentLogger } = require(${JSON.stringify(require.resolve('../../../src/logging/logger'))});
createPgBossQueue(JSON.parse(process.env.QUEUE_OPTIONS)).then((queue) => {
  queue.handle('cycle', (data, job) => {
    job.phase('writeBack');
    console.log(job.id);
    return new Promise(() => undefined);
  });
});`;

const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

if (!databaseUrl) {
  console.warn('worker takeover on PostgreSQL skipped: set TEST_DATABASE_URL (e.g. eval "$(bash .ci/postgres.sh)").');
  it.skip('takes over the job of a killed worker (needs TEST_DATABASE_URL)', () => undefined);
} else {
  describe('a killed worker', () => {
    const database = scratchDatabase(databaseUrl, 'kam_takeover');
    const open: PgBossQueue[] = [];
    beforeAll(() => database.create());
    afterAll(async () => {
      await Promise.all(open.map((queue) => queue.close()));
      await database.drop();
    });

    it('is listed with its job and phase while alive; once SIGKILLed its job is retried by another worker and completes there', async () => {
      const web = await createPgBossQueue(options(database.url, false));
      open.push(web);
      const { logger: _logger, ...childOptions } = options(database.url, true);
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', STUCK_WORKER], {
        env: { ...process.env, QUEUE_OPTIONS: JSON.stringify(childOptions) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        const jobId = await web.sendJob('cycle', { installationId: 'i-1', mode: 'full' });
        const started = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
        expect(started).toBe(jobId);
        const busy = await until(() => web.workers(), (workers) => workers.some((worker) => worker.jobs.some((job) => job.phase === 'writeBack')));
        expect(busy).toEqual([expect.objectContaining({ pid: child.pid, jobs: [expect.objectContaining({ id: jobId, kind: 'cycle', key: 'i-1', phase: 'writeBack' })] })]);

        child.kill('SIGKILL');
        await exited;
        const runs: JobData[] = [];
        const survivor = await createPgBossQueue(options(database.url, true));
        open.push(survivor);
        survivor.handle('cycle', async (data) => {
          runs.push(data);
          return { synced: data.installationId };
        });
        const job = await until<JobStatus | null>(() => web.job(jobId), (status) => status?.state === 'completed' || status?.state === 'failed');
        expect(job).toMatchObject({ id: jobId, state: 'completed', retries: 1, output: { synced: 'i-1' } });
        expect(runs).toEqual([{ installationId: 'i-1', mode: 'full' }]);
        // The dead worker is gone from the list; the survivor is there, idle.
        expect((await web.workers()).map((worker) => worker.pid)).toEqual([process.pid]);
      } finally {
        child.kill('SIGKILL');
      }
    });
  });
}
