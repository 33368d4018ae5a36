import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { startAppCluster, type AppCluster } from '../../src/sandbox/demo/app-cluster';
import { load, noter } from '../bench-kit';
import type { LoadInput, LoadResult } from './event-load';
import { buildEventTargets, type EventTarget } from './event-targets';
import { startFleet, type Fleet, type PortalStats } from './portal-fleet';
import { cpuSecondsOf, startRssSampler, type RssSummary } from './proc-sampler';
import { entityKey, openAppDb, scratchDatabase, type AppDb, type CycleJob } from './scale-db';
import { eventFate, percentiles, splitInstallations, type EventFate, type Percentiles, type ScaleFlags } from './scale-kit';

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
  events: {
    sent: number;
    targets: number;
    statuses: Record<string, number>;
    ackMs: Percentiles;
    /** How late the generator sent against the schedule (its own lag on a busy box). */
    lateMs: Percentiles;
    achievedPerSecond: number;
    /** CPU the web process spent from the first event to the last answer, per event (ms). */
    webCpuMsPerEvent: number;
    fates: Record<EventFate, number>;
    settleSeconds: number;
    outstandingMarks: number;
  } | null;
  rss: RssSummary[];
  loads: string[];
}

const ROOT = resolve(__dirname, '../..');
/** Jobs each worker runs at once (the app's default, KAM_JOB_CONCURRENCY), set explicitly so the report can use it. */
export const JOB_CONCURRENCY = 4;
const note = noter('scale');
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

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

async function runEventLoad(targets: EventTarget[], flags: ScaleFlags, dir: string): Promise<LoadResult> {
  const input: LoadInput = { rate: flags.eventsPerSecond, seconds: flags.seconds, seed: flags.seed, targets };
  const inFile = join(dir, 'events-in.json');
  const outFile = join(dir, 'events-out.json');
  writeFileSync(inFile, JSON.stringify(input));
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', join(__dirname, 'event-load.ts'), inFile, outFile], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`the event load generator exited with ${code}`);
  return JSON.parse(readFileSync(outFile, 'utf8')) as LoadResult;
}

/** Until no dirty mark is left, or their count has not moved for 15 s, or 120 s have passed. */
async function settle(db: AppDb): Promise<{ seconds: number; outstanding: number }> {
  const started = Date.now();
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const outstanding = (await db.dirtyMarks()).size;
    if (outstanding !== last) {
      last = outstanding;
      lastChange = Date.now();
    }
    if (outstanding === 0 || Date.now() - lastChange > 15_000 || Date.now() - started > 120_000) return { seconds: (Date.now() - started) / 1000, outstanding };
    await sleep(1000);
  }
}

async function measureEvents(flags: ScaleFlags, fleet: Fleet, db: AppDb, cluster: AppCluster, dir: string): Promise<NonNullable<RoundResult['events']>> {
  const targets = await buildEventTargets({ portals: fleet.portals, db, webUrl: cluster.web.url, perKind: 10 });
  note(`event load: ${flags.eventsPerSecond}/s for ${flags.seconds} s over ${targets.length} entities of ${new Set(targets.map((t) => t.installationId)).size} installations; load ${load()}`);
  await db.keepClearedMarks();
  const cpuBefore = cpuSecondsOf(cluster.web.pid);
  const result = await runEventLoad(targets, flags, dir);
  const cpuAfter = cpuSecondsOf(cluster.web.pid);
  note(`event load sent ${result.events.length}; waiting for the dirty marks to settle; load ${load()}`);
  const settled = await settle(db);
  const markedNow = await db.dirtyMarks();
  const cleared = await db.clearedMarks();
  const statuses: Record<string, number> = {};
  const fates: Record<EventFate, number> = { marked: 0, reread: 0, lost: 0 };
  const acked = result.events.filter((event) => event[4] >= 200 && event[4] < 300);
  for (const [, , , , status] of result.events) statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
  for (const [index, , sentAt] of acked) {
    const target = targets[index] as EventTarget;
    const key = entityKey(target.installationId, target.kind, target.crmId);
    fates[eventFate(sentAt, { markedNow: markedNow.has(key), lastMarkCleared: cleared.get(key) ?? null })] += 1;
  }
  const sentTimes = result.events.map((event) => event[2]);
  const span = (Math.max(...sentTimes) - Math.min(...sentTimes)) / 1000;
  return {
    sent: result.events.length,
    targets: targets.length,
    statuses,
    ackMs: percentiles(acked.map((event) => event[3])),
    lateMs: percentiles(result.events.map((event) => event[2] - event[1])),
    achievedPerSecond: span > 0 ? result.events.length / span : result.events.length,
    webCpuMsPerEvent: cpuBefore !== null && cpuAfter !== null ? ((cpuAfter - cpuBefore) * 1000) / Math.max(1, result.events.length) : Number.NaN,
    fates,
    settleSeconds: settled.seconds,
    outstandingMarks: settled.outstanding,
  };
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
    note(`round with ${workers} worker(s): starting ${split.bitrix24} Bitrix24 portals and ${split.amocrm} amoCRM accounts; load ${load()}`);
    const fleet = await startFleet({ ...split, companies: flags.companies, contacts: flags.contacts, deals: flags.deals, seed: flags.seed });
    cleanup.unshift(() => fleet.close());
    const cluster = await startAppCluster({
      workers,
      env: { ...fleet.appEnv, DATABASE_URL: database.url, KAM_ENCRYPTION_KEY: randomBytes(32).toString('base64'), KAM_DATA_DIR: dir, KAM_LOG_LEVEL: 'warn', KAM_LOG_FORMAT: 'json', KAM_DEFAULT_LANG: 'en', KAM_JOB_CONCURRENCY: String(JOB_CONCURRENCY) },
      logDir: join(dir, 'logs'),
    });
    cleanup.unshift(() => cluster.stop());
    fleet.front.setTarget(cluster.web.url);
    const sampler = startRssSampler([
      { label: 'web', pid: cluster.web.pid },
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
    const waited = await waitForFirstPasses(db, () => installing, fleet.portals.length, started + flags.timeoutSeconds * 1000);
    await installs;
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
    let events: RoundResult['events'] = null;
    try {
      if (first.length > 0) events = await measureEvents(flags, fleet, db, cluster, dir);
    } catch (error) {
      // The sync figures still stand; the report says the event phase did not complete.
      note(`event phase failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    loads.push(load());
    return { workers, installations: { asked: fleet.portals.length, installed: (await db.installations()).length, failures }, sync, portals, events, rss: sampler.stop(), loads };
  } finally {
    for (const step of cleanup) await step().catch((error: unknown) => note(`cleanup: ${error instanceof Error ? error.message : String(error)}`));
  }
}
