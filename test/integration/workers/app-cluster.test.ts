import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import axios from 'axios';
import { startAppCluster } from '../../../src/sandbox/demo/app-cluster';
import { alive } from './pid-alive';
import { scratchDatabase } from './scratch-database';

/** The launcher behind `kam demo --workers` and the scale bench: real `kam serve` children, none left behind. */
jest.setTimeout(90_000);
const databaseUrl = process.env.TEST_DATABASE_URL;

/** Resolves when the process is gone (polls the pid: it is not our child, so no exit event reaches us). */
const gone = async (pid: number) => {
  while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
};

it('refuses to start without DATABASE_URL', async () => {
  await expect(startAppCluster({ workers: 1, env: {} })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('DATABASE_URL') });
});

if (!databaseUrl) {
  console.warn('app cluster on PostgreSQL skipped: set TEST_DATABASE_URL (e.g. eval "$(bash .ci/postgres.sh)").');
} else {
  describe('web and worker processes', () => {
    const database = scratchDatabase(databaseUrl, 'kam_cluster');
    // One key for the database: every process of it must agree.
    const key = randomBytes(32).toString('base64');
    const env = () => ({ DATABASE_URL: database.url, KAM_ENCRYPTION_KEY: key, KAM_DATA_DIR: mkdtempSync(join(tmpdir(), 'kam-cluster-')), KAM_LOG_LEVEL: 'warn' });
    beforeAll(() => database.create());
    afterAll(() => database.drop());

    it('starts one web and N workers, each answering /health with its role; kill() and stop() leave nothing running', async () => {
      const cluster = await startAppCluster({ workers: 2, env: env() });
      const pids = [cluster.web.pid, ...cluster.workers.map((worker) => worker.pid)];
      try {
        const roles = await Promise.all([cluster.web, ...cluster.workers].map(async (child) => (await axios.get<{ role: string }>(`${child.url}/health`)).data.role));
        expect(roles).toEqual(['web', 'worker', 'worker']);
        // Workers run setup jobs too: the address they register with the CRM is the web process's.
        const publicUrls = await Promise.all(cluster.workers.map(async (worker) => (await axios.get<{ publicUrl?: string }>(`${worker.url}/health`)).data.publicUrl));
        expect(publicUrls).toEqual([cluster.web.url, cluster.web.url]);
        const victim = cluster.workers[0]!;
        await cluster.kill(victim.pid);
        expect(await victim.exited).toMatchObject({ signal: 'SIGKILL' });
        expect(cluster.all().map((child) => child.pid)).toEqual(pids.filter((pid) => pid !== victim.pid));
      } finally {
        await cluster.stop();
      }
      expect(pids.filter(alive)).toEqual([]);
    });

    it('with webProcesses 2 runs the web role as a primary with two children on one port; stop() ends them all', async () => {
      const cluster = await startAppCluster({ workers: 1, webProcesses: 2, env: env() });
      const pids = [cluster.web.pid, ...cluster.web.pids, ...cluster.workers.map((worker) => worker.pid)];
      try {
        expect(cluster.web.pids).toHaveLength(2);
        expect(cluster.web.pids).not.toContain(cluster.web.pid);
        expect(pids.every(alive)).toBe(true);
      } finally {
        await cluster.stop();
      }
      expect(pids.filter(alive)).toEqual([]);
    });

    it('children exit by themselves when the process that started them is SIGKILLed', async () => {
      const script = `
        const { startAppCluster } = require(${JSON.stringify(require.resolve('../../../src/sandbox/demo/app-cluster'))});
        startAppCluster({ workers: 1, env: JSON.parse(process.env.CLUSTER_ENV) }).then((cluster) => {
          console.log(JSON.stringify(cluster.all().map((child) => child.pid)));
        });`;
      const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, CLUSTER_ENV: JSON.stringify(env()) }, stdio: ['ignore', 'pipe', 'inherit'] });
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: parent.stdout }).once('line', resolve);
        parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before its cluster was up`)));
      });
      const pids = JSON.parse(line) as number[];
      expect(pids).toHaveLength(2);
      expect(pids.every(alive)).toBe(true);
      parent.kill('SIGKILL');
      await Promise.all(pids.map(gone));
      expect(pids.filter(alive)).toEqual([]);
    });
  });
}
