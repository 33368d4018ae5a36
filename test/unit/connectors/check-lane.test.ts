import { createCheckLane, type CheckLaneOptions, type LaneOutcome } from '../../../src/connectors/shared/check-lane';
import { createMemoryRateBuckets } from '../../../src/core/rate-bucket';
import { ManualLaneClock, settle } from '../../support/manual-lane-clock';

/** Work the test finishes by hand, recording the order it started in. */
function gate() {
  const started: string[] = [];
  const open = new Map<string, () => void>();
  const work = (name: string) => () =>
    new Promise<string>((resolve) => {
      started.push(name);
      open.set(name, () => resolve(name));
    });
  const finish = async (name: string) => {
    open.get(name)?.();
    await settle();
  };
  return { started, work, finish };
}

const options = (clock: ManualLaneClock, over: Partial<CheckLaneOptions> = {}): CheckLaneOptions => ({
  perMinute: 60, burst: 10, concurrency: 1, deadlineMs: 5_000, maxWaiting: 50, clock, ...over,
});

/** Outcomes by name as they come in (unsettled ones absent). */
function track<T>(runs: Record<string, Promise<LaneOutcome<T>>>) {
  const done: Record<string, LaneOutcome<T>> = {};
  for (const [name, run] of Object.entries(runs)) void run.then((outcome) => (done[name] = outcome));
  return done;
}

describe('check lane', () => {
  it('serves waiting checks newest first, preferred ones before the rest', async () => {
    const clock = new ManualLaneClock();
    const lane = createCheckLane(options(clock));
    const { started, work, finish } = gate();
    // The first starts at once (the budget is asked before it); the rest arrive while it runs.
    const first = lane.run(work('first'));
    await settle();
    const runs = { first, old: lane.run(work('old')), middle: lane.run(work('middle')), known: lane.run(work('known'), { preferred: true }), newest: lane.run(work('newest')) };
    const done = track(runs);
    await settle();
    expect(started).toEqual(['first']);
    for (const name of ['first', 'known', 'newest', 'middle']) await finish(name);
    expect(started).toEqual(['first', 'known', 'newest', 'middle', 'old']);
    await finish('old');
    expect(Object.values(done).every((outcome) => outcome.ran)).toBe(true);
  });

  it('answers `deadline` to a check still waiting when its time is up, and never starts it', async () => {
    const clock = new ManualLaneClock();
    const lane = createCheckLane(options(clock));
    const { started, work, finish } = gate();
    const busy = lane.run(work('busy'));
    await settle();
    const done = track({ busy, waiting: lane.run(work('waiting')) });
    await clock.advance(4_999);
    expect(done.waiting).toBeUndefined();
    await clock.advance(1);
    expect(done.waiting).toEqual({ ran: false, reason: 'deadline' });
    expect(done.busy).toEqual({ ran: false, reason: 'deadline' });
    await finish('busy');
    expect(started).toEqual(['busy']);
    expect(lane.stats()).toMatchObject({ started: 1, waiting: 0, inFlight: 0, late: 2 });
  });

  it('lets a started check run past the deadline: the caller is answered, the work finishes and frees its place', async () => {
    const clock = new ManualLaneClock();
    const lane = createCheckLane(options(clock));
    const { started, work, finish } = gate();
    const done = track({ slow: lane.run(work('slow')) });
    await clock.advance(5_000);
    expect(done.slow).toEqual({ ran: false, reason: 'deadline' });
    expect(lane.stats().inFlight).toBe(1);
    const next = track({ next: lane.run(work('next')) });
    await settle();
    expect(started).toEqual(['slow']);
    await finish('slow');
    expect(started).toEqual(['slow', 'next']);
    await finish('next');
    expect(next.next).toEqual({ ran: true, value: 'next' });
  });

  it('sheds the oldest waiting check at once when the backlog is full, a preferred one last', async () => {
    const clock = new ManualLaneClock();
    const lane = createCheckLane(options(clock, { maxWaiting: 3 }));
    const { work } = gate();
    const running = lane.run(work('running'));
    await settle();
    const done = track({
      running, known: lane.run(work('known'), { preferred: true }),
      a: lane.run(work('a')), b: lane.run(work('b')), c: lane.run(work('c')), d: lane.run(work('d')),
    });
    await settle();
    expect(done.a).toEqual({ ran: false, reason: 'shed' });
    expect(done.b).toEqual({ ran: false, reason: 'shed' });
    expect(done.known).toBeUndefined();
    expect(lane.stats()).toMatchObject({ waiting: 3, shed: 2 });
  });

  it('a rejected check rejects its caller', async () => {
    const lane = createCheckLane(options(new ManualLaneClock()));
    await expect(lane.run(() => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    // A work that throws before any await is a rejection too, and frees its place.
    await expect(lane.run(() => { throw new Error('at once'); })).rejects.toThrow('at once');
    expect(lane.stats().inFlight).toBe(0);
  });

  it('under a flood (200 at once, then 10 a second for a minute) starts at most burst + perMinute checks a minute, and a user arriving after the burst is served within the deadline', async () => {
    const clock = new ManualLaneClock();
    const lane = createCheckLane(options(clock, { concurrency: 4 }));
    const calls: number[] = [];
    const instant = async () => {
      calls.push(clock.now());
      await Promise.resolve();
    };
    const flood = Array.from({ length: 200 }, () => lane.run(instant));
    await clock.advance(300);
    const user = track({ user: lane.run(async () => 'user') });
    await clock.advance(1_000);
    expect(user.user).toEqual({ ran: true, value: 'user' });
    const later: Array<Promise<LaneOutcome<void>>> = [];
    for (let second = 0; second < 60; second += 1) {
      for (let i = 0; i < 10; i += 1) later.push(lane.run(instant));
      await clock.advance(1_000);
    }
    await clock.advance(10_000);
    const outcomes = await Promise.all([...flood, ...later]);
    // In any minute: the burst, then one a second, never more (FIFO without a budget: all 800).
    const inMinuteFrom = (start: number) => calls.filter((at) => at >= start && at < start + 60_000).length;
    expect(Math.max(...calls.map(inMinuteFrom))).toBeLessThanOrEqual(10 + 60);
    expect(calls.length).toBe(lane.stats().started - 1);
    // Every flood request was answered (checked, late or shed), none left hanging.
    expect(outcomes.filter((o) => !o.ran).length).toBe(800 - calls.length);
    expect(lane.stats()).toMatchObject({ waiting: 0, inFlight: 0 });
  });

  it('refills its budget with time: after a quiet spell a burst again, then one per refill interval', async () => {
    const clock = new ManualLaneClock();
    const lane = createCheckLane(options(clock, { burst: 2, perMinute: 6, concurrency: 10, deadlineMs: 60_000 }));
    let calls = 0;
    const runs = Array.from({ length: 4 }, () => lane.run(async () => void (calls += 1)));
    await settle();
    expect(calls).toBe(2);
    await clock.advance(9_999);
    expect(calls).toBe(2);
    await clock.advance(1);
    expect(calls).toBe(3);
    await clock.advance(10_000);
    expect(calls).toBe(4);
    await Promise.all(runs);
  });

  it('two lanes on one shared bucket (two web processes) spend one budget between them, not one each', async () => {
    const clock = new ManualLaneClock();
    const shared = { buckets: createMemoryRateBuckets(), key: 'frame-lane:inst-1' };
    const lanes = [0, 1].map(() => createCheckLane(options(clock, { concurrency: 4, shared })));
    const calls: number[] = [];
    const instant = async () => void calls.push(clock.now());
    const runs = Array.from({ length: 40 }, (_, i) => lanes[i % 2]!.run(instant));
    await clock.advance(3_000);
    // The burst of 10 at once, then one a second to whichever lane asked: 13 by 3 s, from both lanes.
    expect(calls.filter((at) => at === 0)).toHaveLength(10);
    expect(calls).toHaveLength(13);
    const started = lanes.map((lane) => lane.stats().started);
    expect(Math.min(...started)).toBeGreaterThan(0);
    expect(started[0]! + started[1]!).toBe(13);
    await clock.advance(5_000);
    await Promise.all(runs);
  });
});
