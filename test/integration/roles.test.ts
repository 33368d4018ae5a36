import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { Client } from 'pg';
import qs from 'qs';
import { loadConfig } from '../../src/config';
import { createSilentLogger } from '../../src/logging/logger';
import { createRuntime, startServer, type Runtime } from '../../src/main';

/** `kam serve --role web|worker`: the web process takes the event and answers; a worker syncs. */
jest.setTimeout(60_000);
const databaseUrl = process.env.TEST_DATABASE_URL;
const http = axios.create({ validateStatus: () => true });

const configFor = (env: Record<string, string>) => {
  const loaded = loadConfig({
    env: { KAM_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'kam-roles-')), 'data'), KAM_ENCRYPTION_KEY: KEY, BITRIX24_CLIENT_ID: 'app', BITRIX24_CLIENT_SECRET: 'secret', ...env },
    envFile: null,
  });
  if (!loaded.ok) throw loaded.error;
  return loaded.value;
};
const KEY = randomBytes(32).toString('base64');

it('refuses --role web and --role worker on SQLite, naming DATABASE_URL', async () => {
  await expect(createRuntime(configFor({}), createSilentLogger(), { role: 'worker' })).rejects.toMatchObject({
    code: 'CONFIG_INVALID',
    message: expect.stringContaining('DATABASE_URL'),
  });
});

if (!databaseUrl) {
  console.warn('web/worker roles on PostgreSQL skipped: set TEST_DATABASE_URL (e.g. eval "$(bash .ci/postgres.sh)").');
} else {
  describe('web and worker processes on one PostgreSQL database', () => {
    // A database of its own: the runtime works in the default schemas (public, pgboss).
    const name = `kam_roles_${process.pid}_${randomBytes(3).toString('hex')}`;
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    const admin = async (sql: string) => {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(sql);
      await client.end();
    };
    let web: Runtime;
    let worker: Runtime;

    beforeAll(async () => {
      await admin(`create database "${name}"`);
      const config = configFor({ DATABASE_URL: url.toString() });
      web = await createRuntime(config, createSilentLogger(), { role: 'web', schedule: true });
      worker = await createRuntime(config, createSilentLogger(), { role: 'worker', schedule: true });
    });
    afterAll(async () => {
      await web?.close();
      await worker?.close();
      await admin(`drop database if exists "${name}" with (force)`);
    });

    it('a worker answers /health (with its failed jobs) and nothing else', async () => {
      const server = await startServer(worker, { port: 0 });
      try {
        const health = await http.get(`${server.url}/health`);
        expect(health.status).toBe(200);
        expect(health.data).toMatchObject({ status: 'ok', role: 'worker', storage: { engine: 'postgres' }, jobs: { failed: [] } });
        // The worker registered itself at start: /health lists it (this test's process) with its running jobs.
        expect(health.data.jobs.workers).toEqual(expect.arrayContaining([expect.objectContaining({ pid: process.pid, jobs: expect.any(Array) })]));
        const proxied = await http.get(`${server.url}/health`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
        expect(proxied.data.jobs).toEqual({ failedCount: 0, workerCount: health.data.jobs.workers.length });
        expect((await http.post(`${server.url}/bitrix24/events`, 'event=x')).status).toBe(404);
      } finally {
        await server.close();
      }
    });

    it('an event the web process takes is answered there and synced by the worker, never by the web process', async () => {
      const installation = await web.storage.installations.upsert({ crm: 'bitrix24', externalId: 'member-1', domain: 'a.bitrix24.ru', applicationToken: 'app-token', status: 'active' });
      const synced: string[] = [];
      const workerCycle = deferredCall();
      jest.spyOn(worker.app, 'runCycle').mockImplementation(async (id, mode) => {
        synced.push(`${id}:${mode}`);
        workerCycle.resolve();
        return undefined as never;
      });
      const webCycle = jest.spyOn(web.app, 'runCycle');
      const handled = jest.spyOn(web.app, 'applyInbound');
      const server = await startServer(web, { port: 0 });
      try {
        const body = qs.stringify({
          event: 'ONCRMDEALUPDATE',
          data: { FIELDS: { ID: '7' } },
          ts: '1700000000',
          auth: { domain: 'a.bitrix24.ru', member_id: 'member-1', application_token: 'app-token' },
        });
        const answer = await http.post(`${server.url}/bitrix24/events`, body, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
        expect(answer.status).toBe(200);
        await Promise.all(handled.mock.results.map((result) => result.value as Promise<void>));
      } finally {
        await server.close();
      }
      expect(await web.storage.syncState.countDirty(installation.id)).toBe(1);
      await workerCycle.promise;
      await worker.queue.idle();
      expect(synced).toEqual([`${installation.id}:incremental`]);
      expect(webCycle).not.toHaveBeenCalled();
    });
  });
}

function deferredCall() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}
