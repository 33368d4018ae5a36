import { randomUUID } from 'node:crypto';
import { snapshot, type ContractContext } from './contract-context';

export function evaluationStoreContract(ctx: ContractContext): void {
  const store = () => ctx.storage().evaluations;
  const run = (installationId: string, asOf: string) => ({ installationId, asOf, ruleVersion: 'r1', portfolio: { accounts: 2, revenue: { '2024': 10 } } });

  it('saves a run and reads it back by run, account and history', async () => {
    const { id } = await ctx.installation();
    expect(await store().latestRun(id)).toBeNull();
    const saved = await store().saveRun(run(id, '2024-06-01'), [snapshot('a', '2024-06-01', 'A', 91.25), snapshot('b', '2024-06-01', 'B')]);
    expect(saved).toMatchObject({ installationId: id, asOf: '2024-06-01', ruleVersion: 'r1', accountCount: 2, portfolio: { accounts: 2, revenue: { '2024': 10 } } });
    expect(await store().latestRun(id)).toEqual(saved);
    expect(await store().runAccounts(id, saved.id)).toEqual([snapshot('a', '2024-06-01', 'A', 91.25), snapshot('b', '2024-06-01', 'B')]);
    await store().saveRun(run(id, '2024-07-01'), [snapshot('a', '2024-07-01', 'B', 60)]);
    expect(await store().latestAccount(id, 'a')).toEqual(snapshot('a', '2024-07-01', 'B', 60));
    expect(await store().latestAccount(id, 'zzz')).toBeNull();
    expect(await store().accountHistory(id, 'a')).toEqual([
      { asOf: '2024-06-01', tier: 'A', score: 91.25, ruleVersion: 'r1' },
      { asOf: '2024-07-01', tier: 'B', score: 60, ruleVersion: 'r1' },
    ]);
    expect((await store().latestRun(id))?.asOf).toBe('2024-07-01');
    expect(await store().runAccounts(id, randomUUID())).toEqual([]);
  });

  it('replaces the rows of a second run on the same date', async () => {
    const { id } = await ctx.installation();
    const first = await store().saveRun(run(id, '2024-06-01'), [snapshot('a', '2024-06-01', 'A'), snapshot('b', '2024-06-01', 'B')]);
    const second = await store().saveRun({ ...run(id, '2024-06-01'), ruleVersion: 'r2' }, [snapshot('a', '2024-06-01', 'C')]);
    expect(second.id).not.toBe(first.id);
    expect(await store().runAccounts(id, first.id)).toEqual([]);
    expect((await store().runAccounts(id, second.id)).map((s) => s.tier)).toEqual(['C']);
    expect(await store().latestAccount(id, 'b')).toBeNull();
    expect(await store().latestRun(id)).toMatchObject({ id: second.id, ruleVersion: 'r2', accountCount: 1 });
  });

  it("a save a crash cut short is seen by no reader, and the date's next save clears what it wrote", async () => {
    if (!ctx.withRawDb) return;
    const { id } = await ctx.installation();
    const live = await store().saveRun(run(id, '2024-06-01'), [snapshot('a', '2024-06-01', 'A'), snapshot('b', '2024-06-01', 'B')]);
    // What a save killed between its chunks leaves: snapshots of a run id that has no run row.
    const cut = randomUUID();
    const leftover = (accountId: string, tier: string) => ({
      installation_id: id, run_id: cut, account_id: accountId, as_of: '2024-06-01', score: 1, tier, previous_tier: null, rule_version: 'r1', contributions: '[]', kpis: '{}',
    });
    await ctx.withRawDb((db) => db.insertInto('account_snapshots').values([leftover('a', 'C'), leftover('z', 'C')]).execute());
    expect(await store().latestAccount(id, 'a')).toEqual(snapshot('a', '2024-06-01', 'A'));
    expect(await store().latestAccount(id, 'z')).toBeNull();
    expect(await store().accountHistory(id, 'a')).toEqual([{ asOf: '2024-06-01', tier: 'A', score: 50, ruleVersion: 'r1' }]);
    expect(await store().tiersBefore(id, '2024-07-01')).toEqual(new Map([['a', 'A'], ['b', 'B']]));
    expect(await store().runAccounts(id, cut)).toEqual([]);

    const next = await store().saveRun(run(id, '2024-06-01'), [snapshot('a', '2024-06-01', 'B')]);
    const runsLeft = await ctx.withRawDb((db) => db.selectFrom('account_snapshots').select('run_id').distinct().where('installation_id', '=', id).execute());
    // Neither the cut save's snapshots nor the replaced run's are left.
    expect(runsLeft.map((row) => row.run_id)).toEqual([next.id]);
    expect(await store().runAccounts(id, live.id)).toEqual([]);
  });

  it('tiersBefore gives each account its latest tier strictly before the date', async () => {
    const { id } = await ctx.installation();
    await store().saveRun(run(id, '2024-01-01'), [snapshot('a', '2024-01-01', 'A'), snapshot('b', '2024-01-01', 'B')]);
    await store().saveRun(run(id, '2024-02-01'), [snapshot('a', '2024-02-01', 'B')]);
    await store().saveRun(run(id, '2024-03-01'), [snapshot('a', '2024-03-01', 'C'), snapshot('b', '2024-03-01', 'A')]);
    expect(await store().tiersBefore(id, '2024-03-01')).toEqual(new Map([['a', 'B'], ['b', 'B']]));
    expect(await store().tiersBefore(id, '2024-01-01')).toEqual(new Map());
    expect(await store().tiersBefore(id, '2099-01-01')).toEqual(new Map([['a', 'C'], ['b', 'A']]));
  });

  it('saves a run of 2,000 accounts', async () => {
    const { id } = await ctx.installation();
    const accounts = Array.from({ length: 2000 }, (_, i) => snapshot(`acc-${i}`, '2024-06-01', i % 3 === 0 ? 'A' : 'B'));
    const saved = await store().saveRun(run(id, '2024-06-01'), accounts);
    expect(saved.accountCount).toBe(2000);
    expect(await store().runAccounts(id, saved.id)).toHaveLength(2000);
  });
}
