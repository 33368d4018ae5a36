import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { KamError } from '../../core/errors';
import type { RequestCounts } from '../../core/ports/crm-connector.port';
import type { Storage } from '../../core/ports/storage.port';
import { requestsSince } from '../../connectors/shared/request-meter';
import { CYCLE_JOB } from '../../jobs/reconcile.job';
import type { JobAttempt } from '../../jobs/job-attempts';
import { createPgBossQueue, type JobStatus, type PgBossQueue } from '../../jobs/pg-boss-queue';
import type { AppCluster, AppClusterOptions } from '../../sandbox/demo/app-cluster';
import { createStorage } from '../../storage/create-storage';
import type { CycleReport } from '../cycle/run-cycle';
import { passTierChanges } from '../settings/demo-settings';
import type { DemoSandbox } from './demo-driver';
import { createKillGate, type KillGate, type KillPhase } from './kill-gate';
import { toPass, type DemoOptions, type DemoPass } from './run-demo';

/**
 * `kam demo --workers N`: the app as production runs it on PostgreSQL, one web and N worker
 * processes (`kam serve --role web|worker`), against the same in-process sandbox as the
 * one-process demo. The sandbox installs the app through the web process; each pass is a cycle
 * job sent through the shared queue (pg-boss) and followed in the database until it completes
 * (a retried job keeps its id). With `killAt`, the worker running pass 1 is SIGKILLed while a
 * request of that phase is on the wire (kill-gate.ts): another worker takes its job over
 * (worker-registry.ts) and the pass still completes.
 */
export type { KillPhase };

/** The one-process demo's portal, passes and callbacks (DemoOptions), plus the processes' own. */
export interface WorkersDemoOptions<Handle = unknown>
  extends Pick<DemoOptions<Handle>, 'driver' | 'companies' | 'contacts' | 'deals' | 'seed' | 'passes' | 'changes' | 'faults' | 'tokenTtlSeconds' | 'freshPortal' | 'dataDir' | 'logger' | 'onPassStart' | 'onProgress'> {
  workers: number;
  killAt?: KillPhase;
  /** The worker dies waiting for the answer to its n-th request of that phase (default 1). */
  killAtRequest?: number;
  /** The demo works in a database of its own next to this one (`<name>_demo`), made afresh each run. */
  databaseUrl: string;
  /** The launcher (src/sandbox/demo/app-cluster.ts), passed in so the app layer never loads the sandbox. */
  startCluster(options: AppClusterOptions): Promise<AppCluster>;
  /** Drops and creates the demo database; resolves with its URL. */
  freshDatabase(databaseUrl: string, name: string): Promise<string>;
  /** Drops the demo database when the run closes (`close()`, or a failed start); left out, or with `keepDatabase`, it stays. */
  dropDatabase?(databaseUrl: string, name: string): Promise<void>;
  keepDatabase?: boolean;
  /** A worker silent this long is taken for dead (default: the app's, 30 s). */
  workerStaleSeconds?: number;
}

export interface WorkersDemoRun<Handle = unknown> {
  passes: DemoPass[];
  sandbox: Record<string, unknown>;
  app: string;
  installationId: string;
  storage: Storage;
  crm: DemoSandbox<Handle>;
  workers: { count: number; killed: { pid: number; phase: KillPhase } | null; retriedJobs: number };
  /** Starts the processes again as `kam serve` runs them (events start passes, the reconcile runs); resolves with them. */
  serve(): Promise<AppCluster>;
  close(): Promise<void>;
}

/** How often the demo looks at the database while a pass runs. */
const WATCH_MS = 100;
/** A pass of one installation may take long (a full sync at the CRM's rate limit), never this long. */
const PASS_LIMIT_MS = 6 * 60 * 60 * 1000;
const SHARE: Record<string, number> = { setup: 0.02, sync: 0.1, evaluate: 0.8, writeBack: 0.85 };

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** `<database>_demo` beside the configured one. */
export function demoDatabaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, '')) || 'postgres';
  return `${name.slice(0, 50)}_demo`;
}

export async function runWorkersDemo<Handle>(options: WorkersDemoOptions<Handle>): Promise<WorkersDemoRun<Handle>> {
  // Made before the sandbox, which asks it about each request; it reads the queue and kills in the cluster, both made later.
  let gate: KillGate | null = null;
  const sandbox = await options.driver.start({
    companies: options.companies, contacts: options.contacts, deals: options.deals, seed: options.seed,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.tokenTtlSeconds ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}),
    ...(options.freshPortal ? { freshPortal: true } : {}),
    ...(options.killAt ? { holdAnswer: async () => (gate ? gate.holdAnswer() : null) } : {}),
  });
  const closers: Array<() => Promise<void>> = [() => sandbox.close()];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer().catch((error: unknown) => options.logger.warn('demo: could not stop a part', { error }));
  };
  try {
    // Every run installs into a fresh database, so pass 1 is a true first install.
    const databaseUrl = await options.freshDatabase(options.databaseUrl, demoDatabaseName(options.databaseUrl));
    // Closed last (closers run newest first): after the processes, the store and the queue let go of it.
    const { dropDatabase } = options;
    if (dropDatabase && !options.keepDatabase) closers.push(() => dropDatabase(options.databaseUrl, demoDatabaseName(options.databaseUrl)));
    const key = randomBytes(32);
    const dataDir = resolve(options.dataDir);
    const staleSeconds = options.workerStaleSeconds ?? 30;
    const env = {
      ...sandbox.config,
      DATABASE_URL: databaseUrl,
      KAM_ENCRYPTION_KEY: key.toString('base64'),
      KAM_DATA_DIR: dataDir,
      KAM_LOG_LEVEL: 'info',
      KAM_LOG_FORMAT: 'json',
      KAM_WORKER_STALE_SECONDS: String(staleSeconds),
    };
    let cluster = await options.startCluster({
      workers: options.workers,
      logDir: `${dataDir}/logs`,
      env: {
        ...env,
        // The demo sends each pass itself (with the portfolio's day); events only mark what changed.
        KAM_AUTO_SYNC: 'false',
        // ... and no reconcile slips a pass of its own in between (the database is new each run).
        KAM_RECONCILE_CRON: '0 0 1 1 *',
      },
    });
    closers.push(() => cluster.stop());
    const storage = await createStorage({ databaseUrl, encryptionKey: key });
    closers.push(() => storage.close());
    const queue = await createPgBossQueue({ databaseUrl, logger: options.logger, concurrency: 1, work: false, staleSeconds });
    closers.push(() => queue.close());

    if (options.killAt) gate = createKillGate({ phase: options.killAt, nth: options.killAtRequest ?? 1, attempts: (id) => queue.attempts(id), workers: () => queue.workers(), kill: (pid) => cluster.kill(pid) });
    const crm = options.driver.crm;
    options.onPassStart?.(1, 'full');
    const installStarted = Date.now();
    await sandbox.install(cluster.web.url);
    const installation = await storage.installations.findByExternalId(crm, sandbox.externalId);
    if (!installation) throw new KamError('NOT_FOUND', 'The install did not store an installation');

    const jobIds: string[] = [];
    const runPass = async (mode: 'full' | 'incremental', killer: KillGate | null, started: number): Promise<{ report: CycleReport; seconds: number }> => {
      const id = await queue.sendJob(CYCLE_JOB, { installationId: installation.id, mode, asOf: sandbox.anchorDate });
      jobIds.push(id);
      killer?.watch(id);
      const job = await follow(queue, id, async (workers) => {
        const busy = workers.find((worker) => worker.jobs.some((job) => job.id === id));
        const phase = busy?.jobs.find((job) => job.id === id)?.phase ?? null;
        options.onProgress?.(phase ? (SHARE[phase] ?? 0) : 0, busy ? `worker ${busy.pid}: ${phase ?? 'start'}` : 'queued');
      });
      if (job.state !== 'completed') {
        const reason = (job.output as { message?: string } | null)?.message ?? job.state;
        throw new KamError('INTERNAL', `Pass ${mode} ended ${job.state} after ${job.retries + 1} attempt(s): ${reason} (logs: ${dataDir}/logs)`);
      }
      options.onProgress?.(1, 'done');
      // Every earlier attempt's cost (a killed worker's, kept request by request in the database) is part of the pass's.
      const earlier = earlierAttempts(await queue.attempts(id));
      return { report: withEarlier(job.output as CycleReport, earlier), seconds: (Date.now() - started) / 1000 };
    };

    const passes: DemoPass[] = [];
    const first = await runPass('full', gate, installStarted);
    const killed = gate?.killed() ?? null;
    if (gate && !killed) {
      const why = gate.failure()?.message ?? `the job made fewer than ${options.killAtRequest ?? 1} request(s) of phase ${options.killAt}`;
      throw new KamError('INTERNAL', `Pass 1 ended with no worker killed at ${options.killAt}: ${why}`);
    }
    let tiers = await passTierChanges(storage, installation.id, new Map());
    passes.push(toPass(first.report, first.report.api, first.seconds, tiers));
    for (let pass = 2; pass <= options.passes; pass += 1) {
      options.onPassStart?.(pass, 'incremental');
      const started = Date.now();
      await sandbox.mutate(options.changes, options.seed + pass);
      const { report, seconds } = await runPass('incremental', null, started);
      tiers = await passTierChanges(storage, installation.id, tiers.tiers);
      passes.push(toPass(report, report.api, seconds, tiers));
    }
    let retriedJobs = 0;
    for (const id of jobIds) if (((await queue.job(id))?.retries ?? 0) > 0) retriedJobs += 1;
    return {
      passes, sandbox: sandbox.readyLine, app: cluster.web.url, installationId: installation.id, storage, crm: sandbox,
      workers: { count: options.workers, killed, retriedJobs }, close,
      async serve() {
        // Same web port: the CRM already sends its events there.
        const webPort = Number(new URL(cluster.web.url).port);
        await cluster.stop();
        cluster = await options.startCluster({ workers: options.workers, logDir: `${dataDir}/logs`, env, webPort });
        return cluster;
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** What an attempt at a cycle kept of itself (job-attempts.ts): its requests as they went out, its rows synced as each phase began. */
interface Sofar {
  requests?: RequestCounts;
  synced?: CycleReport['sync'];
}

/**
 * What every attempt but the one whose report is the job's output did (oldest first): that is the
 * last to end `completed`. An attempt can end `completed` and still be retried (its worker killed
 * after the attempt row was closed but before pg-boss heard the job was done): it is earlier work too.
 */
export function earlierAttempts(attempts: JobAttempt[]): Sofar[] {
  const output = attempts.map((attempt) => attempt.ended).lastIndexOf('completed');
  return attempts.filter((_, index) => index !== output).map((attempt) => attempt.sofar as Sofar);
}

/** The completed attempt's report plus what the attempts before it did (a killed or failed attempt's requests and rows synced). */
export function withEarlier(report: CycleReport, earlier: Sofar[]): CycleReport {
  const sync = { ...report.sync };
  const api = requestsSince(report.api, null);
  for (const attempt of earlier) {
    for (const key of Object.keys(sync) as Array<keyof typeof sync>) sync[key] += attempt.synced?.[key] ?? 0;
    const requests = attempt.requests;
    if (!requests) continue;
    api.requests += requests.requests;
    for (const phase of Object.keys(api.byPhase) as Array<keyof typeof api.byPhase>) api.byPhase[phase] += requests.byPhase[phase];
    for (const [method, count] of Object.entries(requests.byMethod)) api.byMethod[method] = (api.byMethod[method] ?? 0) + count;
    for (const [code, count] of Object.entries(requests.rejections)) api.rejections[code] = (api.rejections[code] ?? 0) + count;
  }
  return { ...report, sync, api };
}

/** Watches a job in the database until it completes or fails for good, calling `onTick` with the live workers meanwhile. */
async function follow(queue: PgBossQueue, id: string, onTick: (workers: Awaited<ReturnType<PgBossQueue['workers']>>) => Promise<void>): Promise<JobStatus> {
  const deadline = Date.now() + PASS_LIMIT_MS;
  for (;;) {
    const job = await queue.job(id);
    if (!job) throw new KamError('NOT_FOUND', `The cycle job ${id} is not in the queue`);
    if (job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled') return job;
    if (Date.now() > deadline) throw new KamError('INTERNAL', `The cycle job ${id} did not end within ${PASS_LIMIT_MS / 3_600_000} h`);
    await onTick(await queue.workers());
    await pause(WATCH_MS);
  }
}
