import { createJobQueue, type JobQueue } from '../../../src/jobs/job-queue';
import { createSilentLogger, type Logger } from '../../../src/logging/logger';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = async () => {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** Resolves true if `promise` settles within a few event-loop turns. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await settle();
  return done;
}

function setup(concurrency = 1): { queue: JobQueue; logger: Logger; errors: jest.SpyInstance } {
  const logger = createSilentLogger();
  const errors = jest.spyOn(logger, 'error');
  return { queue: createJobQueue({ concurrency, logger }), logger, errors };
}

describe('job queue', () => {
  let queue: JobQueue | null = null;
  afterEach(async () => {
    jest.useRealTimers();
    await queue?.close();
    queue = null;
  });

  it('runs a key enqueued 100 times while it waits only once (the last work given)', async () => {
    const s = setup(1);
    queue = s.queue;
    const blocker = deferred();
    queue.enqueue('other', () => blocker.promise);
    const runs: number[] = [];
    for (let i = 0; i < 100; i += 1) queue.enqueue('sync:a', async () => void runs.push(i));
    await settle();
    expect(runs).toEqual([]); // still waiting behind 'other'
    blocker.resolve();
    await queue.idle();
    expect(runs).toEqual([99]);
  });

  it('runs a key enqueued while it runs exactly once more, afterwards, never in parallel with itself', async () => {
    const s = setup(4);
    queue = s.queue;
    const first = deferred();
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    const job = (name: string, gate?: Promise<void>) => async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      log.push(`start ${name}`);
      if (gate) await gate;
      log.push(`end ${name}`);
      active -= 1;
    };
    queue.enqueue('sync:a', job('1', first.promise));
    await settle();
    for (let i = 2; i <= 50; i += 1) queue.enqueue('sync:a', job(String(i)));
    await settle();
    expect(log).toEqual(['start 1']);
    first.resolve();
    await queue.idle();
    expect(log).toEqual(['start 1', 'end 1', 'start 50', 'end 50']);
    expect(maxActive).toBe(1);
  });

  it('logs a failing job and keeps running the others', async () => {
    const s = setup(1);
    queue = s.queue;
    const ran: string[] = [];
    queue.enqueue('a', async () => {
      throw new Error('portal a is down');
    });
    queue.enqueue('b', async () => void ran.push('b'));
    queue.enqueue('c', async () => void ran.push('c'));
    await queue.idle();
    expect(ran).toEqual(['b', 'c']);
    expect(s.errors).toHaveBeenCalledTimes(1);
    expect(s.errors).toHaveBeenCalledWith('job failed', expect.objectContaining({ job: 'a', error: expect.objectContaining({ message: 'portal a is down' }) }));
    // The failed key can run again.
    queue.enqueue('a', async () => void ran.push('a again'));
    await queue.idle();
    expect(ran).toContain('a again');
  });

  it('idle() resolves at once when nothing is queued, and only after every job (and rerun) otherwise', async () => {
    const s = setup(2);
    queue = s.queue;
    await expect(settled(queue.idle())).resolves.toBe(true);
    const gates = [deferred(), deferred(), deferred()];
    const done: string[] = [];
    queue.enqueue('a', async () => {
      await gates[0]?.promise;
      done.push('a');
    });
    queue.enqueue('b', async () => {
      await gates[1]?.promise;
      done.push('b');
    });
    queue.enqueue('c', async () => {
      await gates[2]?.promise;
      done.push('c');
    });
    await settle();
    queue.enqueue('a', async () => void done.push('a rerun'));
    const idle = queue.idle();
    gates[0]?.resolve();
    gates[1]?.resolve();
    await expect(settled(idle)).resolves.toBe(false); // c still waits for its gate
    gates[2]?.resolve();
    await idle;
    expect(done.sort()).toEqual(['a', 'a rerun', 'b', 'c']);
  });

  it('never runs more jobs at once than the concurrency', async () => {
    const s = setup(3);
    queue = s.queue;
    let active = 0;
    let maxActive = 0;
    let finished = 0;
    for (let i = 0; i < 20; i += 1) {
      queue.enqueue(`sync:${i}`, async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((resolve) => setImmediate(resolve));
        await new Promise<void>((resolve) => setImmediate(resolve));
        active -= 1;
        finished += 1;
      });
    }
    await queue.idle();
    expect(finished).toBe(20);
    expect(maxActive).toBe(3);
  });

  it('runs a delayed job only after its delay, and idle() waits for it', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    const s = setup(2);
    queue = s.queue;
    const ran: number[] = [];
    queue.enqueue('later', async () => void ran.push(Date.now()), 1_000);
    const start = Date.now();
    const idle = queue.idle();
    await jest.advanceTimersByTimeAsync(999);
    expect(ran).toEqual([]);
    await expect(settled(idle)).resolves.toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await idle;
    expect(ran).toEqual([start + 1_000]);
  });

  it('coalesces a delayed job with a waiting job of the same key', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    const s = setup(1);
    queue = s.queue;
    const blocker = deferred();
    const runs: string[] = [];
    queue.enqueue('other', () => blocker.promise);
    queue.enqueue('sync:a', async () => void runs.push('now'));
    queue.enqueue('sync:a', async () => void runs.push('delayed'), 500);
    await jest.advanceTimersByTimeAsync(500);
    blocker.resolve();
    await jest.advanceTimersByTimeAsync(0);
    await queue.idle();
    expect(runs).toEqual(['delayed']);
  });

  /*
   * LATENT BUG (src/jobs/job-queue.ts:42): `work()` is called outside any try, so a work function
   * that throws synchronously (TypeScript accepts `() => { throw e }` as `() => Promise<void>`)
   * throws out of enqueue() to the caller and leaves its key in `running` forever: with
   * concurrency 1 nothing else ever runs and idle() never resolves. No current caller does this
   * (all pass async functions). Fix: `Promise.resolve().then(work)` or `new Promise(...)` around it.
   */
  it('treats a job that throws synchronously like any failing job', async () => {
    const s = setup(1);
    queue = s.queue;
    const ran: string[] = [];
    const throwsAtOnce: () => Promise<void> = () => {
      throw new Error('sync failure');
    };
    expect(() => queue?.enqueue('a', throwsAtOnce)).not.toThrow();
    queue.enqueue('b', async () => void ran.push('b'));
    await expect(settled(queue.idle())).resolves.toBe(true);
    expect(ran).toEqual(['b']);
    expect(s.errors).toHaveBeenCalledWith('job failed', expect.objectContaining({ job: 'a' }));
  });

  it('close() drops waiting and delayed jobs and lets the running one finish', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const s = setup(1);
    queue = s.queue;
    const gate = deferred();
    const ran: string[] = [];
    queue.enqueue('running', async () => {
      await gate.promise;
      ran.push('running');
    });
    queue.enqueue('waiting', async () => void ran.push('waiting'));
    queue.enqueue('delayed', async () => void ran.push('delayed'), 10);
    await settle();
    const closing = queue.close();
    gate.resolve();
    await closing;
    // The delayed job's timer is gone, not merely pending: moving the clock past it runs nothing.
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(1_000);
    await settle();
    expect(ran).toEqual(['running']);
    queue.enqueue('after', async () => void ran.push('after'));
    await settle();
    expect(ran).toEqual(['running']);
  });

  it('runs named jobs by their handler, one per installation key, and lists the ones that failed', async () => {
    const s = setup(2);
    queue = s.queue;
    const runs: string[] = [];
    queue.handle('sync', async (data) => {
      runs.push(`${data.installationId}:${data.mode}`);
      if (data.installationId === 'bad') throw new Error('portal answered 500');
    });
    await queue.send('sync', { installationId: 'a', mode: 'full' });
    await queue.send('sync', { installationId: 'a', mode: 'incremental' });
    await queue.send('sync', { installationId: 'bad', mode: 'full' });
    await queue.idle();
    // 'a' was running when asked again: it runs once more, after.
    expect(runs.sort()).toEqual(['a:full', 'a:incremental', 'bad:full']);
    expect(await queue.failed()).toEqual([expect.objectContaining({ kind: 'sync', key: 'bad', data: { installationId: 'bad', mode: 'full' }, error: 'portal answered 500' })]);
    await expect(queue.send('unknown', {})).rejects.toThrow('no handler for job kind "unknown"');
  });
});
