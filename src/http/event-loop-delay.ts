import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';

/**
 * How late this process's event loop runs a timer: the time every HTTP request (an event's
 * acknowledgement among them) waits before its handler can start, whatever holds the loop (a
 * synchronous SQLite statement, a JSON parse, a structured clone). Issue 9, "event bursts".
 *
 * A probe timer every PROBE_MS records its lateness into a histogram per second; a reader asks for
 * the figures since a moment (the events bench: since its burst began) and gets the seconds since
 * then merged. perf_hooks' own monitorEventLoopDelay measures the same, but its histogram can be
 * neither merged nor read per window, so the probe is ours; like it, a stall of 300 ms is one
 * sample of 300 ms, so percentiles weigh stalls by count, not by duration: read max beside them.
 */
export interface EventLoopDelayFigures {
  /** The window's start (ms since the epoch) and its length in seconds. */
  sinceMs: number;
  seconds: number;
  samples: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface EventLoopDelayMonitor {
  /** The figures since `sinceMs` (default: the whole kept history), at most KEPT_SECONDS back. */
  figures(sinceMs?: number): EventLoopDelayFigures;
  close(): void;
}

const PROBE_MS = 10;
const SLOT_MS = 1_000;
const KEPT_SECONDS = 600;

interface Slot {
  start: number;
  histogram: RecordableHistogram;
}

export function createEventLoopDelayMonitor(now: () => number = Date.now): EventLoopDelayMonitor {
  const slots: Slot[] = [];
  let current: Slot = { start: now(), histogram: createHistogram() };
  let expected = performance.now() + PROBE_MS;
  const probe = setInterval(() => {
    const at = performance.now();
    // record() wants a positive integer: nanoseconds, at least 1.
    current.histogram.record(Math.max(1, Math.round((at - expected) * 1e6)));
    expected = at + PROBE_MS;
    if (now() - current.start >= SLOT_MS) {
      slots.push(current);
      if (slots.length > KEPT_SECONDS) slots.shift();
      current = { start: now(), histogram: createHistogram() };
    }
  }, PROBE_MS);
  // The probe never keeps a process alive on its own.
  probe.unref();

  return {
    figures(sinceMs) {
      const merged = createHistogram();
      const from = sinceMs ?? slots[0]?.start ?? current.start;
      // A slot counts when it ends after the window's start: the second the window began in is included.
      for (const slot of [...slots, current]) if (slot.start + SLOT_MS > from && slot.histogram.count > 0) merged.add(slot.histogram);
      const ms = (ns: number) => (merged.count > 0 ? Math.round(ns / 1e5) / 10 : null);
      return {
        sinceMs: from,
        seconds: Math.max(0, (now() - from) / 1000),
        samples: merged.count,
        p50Ms: ms(merged.percentile(50)),
        p99Ms: ms(merged.percentile(99)),
        maxMs: ms(merged.max),
      };
    },
    close: () => clearInterval(probe),
  };
}
