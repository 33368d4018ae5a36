import type { AppCluster } from '../../src/sandbox/demo/app-cluster';
import { eventLoopSince, load, noter, type EventLoopFigures } from '../bench-kit';
import { buildEventTargets, type EventTarget } from './event-targets';
import { runEventLoad } from './run-event-load';
import type { Fleet } from './portal-fleet';
import { cpuSecondsOf } from './proc-sampler';
import { entityKey, type AppDb } from './scale-db';
import { eventFate, percentiles, type EventFate, type Percentiles } from './scale-kit';

/**
 * The scale bench's event phase: at each rate in turn, signed CRM events straight to the web
 * port for `seconds` (open loop, from a process of its own), then, once the dirty marks settle,
 * where each acknowledged event ended; and the CPU each web process spent per event.
 */
export interface EventRun {
  rate: number;
  sent: number;
  targets: number;
  statuses: Record<string, number>;
  ackMs: Percentiles;
  /** How late the generator sent against the schedule (its own lag on a busy box). */
  lateMs: Percentiles;
  achievedPerSecond: number;
  /** CPU from the first event to the last answer, per event (ms): every web process together, and each ('primary' hands connections to the others). */
  webCpuMsPerEvent: number;
  webCpuByProcess: Array<{ label: string; msPerEvent: number }>;
  fates: Record<EventFate, number>;
  settleSeconds: number;
  /** The answering web process's event-loop delay while the rate ran (with several web processes, the one /health reached). */
  eventLoop: EventLoopFigures | null;
  /** How long the rate waited, before it began, for the cluster to be at rest (no cycle job waiting or running). */
  quietSeconds: number;
  outstandingMarks: number;
  /** Cycle jobs created for the installations while this rate's events were taken and settled. */
  passes: number;
}

const note = noter('scale');
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

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

/** A cycle job pg-boss still holds for work: waiting, due for a retry, or running. */
const PENDING = new Set(['created', 'retry', 'active']);
/** Longer than a web process's 5 s spacing of an installation's pass sends: a send still due would show. */
const AT_REST_MS = 6_000;

/**
 * Until no cycle job has waited or run for AT_REST_MS (at most 180 s): each rate's acks are then
 * measured beside the passes that rate causes, not beside the previous rate's, which on the
 * bench's shared cores would still be running (and what they cost is in the pass figures).
 */
async function atRest(db: AppDb): Promise<number> {
  const started = Date.now();
  let restSince = Date.now();
  for (;;) {
    const pending = (await db.cycleJobs()).some((job) => PENDING.has(job.state));
    if (pending) restSince = Date.now();
    if (Date.now() - restSince >= AT_REST_MS || Date.now() - started > 180_000) return (Date.now() - started) / 1000;
    await sleep(500);
  }
}

/** The web processes whose CPU is read: the children of a `--processes N` primary and the primary itself, or the one web process. */
const webProcesses = (cluster: AppCluster) =>
  cluster.web.pids.length > 1 || cluster.web.pids[0] !== cluster.web.pid
    ? [...cluster.web.pids.map((pid, i) => ({ label: `web ${i + 1}`, pid })), { label: 'primary', pid: cluster.web.pid }]
    : [{ label: 'web', pid: cluster.web.pid }];

export async function measureEvents(options: { rates: number[]; seconds: number; seed: number; generators: number; fleet: Fleet; db: AppDb; cluster: AppCluster; dir: string }): Promise<EventRun[]> {
  const { db, cluster } = options;
  const targets = await buildEventTargets({ portals: options.fleet.portals, db, webUrl: cluster.web.url, perKind: 10 });
  await db.keepClearedMarks();
  const runs: EventRun[] = [];
  for (const rate of options.rates) {
    const quietSeconds = await atRest(db);
    note(`event load: ${rate}/s for ${options.seconds} s over ${targets.length} entities of ${new Set(targets.map((t) => t.installationId)).size} installations; load ${load()}`);
    const jobsBefore = (await db.cycleJobs()).length;
    const processes = webProcesses(cluster);
    const cpuBefore = processes.map((proc) => cpuSecondsOf(proc.pid));
    const since = Date.now();
    const result = await runEventLoad({ targets, rate, seconds: options.seconds, seed: options.seed + rate, dir: options.dir, generators: options.generators, label: String(rate) });
    const cpuAfter = processes.map((proc) => cpuSecondsOf(proc.pid));
    const eventLoop = await eventLoopSince(cluster.web.url, since).catch(() => null);
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
    const perEvent = (before: number | null | undefined, after: number | null | undefined) =>
      before !== null && before !== undefined && after !== null && after !== undefined ? ((after - before) * 1000) / Math.max(1, result.events.length) : Number.NaN;
    const byProcess = processes.map((proc, i) => ({ label: proc.label, msPerEvent: perEvent(cpuBefore[i], cpuAfter[i]) }));
    runs.push({
      rate,
      sent: result.events.length,
      targets: targets.length,
      statuses,
      ackMs: percentiles(acked.map((event) => event[3])),
      lateMs: percentiles(result.events.map((event) => event[2] - event[1])),
      achievedPerSecond: span > 0 ? result.events.length / span : result.events.length,
      webCpuMsPerEvent: byProcess.reduce((sum, proc) => sum + proc.msPerEvent, 0),
      webCpuByProcess: byProcess,
      fates,
      settleSeconds: settled.seconds,
      quietSeconds,
      eventLoop,
      outstandingMarks: settled.outstanding,
      passes: (await db.cycleJobs()).length - jobsBefore,
    });
  }
  return runs;
}
