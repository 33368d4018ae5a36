import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import axios from 'axios';
import { alive } from './pid-alive';
import { scratchDatabase } from './scratch-database';

/** `kam serve --role web --processes N`: N processes on one port, a dead one replaced, all stopped by SIGTERM. */
jest.setTimeout(120_000);
const databaseUrl = process.env.TEST_DATABASE_URL;
const KAM = resolve(__dirname, '../../../bin/kam.js');
// A fresh connection per request: the cluster's primary hands each new connection to the next child.
// A connection the primary handed to a child just as it was killed is never answered (node:cluster
// drops it with the child), so each request has a deadline and a lost one is simply asked again.
const fresh = axios.create({ httpAgent: new http.Agent({ keepAlive: false }), validateStatus: () => true, timeout: 3_000 });
/** How long the children may take to be seen answering before the test says what it saw. */
const SEEN_WITHIN_MS = 60_000;


const baseEnv = (extra: Record<string, string>) => ({ ...process.env, KAM_DATA_DIR: mkdtempSync(join(tmpdir(), 'kam-procs-')), KAM_LOG_LEVEL: 'warn', KAM_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ...extra });

it('refuses --processes with --role all, and without PostgreSQL, naming what is missing', () => {
  const all = spawnSync(process.execPath, [KAM, 'serve', '--processes', '2', '--port', '0'], { env: baseEnv({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }), encoding: 'utf8' });
  expect(all.status).toBe(1);
  expect(all.stderr).toContain('--role web or --role worker');
  const sqlite = spawnSync(process.execPath, [KAM, 'serve', '--role', 'web', '--processes', '2', '--port', '0'], { env: baseEnv({ DATABASE_URL: '' }), encoding: 'utf8' });
  expect(sqlite.status).toBe(1);
  expect(sqlite.stderr).toContain('DATABASE_URL');
  const zero = spawnSync(process.execPath, [KAM, 'serve', '--role', 'web', '--processes', '0'], { env: baseEnv({}), encoding: 'utf8' });
  expect(zero.status).not.toBe(0);
  expect(zero.stderr).toContain('--processes');
});

if (!databaseUrl) {
  console.warn('kam serve --processes skipped: set TEST_DATABASE_URL (e.g. eval "$(bash .ci/postgres.sh)").');
} else {
  describe('kam serve --role web --processes 2 on PostgreSQL', () => {
    const database = scratchDatabase(databaseUrl, 'kam_procs');
    let primary: ChildProcess | null = null;
    beforeAll(() => database.create());
    afterAll(async () => {
      if (primary && primary.exitCode === null) primary.kill('SIGKILL');
      await database.drop();
    });

    /** What the primary and its children wrote to stderr, for a failure's message. */
    let stderr = '';
    /** The pids answering /health, asking until `until` holds (each answer comes from one child). */
    const healthPids = async (url: string, what: string, until: (seen: Set<number>) => boolean): Promise<Set<number>> => {
      const seen = new Set<number>();
      const outcomes = new Map<string, number>();
      const deadline = Date.now() + SEEN_WITHIN_MS;
      while (!until(seen)) {
        if (Date.now() > deadline) {
          throw new Error(`${what}: not seen within ${SEEN_WITHIN_MS} ms; pids seen ${JSON.stringify([...seen])}, answers ${JSON.stringify(Object.fromEntries(outcomes))}; stderr:\n${stderr.slice(-4_000)}`);
        }
        const outcome = await fresh.get<{ pid?: number; role?: string }>(`${url}/health`).then(
          (answer) => {
            if (answer.status === 200 && answer.data.role === 'web' && typeof answer.data.pid === 'number') seen.add(answer.data.pid);
            return `status ${answer.status}`;
          },
          (error: unknown) => (axios.isAxiosError(error) ? (error.code ?? error.message) : String(error)),
        );
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
      return seen;
    };

    it('serves from both children on one port, replaces a killed child, and stops every child on SIGTERM', async () => {
      primary = spawn(process.execPath, [KAM, 'serve', '--role', 'web', '--processes', '2', '--port', '0'], { env: baseEnv({ DATABASE_URL: database.url }), stdio: ['ignore', 'pipe', 'pipe'] });
      primary.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => primary?.once('exit', (code, signal) => done({ code, signal })));
      const line = await new Promise<string>((done, fail) => {
        createInterface({ input: primary?.stdout as NodeJS.ReadableStream }).once('line', done);
        void exited.then(({ code }) => fail(new Error(`the primary exited (${code}) before it listened`)));
      });
      const ready = JSON.parse(line) as { url: string; role: string; processes: number; pids: number[] };
      expect(ready).toMatchObject({ role: 'web', processes: 2 });
      expect(ready.pids).toHaveLength(2);
      expect(ready.pids).not.toContain(primary.pid);

      // Both children answer on the one port.
      const both = await healthPids(ready.url, 'both children answering', (seen) => ready.pids.every((pid) => seen.has(pid)));
      expect([...both].sort()).toEqual([...ready.pids].sort());

      // A child that dies is replaced: a third pid answers, beside the survivor.
      const [victim, survivor] = ready.pids as [number, number];
      process.kill(victim, 'SIGKILL');
      const after = await healthPids(ready.url, 'a replacement beside the survivor', (seen) => [...seen].some((pid) => !ready.pids.includes(pid)) && seen.has(survivor));
      const replacement = [...after].find((pid) => !ready.pids.includes(pid)) as number;
      expect(alive(victim)).toBe(false);

      primary.kill('SIGTERM');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect([survivor, replacement].filter(alive)).toEqual([]);
    });

    it('exits 1 with the reason when its processes cannot start (another encryption key than the database was made with)', async () => {
      const run = await new Promise<{ code: number | null; stderr: string }>((done) => {
        const child = spawn(process.execPath, [KAM, 'serve', '--role', 'web', '--processes', '2', '--port', '0'], { env: baseEnv({ DATABASE_URL: database.url }), stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('close', (code) => done({ code, stderr }));
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('encryption key does not match');
      expect(run.stderr).toContain('exited before it listened');
    });
  });
}
