import type { Logger } from '../logging/logger';

/**
 * The in-process job queue of the embedded mode. Jobs carry a key (e.g. `sync:<installation>`):
 * a key already waiting is not queued twice, and a key asked for while it runs runs once more
 * afterwards, so a storm of events for one portal becomes one re-read, never a pile of them.
 * One installation's failure is logged and never stops the others.
 */
export interface JobQueue {
  /** Queues `work` under `key` after `delayMs` (coalescing with a waiting job of the same key). */
  enqueue(key: string, work: () => Promise<void>, delayMs?: number): void;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function createJobQueue(deps: { concurrency: number; logger: Logger }): JobQueue {
  const waiting = new Map<string, () => Promise<void>>();
  const order: string[] = [];
  const running = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  const again = new Map<string, () => Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let idleWaiters: Array<() => void> = [];
  let closed = false;

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
        .catch((error: unknown) => void deps.logger.error('job failed', { job: key, error }))
        .finally(() => {
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

  return {
    enqueue(key, work, delayMs = 0) {
      if (delayMs <= 0) return add(key, work);
      const timer = setTimeout(() => {
        timers.delete(timer);
        add(key, work);
        settleIdle();
      }, delayMs);
      timers.add(timer);
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      waiting.clear();
      order.length = 0;
      while (inFlight.size > 0) await Promise.all(inFlight);
      settleIdle();
    },
  };
}
