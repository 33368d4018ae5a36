import cluster, { type Worker } from 'node:cluster';
import { KamError } from '../core/errors';
import type { Logger } from '../logging/logger';
import type { ProcessRole } from '../main';

/**
 * `kam serve --role web|worker --processes N`: a primary that runs N copies of the process on
 * one port with node:cluster (https://nodejs.org/docs/latest-v20.x/api/cluster.html: the primary
 * accepts connections and hands them to the children in turn), restarts a child that dies, and
 * stops them all on SIGTERM / SIGINT. The children are plain `kam serve --role <role>` processes:
 * everything that must hold across them already lives in PostgreSQL (queue, marks, leases,
 * frame-check verdicts), which is why `--role all` (SQLite, an in-process queue) cannot have it.
 */
export interface ServeClusterOptions {
  processes: number;
  role: ProcessRole;
  /** The port every child listens on (already resolved: port 0 was replaced by a free one). */
  port: number;
  url: string;
  logger: Logger;
  /** Waits for the signal that stops the cluster (SIGTERM / SIGINT). */
  untilStopped: () => Promise<NodeJS.Signals>;
  /** How long the children may take to finish after SIGTERM before they are killed (default 30 s). */
  graceMs?: number;
}

/** A child that dies this soon after it started is restarted after a growing pause (a crash loop must not spin). */
const YOUNG_MS = 10_000;
const FIRST_PAUSE_MS = 1_000;
const MAX_PAUSE_MS = 30_000;

/** The node options a child needs: the parent's, without `-e`/`-p` and their code (the child runs the CLI file itself). */
export function childExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i += 1) {
    const arg = execArgv[i] as string;
    if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') {
      i += 1;
      continue;
    }
    if (/^--(eval|print)=/.test(arg)) continue;
    kept.push(arg);
  }
  return kept;
}

/** The pause before restarting a child that lived `livedMs`, after `youngDeaths` young deaths in a row. */
export function restartPauseMs(livedMs: number, youngDeaths: number): number {
  if (livedMs >= YOUNG_MS) return 0;
  return Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** Math.max(0, youngDeaths - 1));
}

/** Runs the primary until it is told to stop; resolves once every child has exited. */
export async function runServeCluster(options: ServeClusterOptions): Promise<void> {
  const { logger } = options;
  cluster.setupPrimary({
    exec: process.argv[1],
    args: ['serve', '--role', options.role, '--port', String(options.port)],
    execArgv: childExecArgv(process.execArgv),
  });
  const startedAt = new Map<Worker, number>();
  let stopping = false;
  let youngDeaths = 0;
  const timers = new Set<NodeJS.Timeout>();

  const fork = () => {
    const child = cluster.fork();
    startedAt.set(child, Date.now());
    return child;
  };
  const live = () => Object.values(cluster.workers ?? {}).filter((child): child is Worker => child !== undefined && !child.isDead());

  // Start: every child must come up once; one that dies before all listen stops the start.
  await new Promise<void>((ready, refuse) => {
    let listening = 0;
    const onListening = () => {
      listening += 1;
      if (listening === options.processes) done(null);
    };
    const onExit = (child: Worker, code: number | null, signal: string | null) => done(new KamError('INTERNAL', `a ${options.role} process (pid ${child.process.pid}) exited before it listened (${signal ?? `code ${code}`}); its log says why`));
    const done = (error: KamError | null) => {
      cluster.off('listening', onListening);
      cluster.off('exit', onExit);
      if (!error) return ready();
      for (const child of live()) child.process.kill('SIGKILL');
      refuse(error);
    };
    cluster.on('listening', onListening);
    cluster.on('exit', onExit);
    for (let i = 0; i < options.processes; i += 1) fork();
  });

  cluster.on('exit', (child, code, signal) => {
    const lived = Date.now() - (startedAt.get(child) ?? Date.now());
    startedAt.delete(child);
    if (stopping) return;
    youngDeaths = lived < YOUNG_MS ? youngDeaths + 1 : 0;
    const pause = restartPauseMs(lived, youngDeaths);
    logger.warn(`a ${options.role} process died: starting another`, { pid: child.process.pid, code, signal, livedMs: lived, restartInMs: pause });
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopping) fork();
    }, pause);
    timers.add(timer);
  });

  logger.info(`KAM Pilot listening on ${options.url}`, { role: options.role, processes: options.processes });
  process.stdout.write(`${JSON.stringify({ url: options.url, health: `${options.url}/health`, role: options.role, processes: options.processes, pids: live().map((child) => child.process.pid) })}\n`);

  const signal = await options.untilStopped();
  stopping = true;
  for (const timer of timers) clearTimeout(timer);
  logger.info('stopping', { signal, processes: live().length });
  const children = live();
  const exits = children.map((child) => new Promise<void>((exited) => (child.isDead() ? exited() : child.once('exit', () => exited()))));
  for (const child of children) child.process.kill('SIGTERM');
  const killer = setTimeout(() => {
    for (const child of live()) child.process.kill('SIGKILL');
  }, options.graceMs ?? 30_000);
  await Promise.all(exits);
  clearTimeout(killer);
}
