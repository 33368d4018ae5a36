import { clockTick, rejection, type ContractContext } from './contract-context';

export function taskLedgerContract(ctx: ContractContext): void {
  const ledger = () => ctx.storage().taskLedger;
  const entry = (installationId: string, dedupKey: string, accountId = 'acc-1') => ({
    installationId,
    dedupKey,
    ruleId: 'renewal-90d',
    accountId,
    ownerId: '7',
    entityType: 'company',
    entityId: accountId,
    title: 'Prepare the renewal',
    dueDate: '2024-07-01',
  });

  it('reserves a key once, in any state', async () => {
    const { id } = await ctx.installation();
    expect(await ledger().reserve(entry(id, 'k1'))).toBe(true);
    expect(await ledger().reserve(entry(id, 'k1'))).toBe(false);
    expect(await ledger().get(id, 'k1')).toMatchObject({ ...entry(id, 'k1'), state: 'pending', crmTaskId: null, closeReason: null });
    await ledger().markClosed(id, 'k1', 'cause gone');
    expect(await ledger().reserve(entry(id, 'k1'))).toBe(false);
    expect(await ledger().get(id, 'missing')).toBeNull();
  });

  it('lets exactly one of many concurrent reservations win', async () => {
    const { id } = await ctx.installation();
    const results = await Promise.all(Array.from({ length: 8 }, () => ledger().reserve(entry(id, 'race'))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('moves an entry through open, closed and failed', async () => {
    const { id } = await ctx.installation();
    await ledger().reserve(entry(id, 'k1'));
    await ledger().markOpen(id, 'k1', 'task-901');
    expect(await ledger().get(id, 'k1')).toMatchObject({ state: 'open', crmTaskId: 'task-901' });
    await ledger().markClosed(id, 'k1', 'deal won');
    expect(await ledger().get(id, 'k1')).toMatchObject({ state: 'closed', crmTaskId: 'task-901', closeReason: 'deal won' });
    await ledger().reserve(entry(id, 'k2'));
    await ledger().markFailed(id, 'k2', 'CRM rejected the task');
    expect(await ledger().get(id, 'k2')).toMatchObject({ state: 'failed', closeReason: 'CRM rejected the task' });
    expect((await rejection(ledger().markOpen(id, 'never-reserved', 't'))).code).toBe('NOT_FOUND');
  });

  it('lists by state, account and creation time', async () => {
    const { id } = await ctx.installation();
    await ledger().reserve(entry(id, 'a1', 'acc-a'));
    await ledger().reserve(entry(id, 'b1', 'acc-b'));
    await clockTick();
    const since = new Date().toISOString();
    await clockTick();
    await ledger().reserve(entry(id, 'a2', 'acc-a'));
    await ledger().markOpen(id, 'a1', 't-1');
    const keys = async (filter?: Parameters<ReturnType<typeof ledger>['list']>[1]) => (await ledger().list(id, filter)).map((e) => e.dedupKey);
    expect(await keys()).toEqual(['a1', 'b1', 'a2']);
    expect(await keys({ states: ['pending'] })).toEqual(['b1', 'a2']);
    expect(await keys({ states: [] })).toEqual([]);
    expect(await keys({ accountId: 'acc-a' })).toEqual(['a1', 'a2']);
    expect(await keys({ createdSince: since })).toEqual(['a2']);
    expect(await keys({ states: ['open', 'pending'], accountId: 'acc-a', createdSince: since })).toEqual(['a2']);
  });
}
