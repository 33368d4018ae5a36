import { randomUUID } from 'node:crypto';
import type { ContractContext } from './contract-context';

export function leaseStoreContract(ctx: ContractContext): void {
  const leases = () => ctx.storage().leases;

  it('gives a free name to one holder, refuses another until it is released, and lets the holder renew', async () => {
    const name = `setup:${randomUUID()}`;
    expect(await leases().acquire(name, 'web-1', 60_000)).toBe(true);
    expect(await leases().acquire(name, 'worker-2', 60_000)).toBe(false);
    expect(await leases().holder(name)).toBe('web-1');
    expect(await leases().acquire(name, 'web-1', 60_000)).toBe(true);
    await leases().release(name, 'worker-2');
    expect(await leases().holder(name)).toBe('web-1');
    await leases().release(name, 'web-1');
    expect(await leases().holder(name)).toBeNull();
    expect(await leases().acquire(name, 'worker-2', 60_000)).toBe(true);
  });

  it('lets another holder take a lease whose holder let it expire', async () => {
    const name = `setup:${randomUUID()}`;
    expect(await leases().acquire(name, 'dead-worker', -1)).toBe(true);
    expect(await leases().holder(name)).toBeNull();
    expect(await leases().acquire(name, 'worker-2', 60_000)).toBe(true);
    expect(await leases().holder(name)).toBe('worker-2');
  });

  it('gives a contested name to exactly one of many holders racing for it, across connections', async () => {
    const name = `setup:${randomUUID()}`;
    const second = await ctx.factory();
    try {
      const stores = [leases(), second.leases];
      const won = await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 2]!.acquire(name, `holder-${i}`, 60_000)));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await leases().holder(name)).toBe(`holder-${won.indexOf(true)}`);
    } finally {
      await second.close();
    }
  });
}
