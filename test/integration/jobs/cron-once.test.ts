import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { JobQueue } from '../../../src/jobs/job-queue';
import { createPgBossQueue } from '../../../src/jobs/pg-boss-queue';
import { RECONCILE_JOB } from '../../../src/jobs/reconcile.job';
import { createSilentLogger } from '../../../src/logging/logger';

/**
 * The reconcile schedule fires once per tick however many worker processes run the scheduler.
 * pg-boss checks schedules when a process starts its timekeeping and then every 30 s; a schedule
 * is due for the whole minute after its cron time, so a tick is due the moment the workers start.
 * Two worker processes (two queue instances on one schema, both with `work: true`) start together
 * on a schedule declared by an earlier start and declare it again, as `kam serve --role worker`
 * does; the test waits until the tick has been run and the scheduler's hand-off queue has drained,
 * then checks one run per tick. A second tick would need the next minute; this covers one.
 * pg-boss v10 timekeeping: node_modules/pg-boss/src/timekeeper.js, docs/api/scheduling.md.
 */
jest.setTimeout(60_000);
const databaseUrl = process.env.TEST_DATABASE_URL;
/** The internal queue pg-boss's scheduler sends each due tick through (one job per schedule and minute). */
const SEND_IT = '__pgboss__send-it';

if (!databaseUrl) {
  console.warn('cron-once suite skipped: set TEST_DATABASE_URL (e.g. eval "$(bash .ci/postgres.sh)").');
  describe.skip('cron-once suite skipped: set TEST_DATABASE_URL', () => {
    it('fires a schedule once across processes', () => undefined);
  });
} else {
  describe('reconcile schedule across worker processes', () => {
    const schema = `kam_cron_${process.pid}_${randomBytes(4).toString('hex')}`;
    const open: JobQueue[] = [];
    const client = new Client({ connectionString: databaseUrl });
    const queue = async (work: boolean) => {
      const created = await createPgBossQueue({ databaseUrl, schema, work, concurrency: 2, logger: createSilentLogger(), pollingIntervalSeconds: 0.5 });
      open.push(created);
      return created;
    };
    const rows = async <T>(sql: string): Promise<T[]> => (await client.query(sql)).rows as T[];
    const jobs = (where: string) => `SELECT id, singleton_on, state FROM "${schema}".job WHERE ${where} UNION ALL SELECT id, singleton_on, state FROM "${schema}".archive WHERE ${where}`;

    beforeAll(() => client.connect());
    afterAll(async () => {
      await Promise.all(open.splice(0).map((q) => q.close()));
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    });

    it('runs a due tick once although two worker processes check the schedule', async () => {
      await (await queue(false)).schedule(RECONCILE_JOB, '* * * * *');
      let runs = 0;
      let firstRun: () => void = () => undefined;
      const ran = new Promise<void>((resolve) => (firstRun = resolve));
      const worker = async (): Promise<JobQueue> => {
        const instance = await queue(true);
        instance.handle(RECONCILE_JOB, async () => {
          runs += 1;
          firstRun();
        });
        await instance.schedule(RECONCILE_JOB, '* * * * *');
        return instance;
      };
      const workers = await Promise.all([worker(), worker()]);
      await ran;

      // Wait for the event "every tick handed to the scheduler's queue is sent and run".
      const ticks = () => rows<{ singleton_on: Date; state: string }>(jobs(`name = '${SEND_IT}' AND data->>'name' = 'kam-${RECONCILE_JOB}'`));
      while ((await ticks()).some((tick) => tick.state !== 'completed')) await new Promise((resolve) => setTimeout(resolve, 100));
      await Promise.all(workers.map((w) => w.idle()));

      const minutes = new Set((await ticks()).map((tick) => new Date(tick.singleton_on).toISOString()));
      expect(minutes.size).toBeGreaterThanOrEqual(1);
      expect(runs).toBe(minutes.size);
      expect(await rows(jobs(`name = 'kam-${RECONCILE_JOB}'`))).toHaveLength(minutes.size);
      expect(await rows(`SELECT name FROM "${schema}".schedule`)).toEqual([{ name: `kam-${RECONCILE_JOB}` }]);
    });
  });
}
