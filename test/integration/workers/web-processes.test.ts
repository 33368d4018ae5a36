import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import qs from 'qs';
import { loadConfig } from '../../../src/config';
import type { CycleReport } from '../../../src/app/cycle/run-cycle';
import { createSilentLogger } from '../../../src/logging/logger';
import { createRuntime, startServer, type Runtime } from '../../../src/main';
import type { ListeningServer } from '../../../src/http/listen';
import { scratchDatabase } from './scratch-database';

/**
 * Two web processes on one PostgreSQL database (two runtimes: nothing shared but the database),
 * each taking part of a burst of CRM events for the same installations: every event's mark is
 * stored, both processes send their installation's pass, and the queue's singleton key
 * (pg-boss `stately`, keyed by installation) makes them one pass per installation, which reads
 * every mark of both processes.
 */
jest.setTimeout(90_000);
const databaseUrl = process.env.TEST_DATABASE_URL;
const http = axios.create({ validateStatus: () => true });
const KEY = randomBytes(32).toString('base64');

if (!databaseUrl) {
  it.skip('two web processes on PostgreSQL (set TEST_DATABASE_URL)', () => undefined);
} else {
  describe('events to two web processes', () => {
    const database = scratchDatabase(databaseUrl, 'kam_webs');
    const runtimes: Runtime[] = [];
    const servers: ListeningServer[] = [];
    beforeAll(() => database.create());
    afterAll(async () => {
      for (const server of servers) await server.close();
      for (const runtime of runtimes) await runtime.close();
      await database.drop();
    });

    const start = async (role: 'web' | 'worker') => {
      const loaded = loadConfig({
        env: { DATABASE_URL: database.url, KAM_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'kam-webs-')), 'data'), KAM_ENCRYPTION_KEY: KEY, BITRIX24_CLIENT_ID: 'app', BITRIX24_CLIENT_SECRET: 'secret' },
        envFile: null,
      });
      if (!loaded.ok) throw loaded.error;
      const runtime = await createRuntime(loaded.value, createSilentLogger(), { role, schedule: false });
      runtimes.push(runtime);
      return runtime;
    };

    it('end in one pass per installation that finds every mark of both processes', async () => {
      const [webA, webB] = [await start('web'), await start('web')] as [Runtime, Runtime];
      const [serverA, serverB] = await Promise.all([startServer(webA, { port: 0 }), startServer(webB, { port: 0 })]);
      servers.push(serverA, serverB);
      const portals = await Promise.all(
        ['member-a', 'member-b'].map((member) =>
          webA.storage.installations.upsert({ crm: 'bitrix24', externalId: member, domain: `${member}.bitrix24.ru`, applicationToken: `token-${member}`, status: 'active' }),
        ),
      );
      // Each web process's debounced pass (the pass scheduler's local job) is held until every
      // event is answered, then run: left to the 2 s debounce, an event that a loaded machine
      // answered after its process's pass was sent scheduled a second pass (5 s later), and the
      // count of sends and passes below depended on the machine's speed. The debounce's own
      // timing is the pass scheduler's unit test; here, what each process sends and the queue
      // makes of it.
      const held: Array<{ name: string; key: string; job: () => Promise<void> }> = [];
      const sent: string[] = [];
      for (const [name, web] of [['A', webA], ['B', webB]] as const) {
        jest.spyOn(web.queue, 'enqueue').mockImplementation((key, job) => void held.push({ name, key, job }));
        const send = web.queue.send.bind(web.queue);
        jest.spyOn(web.queue, 'send').mockImplementation(async (kind, data, options) => {
          await send(kind, data, options);
          if (kind === 'cycle') sent.push(`${name}:${data.installationId}`);
        });
      }
      const event = (member: string, dealId: number) =>
        qs.stringify({ event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: String(dealId) } }, ts: '1700000000', auth: { domain: `${member}.bitrix24.ru`, member_id: member, application_token: `token-${member}` } });
      // Deals 1-5 of each portal go to web A, deals 6-10 to web B, all at once.
      const answers = await Promise.all(
        ['member-a', 'member-b'].flatMap((member) =>
          Array.from({ length: 10 }, (_, i) => http.post(`${i < 5 ? serverA.url : serverB.url}/bitrix24/events`, event(member, i + 1), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      // One pass waits per process and installation, however many of its events came.
      const byKey = (a: { name: string; key: string }, b: { name: string; key: string }) => `${a.name}${a.key}`.localeCompare(`${b.name}${b.key}`);
      expect(held.map(({ name, key }) => ({ name, key })).sort(byKey)).toEqual(
        ['A', 'B'].flatMap((name) => portals.map((portal) => ({ name, key: `sync:${portal.id}` }))).sort(byKey),
      );
      await Promise.all(held.map(({ job }) => job()));
      expect(sent.sort()).toEqual([`A:${portals[0]?.id}`, `A:${portals[1]?.id}`, `B:${portals[0]?.id}`, `B:${portals[1]?.id}`].sort());

      // Now a worker: whatever waits in the queue is what both processes' sends left there.
      const worker = await start('worker');
      const passes: Array<{ installationId: string; marks: number }> = [];
      jest.spyOn(worker.app, 'runCycle').mockImplementation(async (installationId) => {
        passes.push({ installationId, marks: await worker.storage.syncState.countDirty(installationId) });
        return { installationId } as CycleReport;
      });
      while (passes.length < 2) await worker.queue.idle();
      await worker.queue.idle();
      expect(passes.sort((a, b) => a.installationId.localeCompare(b.installationId))).toEqual(
        portals.map((portal) => ({ installationId: portal.id, marks: 10 })).sort((a, b) => a.installationId.localeCompare(b.installationId)),
      );
    });
  });
}
