import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logging/logger';
import type { LiveWorker } from './worker-registry';

/** A named job's data: plain strings, so it can wait in a database and run in another process. */
export type JobData = Readonly<Record<string, string>>;
/** What a running job may tell the queue about itself. */
export interface JobContext {
  /** The job's id in its queue. */
  id: string;
  /** The job's current phase (a cycle: setup, sync, evaluate, writeBack) and what it did so far, shown with the live workers. */
  phase(name: string, sofar?: Record<string, unknown>): void;
  /** Keeps what this attempt has done so far where a killed attempt's cost stays known (PostgreSQL); resolves once kept. */
  progress(sofar: Record<string, unknown>): Promise<void>;
}
/** Runs a job; what it resolves with is kept as the job's output where the queue keeps one (pg-boss). */
export type JobHandler = (data: JobData, job: JobContext) => Promise<unknown>;

export interface SendOptions {
  /** At most one job waits and one runs per key of a kind (default: `data.installationId`, else the kind). */
  key?: string;
  /** Start no sooner than this (a burst of events inside it becomes one job). */
  delayMs?: number;
}

/** A job that failed for good (after its retries), as `/health` and `kam jobs` show it. */
export interface FailedJob {
  kind: string;
  key: string;
  data: JobData;
  attempts: number;
  error: string;
  failedAt: string;
}

/**
 * The job queue port. Jobs carry a key (e.g. the installation): a key already waiting is not
 * queued twice, and a key asked for while it runs runs once more afterwards, so a storm of events
 * for one portal becomes one re-read, never a pile of them, and one installation is worked on by
 * one job of a kind at a time. One installation's failure is logged and never stops the others.
 * Adapters: in-process here (SQLite, one process); pg-boss on PostgreSQL (pg-boss-queue.ts).
 */
export interface JobQueue {
  /** What runs a job of `kind`; every process that works jobs registers each kind. */
  handle(kind: string, handler: JobHandler): void;
  /** Queues a named job (coalescing with a waiting job of the same kind and key). */
  send(kind: string, data: JobData, options?: SendOptions): Promise<void>;
  /** Sends `kind` on a cron schedule, once per tick across every process sharing the queue. */
  schedule(kind: string, cronExpression: string): Promise<void>;
  /** Jobs that failed for good, newest first. */
  failed(limit?: number): Promise<FailedJob[]>;
  /** The worker processes alive now and their running jobs (PostgreSQL; in-process: none listed). */
  workers(): Promise<LiveWorker[]>;
  /** Queues `work` under `key` after `delayMs`, in this process only (coalescing like `send`). */
  enqueue(key: string, work: () => Promise<void>, delayMs?: number): void;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export const keyOf = (kind: string, data: JobData, options: SendOptions = {}): string => options.key ?? data.installationId ?? kind;
const FAILED_KEPT = 100;

export function createJobQueue(deps: { concurrency: number; logger: Logger }): JobQueue {
  const waiting = new Map<string, () => Promise<void>>();
  const order: string[] = [];
  const running = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  const again = new Map<string, () => Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let jobIds = 0;
  let idleWaiters: Array<() => void> = [];
  let closed = false;
  const handlers = new Map<string, JobHandler>();
  const failures: FailedJob[] = [];
  const schedules: ScheduledTask[] = [];
  const named = new Map<string, { kind: string; key: string; data: JobData }>();

  const settleIdle = () => {
    if (waiting.size === 0 && running.size === 0 && timers.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  const pump = () => {
    while (!closed && running.size < deps.concurrency) {
      const index = order.findIndex((key) => !running.has(key));
      if (index < 0) break;
      const key = order.splice(index, 1)[0] as string;
      const work = waiting.get(key) as () => Promise<void>;
      waiting.delete(key);
      running.add(key);
      // Promise.resolve().then: a job that throws synchronously fails like any other.
      const job: Promise<void> = Promise.resolve()
        .then(work)
        .catch((error: unknown) => {
          deps.logger.error('job failed', { job: key, error });
          const job = named.get(key);
          failures.unshift({
            kind: job?.kind ?? key,
            key: job?.key ?? key,
            data: job?.data ?? {},
            attempts: 1,
            error: error instanceof Error ? error.message : String(error),
            failedAt: new Date().toISOString(),
          });
          failures.length = Math.min(failures.length, FAILED_KEPT);
        })
        .finally(() => {
          named.delete(key);
          running.delete(key);
          const rerun = again.get(key);
          if (rerun) {
            again.delete(key);
            add(key, rerun);
          }
          inFlight.delete(job);
          pump();
          settleIdle();
        });
      inFlight.add(job);
    }
    settleIdle();
  };

  const add = (key: string, work: () => Promise<void>) => {
    if (closed) return;
    if (running.has(key)) {
      again.set(key, work);
      return;
    }
    if (!waiting.has(key)) order.push(key);
    waiting.set(key, work);
    pump();
  };

  const enqueue = (key: string, work: () => Promise<void>, delayMs = 0) => {
    if (delayMs <= 0) return add(key, work);
    const timer = setTimeout(() => {
      timers.delete(timer);
      add(key, work);
      settleIdle();
    }, delayMs);
    timers.add(timer);
  };

  const send = async (kind: string, data: JobData, options: SendOptions = {}) => {
    const handler = handlers.get(kind);
    if (!handler) throw new Error(`no handler for job kind "${kind}"`);
    const singleton = keyOf(kind, data, options);
    const key = `${kind}:${singleton}`;
    enqueue(
      key,
      async () => {
        named.set(key, { kind, key: singleton, data });
        jobIds += 1;
        await handler(data, { id: `${key}#${jobIds}`, phase: () => undefined, progress: async () => undefined });
      },
      options.delayMs,
    );
  };

  return {
    handle(kind, handler) {
      handlers.set(kind, handler);
    },
    send,
    async schedule(kind, cronExpression) {
      const task = cron.schedule(cronExpression, () => {
        send(kind, {}).catch((error: unknown) => deps.logger.error('scheduled job failed to start', { job: kind, error }));
      });
      schedules.push(task);
    },
    async failed(limit = 20) {
      return failures.slice(0, limit);
    },
    async workers() {
      return [];
    },
    enqueue,
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
    async close() {
      closed = true;
      for (const task of schedules) await task.stop();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      waiting.clear();
      order.length = 0;
      while (inFlight.size > 0) await Promise.all(inFlight);
      settleIdle();
    },
  };
}
