import type { JobQueue } from '../../jobs/job-queue';

/**
 * Incremental passes after events, coalesced per installation: at most one pass waits at a time,
 * and passes start at least `minSpacingMs` apart. A burst spread over seconds (Bitrix24 sends one
 * call per changed entity, unthrottled: https://apidocs.bitrix24.com/api-reference/events/index.html)
 * becomes a bounded number of passes, about one per `minSpacingMs`; the marks are stored before
 * each event is answered, and a pass reads every mark there is.
 */
export interface PassScheduler {
  schedule(installationId: string): void;
}

export function createPassScheduler(deps: {
  queue: Pick<JobQueue, 'enqueue'>;
  run(installationId: string): Promise<void>;
  debounceMs: number;
  minSpacingMs: number;
  now?: () => number;
}): PassScheduler {
  const now = deps.now ?? Date.now;
  const pending = new Set<string>();
  const lastStart = new Map<string, number>();
  return {
    schedule(installationId) {
      if (pending.has(installationId)) return;
      pending.add(installationId);
      const since = now() - (lastStart.get(installationId) ?? Number.NEGATIVE_INFINITY);
      const delay = Math.max(deps.debounceMs, deps.minSpacingMs - since);
      deps.queue.enqueue(`sync:${installationId}`, async () => {
        // Events from here on wait for the next pass: this one may have read past their marks.
        pending.delete(installationId);
        lastStart.set(installationId, now());
        await deps.run(installationId);
      }, delay);
    },
  };
}
