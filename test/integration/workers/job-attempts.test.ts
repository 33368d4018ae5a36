import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { earlierAttempts, withEarlier } from '../../../src/app/demo/run-workers-demo';
import type { CycleReport } from '../../../src/app/cycle/run-cycle';
import { createRequestMeter, type RequestCounts } from '../../../src/connectors/shared/request-meter';
import { createPgBossQueue, type PgBossQueue } from '../../../src/jobs/pg-boss-queue';
import { createSilentLogger } from '../../../src/logging/logger';

/**
 * A job attempt's CRM requests are kept in PostgreSQL before each one goes out (job-attempts.ts):
 * a worker SIGKILLed while a request is on the wire leaves a row counting exactly the requests the
 * CRM received; the retry on another worker ends `completed`, and the pass figures (the demo's
 * withEarlier) add the dead attempt's requests to the retry's, matching what the CRM counted.
 */
jest.setTimeout(120_000);
const databaseUrl = process.env.TEST_DATABASE_URL;
const SRC = resolve(__dirname, '../../../src');

/** A worker process whose cycle sends requests to `crm` one after another until it is killed. */
const WORKER = `
const { createPgBossQueue } = require(${JSON.stringify(`${SRC}/jobs/pg-boss-queue`)});
const { createRequestMeter } = require(${JSON.stringify(`${SRC}/connectors/shared/request-meter`)});
const { createSilentLogger } = require(${JSON.stringify(`${SRC}/logging/logger`)});
const http = require('node:http');
const post = (url) => new Promise((done, fail) => http.request(url, { method: 'POST' }, (res) => res.resume().on('end', done)).on('error', fail).end());
createPgBossQueue({ databaseUrl: process.env.DB, schema: process.env.SCHEMA, work: true, concurrency: 1, logger: createSilentLogger(), pollingIntervalSeconds: 0.5, staleSeconds: 2 }).then((queue) => {
  queue.handle('cycle', async (data, job) => {
    const meter = createRequestMeter();
    meter.watch((requests) => job.progress({ requests }));
    for (;;) {
      await meter.inPhase('sync', () => meter.record('crm.item.list'));
      await post(process.env.CRM);
    }
  });
});`;

if (!databaseUrl) {
  it.skip('job attempts on PostgreSQL (set TEST_DATABASE_URL)', () => undefined);
} else {
  describe('a killed attempt\'s requests', () => {
    const schema = `kam_attempts_${process.pid}_${randomBytes(3).toString('hex')}`;
    const queues: PgBossQueue[] = [];
    let crm: http.Server | null = null;
    afterAll(async () => {
      await Promise.all(queues.map((queue) => queue.close()));
      crm?.close();
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    });
    const queue = async (work: boolean) => {
      const created = await createPgBossQueue({ databaseUrl, schema, work, concurrency: 1, logger: createSilentLogger(), retry: { limit: 2, delaySeconds: 1 }, pollingIntervalSeconds: 0.5, staleSeconds: 2 });
      queues.push(created);
      return created;
    };

    it('are all counted, the one on the wire included, and added to the retry\'s', async () => {
      const KILL_AT = 7;
      let received = 0;
      let victim = 0;
      crm = http.createServer((req, res) => {
        received += 1;
        // The 7th request reaches the CRM and its worker dies before the answer.
        if (received === KILL_AT) process.kill(victim, 'SIGKILL');
        else res.end('{}');
      });
      await new Promise<void>((done) => crm?.listen(0, '127.0.0.1', done));
      const crmUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}/rest`;

      const web = await queue(false);
      const id = await web.sendJob('cycle', { installationId: 'i-1' });
      const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', WORKER], { env: { ...process.env, DB: databaseUrl, SCHEMA: schema, CRM: crmUrl }, stdio: 'ignore' });
      victim = child.pid as number;
      await new Promise((done) => child.once('exit', done));
      expect(received).toBe(KILL_AT);

      const [dead] = await web.attempts(id);
      expect(dead).toMatchObject({ jobId: id, ended: null });
      expect((dead?.sofar.requests as RequestCounts)).toMatchObject({ requests: KILL_AT, byPhase: { sync: KILL_AT }, byMethod: { 'crm.item.list': KILL_AT } });

      // Another worker takes the job over once the dead one's heartbeat is stale, and finishes it with two requests.
      const worker = await queue(true);
      worker.handle('cycle', async (_data, job) => {
        const meter = createRequestMeter();
        meter.watch((requests) => job.progress({ requests }));
        for (let i = 0; i < 2; i += 1) {
          await meter.inPhase('sync', () => meter.record('crm.item.list'));
          received += 1;
        }
        return { api: meter.snapshot(), sync: { companies: 0, contacts: 0, deals: 0 } };
      });
      let status = await web.job(id);
      while (status?.state !== 'completed' && status?.state !== 'failed') {
        await worker.idle();
        status = await web.job(id);
      }
      expect(status).toMatchObject({ state: 'completed', retries: 1 });
      const attempts = await web.attempts(id);
      expect(attempts.map((attempt) => attempt.ended)).toEqual([null, 'completed']);
      const pass = withEarlier(status.output as CycleReport, earlierAttempts(attempts));
      expect(pass.api).toMatchObject({ requests: KILL_AT + 2, byPhase: { sync: KILL_AT + 2 }, byMethod: { 'crm.item.list': KILL_AT + 2 } });
      expect(pass.api.requests).toBe(received);
    });
  });
}
