import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startAppCluster } from '../../src/sandbox/demo/app-cluster';
import type { SandboxCheck } from '../../test/integration/workers/sandbox-checks';
import { load, noter } from '../bench-kit';
import { measureEvents, type EventRun } from './event-phase';
import { startFleet, type PortalStats } from './portal-fleet';
import { startRssSampler, type RssSummary } from './proc-sampler';
import { openAppDb, scratchDatabase, type AppDb, type CycleJob } from './scale-db';
import { percentiles, splitInstallations, type Percentiles, type ScaleFlags } from './scale-kit';
import { startWorkerKiller, type WorkerKill } from './worker-kill';

/**
 * One round of the scale bench: a database, the portals and `workers` worker processes of their
 * own; every portal installs the app; the round waits for every installation's first full pass,
 * then sends the event load and checks where each event ended. Everything it started is stopped
 * and dropped before it returns, whatever happened.
 */
export interface RoundResult {
  workers: number;
  /** installed: what the app stored; failures: installs the portal saw fail (the app may still have stored them). */
  installations: { asked: number; installed: number; failures: string[] };
  sync: {
    /** Installations whose first full pass completed. */
    completed: number;
    failedJobs: number;
    /** From the first install request to the last first-full-pass done. */
    seconds: number;
    /** From the first full pass's start to the last one's end (setup at install excluded). */
    cycleSeconds: number;
    installSeconds: number;
    /** Per-installation first full pass duration, seconds. */
    passSeconds: Percentiles;
    timedOut: boolean;
  };
  portals: PortalStats[];
  /** One run per event rate, in order; empty when the event phase did not complete. */
  events: EventRun[];
  /** The worker killed while writing back during the first passes (rounds with 2+ workers), if one was. */
  kill: WorkerKill | null;
  /** Cycle jobs that needed more than one attempt. */
  retriedJobs: number;
  /** The portals' own state at the end of the round: companies tiered, to-dos and KPI comments written twice. */
  check: SandboxCheck | null;
  rss: RssSummary[];
  loads: string[];
}

/** Jobs each worker runs at once (the app's default, KAM_JOB_CONCURRENCY), set explicitly so the report can use it. */
export const JOB_CONCURRENCY = 4;
const note = noter('scale');
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
/** A killed worker's job is handed to another after this many seconds without its heartbeat. */
const STALE_SECONDS = 6;

/**
 * Installation -> its first cycle job that completed (pg-boss keeps completed jobs for days).
 * Whatever its mode: a cycle first finishes every stream's unfinished full walk (runCycle ->
 * sync.full()), so the first completed cycle is the first full pass. (Under load a Bitrix24
 * install's `full` job can be missing altogether: its first pass then came as `incremental`.)
 */
function firstFullPasses(jobs: CycleJob[]): Map<string, CycleJob> {
  const first = new Map<string, CycleJob>();
  for (const job of jobs) {
    if (job.state !== 'completed' || job.completedOn === null) continue;
    const seen = first.get(job.installationId);
    if (!seen || (seen.completedOn as number) > job.completedOn) first.set(job.installationId, job);
  }
  return first;
}

/**
 * Until every installation the app stored has its first full pass (while installs are still
 * running, every portal counts: an install the portal gave up on may still have been stored).
 */
async function waitForFirstPasses(db: AppDb, installing: () => boolean, portals: number, deadline: number): Promise<{ jobs: CycleJob[]; timedOut: boolean }> {
  let lastTenth = -1;
  let lastNote = 0;
  for (;;) {
    const jobs = await db.cycleJobs();
    const done = firstFullPasses(jobs).size;
    const expected = installing() ? portals : (await db.installations()).length;
    const tenth = Math.floor((done * 10) / Math.max(1, expected));
    if (tenth !== lastTenth || Date.now() - lastNote > 30_000) {
      note(`first full passes done: ${done} / ${expected}; load ${load()}`);
      lastTenth = tenth;
      lastNote = Date.now();
    }
    if (expected > 0 && done >= expected) return { jobs, timedOut: false };
    if (Date.now() > deadline) return { jobs, timedOut: true };
    await sleep(1000);
  }
}

/**
 * Lowers a process's CPU priority, every thread of it: on Linux a nice value is a thread's, and
 * setpriority(pid) alone would leave the threads already started (libuv's pool, V8's helpers) at
 * the old one. Threads started later (the evaluation pool) inherit it from the main thread.
 */
function reniceProcess(pid: number, nice: number): void {
  let threads: string[] = [];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    threads = [String(pid)];
  }
  for (const tid of threads) os.setPriority(Number(tid), nice);
}

export async function runRound(flags: ScaleFlags, workers: number, adminUrl: string): Promise<RoundResult> {
  const loads = [load()];
  const dir = mkdtempSync(join(os.tmpdir(), 'kam-bench-scale-'));
  const database = scratchDatabase(adminUrl, 'kam_scale');
  const cleanup: Array<() => Promise<unknown>> = [async () => rmSync(dir, { recursive: true, force: true })];
  try {
    await database.create();
    cleanup.unshift(() => database.drop());
    const split = splitInstallations(flags.installations);
    note(`round with ${flags.web} web and ${workers} worker process(es): starting ${split.bitrix24} Bitrix24 portals and ${split.amocrm} amoCRM accounts; load ${load()}`);
    const fleet = await startFleet({ ...split, companies: flags.companies, contacts: flags.contacts, deals: flags.deals, seed: flags.seed });
    cleanup.unshift(() => fleet.close());
    const cluster = await startAppCluster({
      workers,
      webProcesses: flags.web,
      env: {
        ...fleet.appEnv, DATABASE_URL: database.url, KAM_ENCRYPTION_KEY: randomBytes(32).toString('base64'), KAM_DATA_DIR: dir, KAM_LOG_LEVEL: 'warn', KAM_LOG_FORMAT: 'json',
        KAM_DEFAULT_LANG: 'en', KAM_JOB_CONCURRENCY: String(JOB_CONCURRENCY), KAM_WORKER_STALE_SECONDS: String(STALE_SECONDS),
      },
      logDir: join(dir, 'logs'),
      // BENCH_SERVE_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": node flags for the web process only.
      webNodeArgs: (process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== ''),
    });
    cleanup.unshift(() => cluster.stop());
    if (flags.workerNice > 0) for (const worker of cluster.workers) reniceProcess(worker.pid, flags.workerNice);
    fleet.front.setTarget(cluster.web.url);
    const sampler = startRssSampler([
      ...(cluster.web.pids.length > 1 ? [...cluster.web.pids.map((pid, i) => ({ label: `web ${i + 1}`, pid })), { label: 'web primary', pid: cluster.web.pid }] : [{ label: 'web', pid: cluster.web.pid }]),
      ...cluster.workers.map((worker) => ({ label: `worker ${worker.index}`, pid: worker.pid })),
      { label: 'bench (portals + front)', pid: process.pid },
    ]);
    const db = await openAppDb(database.url);
    cleanup.unshift(() => db.close());

    const started = Date.now();
    let installedAt = 0;
    let failures: string[] = [];
    let installing = true;
    const installs = fleet.installAll(8).then((failed) => {
      failures = failed;
      installedAt = Date.now();
      installing = false;
      note(`installs done in ${((installedAt - started) / 1000).toFixed(1)} s (${failed.length} failed); load ${load()}`);
    });
    // With another worker to take its job over, one is killed while it writes back.
    const killer = flags.killWorker && workers >= 2 ? startWorkerKiller({ db, cluster, started }) : null;
    const waited = await waitForFirstPasses(db, () => installing, fleet.portals.length, started + flags.timeoutSeconds * 1000);
    await installs;
    const kill = (await killer?.stop()) ?? null;
    loads.push(load());
    const first = [...firstFullPasses(waited.jobs).values()];
    const lastDone = Math.max(...first.map((job) => job.completedOn as number));
    const firstStart = Math.min(...first.map((job) => job.startedOn ?? job.createdOn));
    const portals = await fleet.stats();
    const sync: RoundResult['sync'] = {
      completed: first.length,
      failedJobs: waited.jobs.filter((job) => job.state === 'failed').length,
      seconds: first.length ? (lastDone - started) / 1000 : Number.NaN,
      cycleSeconds: first.length ? (lastDone - firstStart) / 1000 : Number.NaN,
      installSeconds: ((installedAt || Date.now()) - started) / 1000,
      passSeconds: percentiles(first.map((job) => ((job.completedOn as number) - (job.startedOn ?? job.createdOn)) / 1000)),
      timedOut: waited.timedOut,
    };
    note(`round ${workers}: ${first.length} first full passes in ${sync.seconds.toFixed(1)} s; load ${load()}`);
    let events: EventRun[] = [];
    try {
      if (first.length > 0) events = await measureEvents({ rates: flags.rates, seconds: flags.seconds, seed: flags.seed, generators: flags.generators, fleet, db, cluster, dir });
    } catch (error) {
      // The sync figures still stand; the report says the event phase did not complete.
      note(`event phase failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    loads.push(load());
    const check = await fleet.check().catch((error: unknown) => {
      note(`the portals' state could not be read: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    });
    const retriedJobs = (await db.cycleJobs()).filter((job) => job.retries > 0).length;
    return { workers, installations: { asked: fleet.portals.length, installed: (await db.installations()).length, failures }, sync, portals, events, kill, retriedJobs, check, rss: sampler.stop(), loads };
  } finally {
    for (const step of cleanup) await step().catch((error: unknown) => note(`cleanup: ${error instanceof Error ? error.message : String(error)}`));
  }
}
