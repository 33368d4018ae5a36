import { company, deal, snapshot, type ContractContext } from './contract-context';

const TABLES = ['entities', 'sync_cursors', 'dirty_marks', 'evaluation_runs', 'account_snapshots', 'task_ledger', 'write_state', 'settings_history'] as const;

/** Two installations holding the same keys everywhere; `tag` makes each one's values tell-tale. */
export function isolationContract(ctx: ContractContext): void {
  const s = () => ctx.storage();

  async function populate(tag: 'A' | 'B') {
    const { id } = await ctx.installation();
    const amount = tag === 'A' ? 100 : 200;
    await s().entities.upsertMany(id, 'deal', [deal('1', { amount }), deal('2', { amount })]);
    await s().entities.upsertMany(id, 'company', [company('1', { name: tag })]);
    await s().syncState.saveCursor({ installationId: id, stream: 'deal', phase: 'full', position: tag, fullCompletedAt: null, modifiedSince: null });
    await s().syncState.markDirty(id, [{ kind: 'deal', crmId: '1', action: tag === 'A' ? 'upsert' : 'delete' }]);
    const run = await s().evaluations.saveRun({ installationId: id, asOf: '2024-06-01', ruleVersion: tag, portfolio: { tag } }, [
      snapshot('acc', '2024-06-01', tag),
    ]);
    await s().taskLedger.reserve({ installationId: id, dedupKey: 'k1', ruleId: 'r', accountId: 'acc', ownerId: null, entityType: 'company', entityId: '1', title: tag, dueDate: null });
    await s().writeState.putMany(id, [{ key: 'field:company:1', value: { tag } }]);
    await s().settingsHistory.save({
      installationId: id,
      expectedVersion: 0,
      patch: { lang: tag },
      change: { changedAt: '2026-11-27T18:00:00.000Z', actor: { id: tag, name: null }, ruleVersion: tag, previousRuleVersion: null, diff: [] },
    });
    return { id, runId: run.id, amount };
  }

  async function expectIntact(b: { id: string; runId: string; amount: number }) {
    expect((await s().entities.get(b.id, 'deal', '1'))?.data.amount).toBe(b.amount);
    expect((await s().entities.get(b.id, 'deal', '1'))?.deleted).toBe(false);
    expect(await s().entities.count(b.id, 'deal')).toBe(2);
    expect((await s().syncState.getCursor(b.id, 'deal'))?.position).toBe('B');
    expect(await s().syncState.peekDirty(b.id, 10)).toEqual([{ kind: 'deal', crmId: '1', action: 'delete' }]);
    expect(await s().evaluations.latestRun(b.id)).toMatchObject({ id: b.runId, ruleVersion: 'B' });
    expect((await s().evaluations.runAccounts(b.id, b.runId)).map((a) => a.tier)).toEqual(['B']);
    expect(await s().taskLedger.get(b.id, 'k1')).toMatchObject({ title: 'B', state: 'pending' });
    expect((await s().writeState.getMany(b.id, ['field:company:1'])).get('field:company:1')).toEqual({ tag: 'B' });
    expect((await s().settingsHistory.list(b.id)).map((c) => c.ruleVersion)).toEqual(['B']);
  }

  it('reads of one installation never return another installation’s rows', async () => {
    const a = await populate('A');
    const b = await populate('B');
    expect((await s().entities.get(a.id, 'deal', '1'))?.data.amount).toBe(100);
    expect(await s().entities.count(a.id, 'deal', { includeDeleted: true })).toBe(2);
    const pages: number[] = [];
    for await (const page of s().entities.iterate(a.id, 'deal')) pages.push(...page.map((d) => d.amount));
    expect(pages).toEqual([100, 100]);
    expect((await s().syncState.listCursors(a.id)).map((c) => c.position)).toEqual(['A']);
    expect(await s().syncState.peekDirty(a.id, 10)).toEqual([{ kind: 'deal', crmId: '1', action: 'upsert' }]);
    expect(await s().syncState.countDirty(a.id)).toBe(1);
    expect((await s().evaluations.latestRun(a.id))?.ruleVersion).toBe('A');
    expect((await s().evaluations.latestAccount(a.id, 'acc'))?.tier).toBe('A');
    expect(await s().evaluations.accountHistory(a.id, 'acc')).toHaveLength(1);
    expect(await s().evaluations.tiersBefore(a.id, '2099-01-01')).toEqual(new Map([['acc', 'A']]));
    expect(await s().evaluations.runAccounts(a.id, b.runId)).toEqual([]);
    expect((await s().taskLedger.list(a.id)).map((e) => e.title)).toEqual(['A']);
    expect((await s().writeState.getMany(a.id, ['field:company:1'])).get('field:company:1')).toEqual({ tag: 'A' });
    await expectIntact(b);
  });

  it('writes to one installation never change another’s rows', async () => {
    const a = await populate('A');
    const b = await populate('B');
    await s().entities.upsertMany(a.id, 'deal', [deal('1', { amount: 1, modifiedAt: '2030-01-01T00:00:00Z' })]);
    expect(await s().entities.markDeleted(a.id, 'deal', ['1', '2'])).toBe(2);
    await s().syncState.saveCursor({ installationId: a.id, stream: 'deal', phase: 'incremental', position: 'A2', fullCompletedAt: null, modifiedSince: null });
    await s().syncState.clearDirty(a.id, [{ kind: 'deal', crmId: '1', action: 'upsert' }], new Date(Date.now() + 1000).toISOString());
    await s().evaluations.saveRun({ installationId: a.id, asOf: '2024-06-01', ruleVersion: 'A2', portfolio: {} }, []);
    expect(await s().taskLedger.reserve({ installationId: b.id, dedupKey: 'fresh', ruleId: 'r', accountId: 'acc', ownerId: null, entityType: 'company', entityId: '1', title: 'B2', dueDate: null })).toBe(true);
    await s().taskLedger.markOpen(a.id, 'k1', 'task-a');
    await s().writeState.deleteMany(a.id, ['field:company:1']);
    await s().writeState.putMany(a.id, [{ key: 'other', value: 1 }]);
    await expectIntact(b);
    expect(await s().writeState.getMany(b.id, ['other'])).toEqual(new Map());
  });

  it('purge removes every row of one installation and none of another', async () => {
    const a = await populate('A');
    const b = await populate('B');
    await s().installations.purge(a.id);
    expect(await s().installations.get(a.id)).toBeNull();
    expect(await s().entities.count(a.id, 'deal', { includeDeleted: true })).toBe(0);
    expect(await s().syncState.listCursors(a.id)).toEqual([]);
    expect(await s().syncState.countDirty(a.id)).toBe(0);
    expect(await s().evaluations.latestRun(a.id)).toBeNull();
    expect(await s().taskLedger.list(a.id)).toEqual([]);
    expect((await s().writeState.getMany(a.id, ['field:company:1'])).size).toBe(0);
    expect(await s().settingsHistory.list(a.id)).toEqual([]);
    await expectIntact(b);
    if (ctx.withRawDb) {
      const left = await ctx.withRawDb(async (db) =>
        Promise.all(
          TABLES.map(async (table) => {
            const row = await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number | string>().as('n'))
              .where('installation_id', '=', a.id)
              .executeTakeFirstOrThrow();
            return Number(row.n);
          }),
        ),
      );
      expect(left).toEqual(TABLES.map(() => 0));
    }
  });
}
