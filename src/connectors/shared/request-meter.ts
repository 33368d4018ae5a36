import { AsyncLocalStorage } from 'node:async_hooks';
import type { CrmPhase, RequestCounts } from '../../core/ports/crm-connector.port';

/**
 * Counts the HTTP requests an installation's client sends to the CRM, by phase and by method.
 * The host's rate limit is this product's real ceiling, so every use case reports its cost.
 */
export type Phase = CrmPhase;
export type { RequestCounts };

export interface RequestMeter {
  /** Runs `work` with every request inside it counted under `phase`. */
  inPhase<T>(phase: Phase, work: () => Promise<T>): Promise<T>;
  /**
   * Counts a request about to go out; resolves once every watcher has taken note (a worker keeps
   * a job attempt's count in the database before the request leaves, so a killed attempt's cost
   * is known). A watcher's failure never stops the request.
   */
  record(method: string): Promise<void>;
  /** Calls `listener` with the counts so far at every request, until the returned function is called. */
  watch(listener: (counts: RequestCounts) => Promise<void>): () => void;
  reject(code: string): void;
  snapshot(): RequestCounts;
  reset(): void;
}

const empty = (): RequestCounts => ({ requests: 0, byPhase: { setup: 0, sync: 0, writeBack: 0, other: 0 }, byMethod: {}, rejections: {} });

/**
 * The phase of the work under way follows its async call chain, so concurrent work in two phases
 * is counted right. One store for every meter: on Node 20 each enabled AsyncLocalStorage is copied
 * into every promise and timer the process creates, and one per installation's meter made a web
 * process that had set up 40 portals spend 29% of its CPU on that copying at 2,000 events a second
 * (an event never runs in a phase). For the same reason the store is switched off whenever no
 * work runs in a phase (`disable()` unhooks it), so a web process between setups pays nothing.
 */
const phase = new AsyncLocalStorage<Phase>();
let inPhases = 0;

/** Whether any work runs in a phase now (the store is on only then). */
export const phaseTrackingActive = (): boolean => inPhases > 0;

async function runInPhase<T>(next: Phase, work: () => Promise<T>): Promise<T> {
  inPhases += 1;
  try {
    return await phase.run(next, work);
  } finally {
    inPhases -= 1;
    if (inPhases === 0) phase.disable();
  }
}

export function createRequestMeter(): RequestMeter {
  let counts = empty();
  const watchers = new Set<(counts: RequestCounts) => Promise<void>>();
  return {
    inPhase: runInPhase,
    record(method) {
      counts.requests += 1;
      counts.byPhase[phase.getStore() ?? 'other'] += 1;
      counts.byMethod[method] = (counts.byMethod[method] ?? 0) + 1;
      if (watchers.size === 0) return Promise.resolve();
      const now = structuredClone(counts);
      return Promise.all([...watchers].map((listener) => listener(now).catch(() => undefined))).then(() => undefined);
    },
    watch(listener) {
      watchers.add(listener);
      return () => watchers.delete(listener);
    },
    reject(code) {
      counts.rejections[code] = (counts.rejections[code] ?? 0) + 1;
    },
    snapshot: () => structuredClone(counts),
    reset() {
      counts = empty();
    },
  };
}

/** Positive differences per key (what happened between two snapshots). */
export function countsSince(after: Record<string, number>, before: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, count] of Object.entries(after)) {
    const delta = count - (before?.[key] ?? 0);
    if (delta > 0) out[key] = delta;
  }
  return out;
}

/** The requests made between two snapshots of one meter. */
export function requestsSince(after: RequestCounts, before: RequestCounts | null): RequestCounts {
  return {
    requests: after.requests - (before?.requests ?? 0),
    byPhase: {
      setup: after.byPhase.setup - (before?.byPhase.setup ?? 0),
      sync: after.byPhase.sync - (before?.byPhase.sync ?? 0),
      writeBack: after.byPhase.writeBack - (before?.byPhase.writeBack ?? 0),
      other: after.byPhase.other - (before?.byPhase.other ?? 0),
    },
    byMethod: countsSince(after.byMethod, before?.byMethod),
    rejections: countsSince(after.rejections, before?.rejections),
  };
}
