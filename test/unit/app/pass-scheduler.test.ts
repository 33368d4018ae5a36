import { createPassScheduler } from '../../../src/app/inbound/pass-scheduler';

/**
 * Reliability 2 of issue 9: 2,000 events spread over 10 s once started 18 passes. Passes are
 * coalesced per installation and spaced, so the number of passes is bounded by the time span.
 */
function harness() {
  let clock = 0;
  const timers: Array<{ at: number; work: () => Promise<void> }> = [];
  const runs: Array<{ id: string; at: number }> = [];
  const scheduler = createPassScheduler({
    queue: { enqueue: (_key, work, delayMs = 0) => void timers.push({ at: clock + delayMs, work }) },
    run: async (id) => {
      runs.push({ id, at: clock });
    },
    debounceMs: 2000,
    minSpacingMs: 5000,
    now: () => clock,
  });
  /** Moves the clock to `to`, running every timer that falls due on the way. */
  const advance = async (to: number) => {
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next || next.at > to) break;
      timers.shift();
      clock = next.at;
      await next.work();
    }
    clock = to;
  };
  return { scheduler, runs, advance, pending: () => timers.length };
}

describe('event pass scheduler', () => {
  it('turns 2,000 events spread over 10 s into at most 3 passes, the last after the last event', async () => {
    const h = harness();
    for (let i = 0; i < 2000; i += 1) {
      await h.advance(i * 5); // one event every 5 ms for 10 s
      h.scheduler.schedule('inst-1');
    }
    await h.advance(60_000);
    expect(h.runs.length).toBeGreaterThanOrEqual(2);
    expect(h.runs.length).toBeLessThanOrEqual(3);
    expect(h.runs.at(-1)?.at).toBeGreaterThan(9_995);
    for (let i = 1; i < h.runs.length; i += 1) expect((h.runs[i]?.at ?? 0) - (h.runs[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(5000);
    expect(h.pending()).toBe(0);
  });

  it('keeps installations apart, and a lone event runs after the debounce', async () => {
    const h = harness();
    h.scheduler.schedule('a');
    h.scheduler.schedule('b');
    h.scheduler.schedule('a');
    await h.advance(2000);
    expect(h.runs).toEqual([{ id: 'a', at: 2000 }, { id: 'b', at: 2000 }]);
  });
});
