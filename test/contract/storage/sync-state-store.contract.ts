import { createSyncStateStore } from '../../../src/storage/repositories/sync-state-store.kysely';
import { clockTick, type ContractContext } from './contract-context';

export function syncStateStoreContract(ctx: ContractContext): void {
  const store = () => ctx.storage().syncState;
  const newInstallationId = async () => (await ctx.installation()).id;

  it('saves, overwrites and lists cursors', async () => {
    const installationId = await newInstallationId();
    expect(await store().getCursor(installationId, 'deal')).toBeNull();
    const cursor = { installationId, stream: 'deal', phase: 'full' as const, position: '500', fullCompletedAt: null, modifiedSince: null };
    await store().saveCursor(cursor);
    expect(await store().getCursor(installationId, 'deal')).toMatchObject(cursor);
    await store().saveCursor({ ...cursor, phase: 'incremental', position: null, fullCompletedAt: '2024-06-01T00:00:00Z', modifiedSince: '2024-06-01T03:00:00+03:00' });
    const saved = await store().getCursor(installationId, 'deal');
    expect(saved).toMatchObject({ phase: 'incremental', position: null, fullCompletedAt: '2024-06-01T00:00:00Z', modifiedSince: '2024-06-01T03:00:00+03:00' });
    expect(Number.isNaN(Date.parse(saved?.updatedAt ?? ''))).toBe(false);
    await store().saveCursor({ ...cursor, stream: 'company' });
    expect((await store().listCursors(installationId)).map((c) => c.stream)).toEqual(['company', 'deal']);
  });

  it('coalesces marks of one entity into one row; the latest action wins', async () => {
    const id = await newInstallationId();
    await store().markDirty(id, [
      { kind: 'deal', crmId: '1', action: 'upsert' },
      { kind: 'deal', crmId: '1', action: 'delete' },
      { kind: 'company', crmId: '1', action: 'upsert' },
    ]);
    await store().markDirty(id, [{ kind: 'deal', crmId: '1', action: 'upsert' }]);
    await store().markDirty(id, []);
    expect(await store().countDirty(id)).toBe(2);
    expect(await store().peekDirty(id, 10)).toEqual(
      expect.arrayContaining([
        { kind: 'deal', crmId: '1', action: 'upsert' },
        { kind: 'company', crmId: '1', action: 'upsert' },
      ]),
    );
  });

  it('never moves a mark back in time: a group that commits after a later one keeps the later time and action', async () => {
    const raw = ctx.withRawDb;
    if (!raw) return;
    const id = await newInstallationId();
    // Two writers whose times disagree (two web processes, or two groups committing out of order).
    const later = '2030-01-01T00:00:02.000Z';
    const earlier = '2030-01-01T00:00:01.000Z';
    await raw(async (db) => {
      await createSyncStateStore({ db, now: () => new Date(later) }).markDirty(id, [{ kind: 'deal', crmId: '7', action: 'upsert' }]);
      await createSyncStateStore({ db, now: () => new Date(earlier) }).markDirty(id, [{ kind: 'deal', crmId: '7', action: 'delete' }]);
      const row = await db.selectFrom('dirty_marks').select(['action', 'last_marked_at']).where('installation_id', '=', id).where('crm_id', '=', '7').executeTakeFirstOrThrow();
      expect(row).toEqual({ action: 'upsert', last_marked_at: later });
    });
    // A pass that began between the two times must not clear it.
    await store().clearDirty(id, [{ kind: 'deal', crmId: '7', action: 'upsert' }], '2030-01-01T00:00:01.500Z');
    expect(await store().countDirty(id)).toBe(1);
  });

  it('peeks oldest first; a re-mark keeps its place in the queue', async () => {
    const id = await newInstallationId();
    await store().markDirty(id, [{ kind: 'deal', crmId: 'a', action: 'upsert' }]);
    await clockTick();
    await store().markDirty(id, [{ kind: 'deal', crmId: 'b', action: 'upsert' }]);
    await clockTick();
    await store().markDirty(id, [{ kind: 'deal', crmId: 'a', action: 'delete' }]);
    expect(await store().peekDirty(id, 10)).toEqual([
      { kind: 'deal', crmId: 'a', action: 'delete' },
      { kind: 'deal', crmId: 'b', action: 'upsert' },
    ]);
    expect(await store().peekDirty(id, 1)).toHaveLength(1);
    expect(await store().peekDirty(id, 0)).toEqual([]);
    expect(await store().countDirty(id)).toBe(2);
  });

  it('clearDirty keeps a mark re-marked after markedBefore', async () => {
    const id = await newInstallationId();
    await store().markDirty(id, [
      { kind: 'deal', crmId: '1', action: 'upsert' },
      { kind: 'deal', crmId: '2', action: 'upsert' },
      { kind: 'deal', crmId: '3', action: 'upsert' },
    ]);
    await clockTick();
    const processing = await store().peekDirty(id, 2);
    const markedBefore = new Date().toISOString();
    await clockTick();
    await store().markDirty(id, [{ kind: 'deal', crmId: processing[0]!.crmId, action: 'delete' }]);
    await store().clearDirty(id, processing, markedBefore);
    const left = await store().peekDirty(id, 10);
    expect(left.map((m) => m.crmId).sort()).toEqual([processing[0]!.crmId, '3'].sort());
    await store().clearDirty(id, left, new Date(Date.now() + 1000).toISOString());
    expect(await store().countDirty(id)).toBe(0);
  });

  it('marks 3,000 entities in one call', async () => {
    const id = await newInstallationId();
    await store().markDirty(id, Array.from({ length: 3000 }, (_, i) => ({ kind: 'deal' as const, crmId: String(i), action: 'upsert' as const })));
    expect(await store().countDirty(id)).toBe(3000);
    const all = await store().peekDirty(id, 5000);
    await store().clearDirty(id, all, new Date(Date.now() + 1000).toISOString());
    expect(await store().countDirty(id)).toBe(0);
  });
}
