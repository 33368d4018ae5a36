import { createHash, randomUUID } from 'node:crypto';
import type { ContractContext } from './contract-context';

export function frameCheckStoreContract(ctx: ContractContext): void {
  const store = () => ctx.storage().frameChecks;
  const key = () => createHash('sha256').update(randomUUID()).digest('hex');
  const inMs = (ms: number) => new Date(Date.now() + ms);

  it('finds a verdict from another connection (another process) while it holds, and the newer verdict wins', async () => {
    const keyHash = key();
    await store().remember({ keyHash, installationId: 'inst-1', accepted: false, expiresAt: inMs(30_000) });
    const second = await ctx.factory();
    try {
      expect(await second.frameChecks.find(keyHash)).toMatchObject({ accepted: false });
      await second.frameChecks.remember({ keyHash, installationId: 'inst-1', accepted: true, expiresAt: inMs(60_000) });
    } finally {
      await second.close();
    }
    expect(await store().find(keyHash)).toMatchObject({ accepted: true });
    expect(await store().find(key())).toBeNull();
  });

  it('forgets an expired verdict, and prune removes exactly the expired ones', async () => {
    const [gone, kept] = [key(), key()];
    await store().remember({ keyHash: gone, installationId: 'inst-2', accepted: true, expiresAt: inMs(-1) });
    await store().remember({ keyHash: kept, installationId: 'inst-2', accepted: true, expiresAt: inMs(60_000) });
    expect(await store().find(gone)).toBeNull();
    expect(await store().prune()).toBeGreaterThanOrEqual(1);
    expect(await store().find(kept)).toMatchObject({ accepted: true });
  });
}
