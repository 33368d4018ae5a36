import { randomBytes } from 'node:crypto';
import type { Storage } from '../../../src/core/ports/storage.port';
import { runAlone, runExclusive } from '../../../src/app/run-alone';
import { createStorage } from '../../../src/storage';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

describe('runAlone (a database lease around work)', () => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
  });
  afterAll(() => storage.close());

  it('runs the work of one holder and tells a second holder who has it; the name is free afterwards', async () => {
    const gate = deferred();
    const started = deferred();
    const runs: string[] = [];
    const first = runAlone(storage.leases, 'setup:i-1', 60_000, async () => {
      runs.push('web');
      started.resolve();
      await gate.promise;
      return 'set up';
    }, 'web');
    await started.promise;
    expect(await runAlone(storage.leases, 'setup:i-1', 60_000, async () => void runs.push('worker'), 'worker')).toEqual({ ran: false, holder: 'web' });
    gate.resolve();
    expect(await first).toEqual({ ran: true, value: 'set up' });
    expect(await storage.leases.holder('setup:i-1')).toBeNull();
    expect(runs).toEqual(['web']);
  });

  it('releases the name when the work throws', async () => {
    await expect(runAlone(storage.leases, 'setup:i-2', 60_000, async () => { throw new Error('portal down'); }, 'web')).rejects.toThrow('portal down');
    expect(await storage.leases.holder('setup:i-2')).toBeNull();
  });

  it('runExclusive makes a second holder wait for the first, then run: never both at once, neither skipped', async () => {
    const gate = deferred();
    const started = deferred();
    const log: string[] = [];
    const first = runExclusive(storage.leases, 'setup:i-3', 60_000, async () => {
      log.push('web starts');
      started.resolve();
      await gate.promise;
      log.push('web ends');
      return 'web';
    }, { holder: 'web' });
    await started.promise;
    const second = runExclusive(storage.leases, 'setup:i-3', 60_000, async () => {
      log.push('worker runs');
      return 'worker';
    }, { holder: 'worker' });
    gate.resolve();
    expect(await Promise.all([first, second])).toEqual(['web', 'worker']);
    expect(log).toEqual(['web starts', 'web ends', 'worker runs']);
  });

  it('runExclusive gives up with a retryable CONFLICT naming the holder when the wait runs out', async () => {
    await storage.leases.acquire('setup:i-4', 'stuck-worker', 60_000);
    await expect(runExclusive(storage.leases, 'setup:i-4', 60_000, async () => 'never', { holder: 'web', waitMs: 0 })).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: true,
      message: expect.stringContaining('stuck-worker'),
    });
  });
});
