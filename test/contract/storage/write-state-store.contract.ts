import type { ContractContext } from './contract-context';

export function writeStateStoreContract(ctx: ContractContext): void {
  const store = () => ctx.storage().writeState;

  it('puts, overwrites, reads and deletes values by key', async () => {
    const { id } = await ctx.installation();
    await store().putMany(id, [
      { key: 'field:company:42', value: { tier: 'A', score: 91.5 } },
      { key: 'comment:company:42:2024-06', value: { crmId: '777' } },
      { key: 'flag', value: true },
      { key: 'nothing', value: null },
    ]);
    await store().putMany(id, [{ key: 'field:company:42', value: { tier: 'B', score: 60 } }]);
    const got = await store().getMany(id, ['field:company:42', 'comment:company:42:2024-06', 'flag', 'nothing', 'absent']);
    expect(got).toEqual(
      new Map<string, unknown>([
        ['field:company:42', { tier: 'B', score: 60 }],
        ['comment:company:42:2024-06', { crmId: '777' }],
        ['flag', true],
        ['nothing', null],
      ]),
    );
    await store().deleteMany(id, ['flag', 'absent']);
    expect([...(await store().getMany(id, ['flag', 'nothing'])).keys()]).toEqual(['nothing']);
    expect(await store().getMany(id, [])).toEqual(new Map());
    await store().putMany(id, []);
    await store().deleteMany(id, []);
  });

  it('claims only keys nobody holds yet, atomically, and says which', async () => {
    const { id } = await ctx.installation();
    await store().putMany(id, [{ key: 'comment:a', value: { state: 'done' } }]);
    const first = await store().claimMany(id, [
      { key: 'comment:a', value: { state: 'pending' } },
      { key: 'comment:b', value: { state: 'pending' } },
    ]);
    expect(first).toEqual(['comment:b']);
    expect((await store().getMany(id, ['comment:a'])).get('comment:a')).toEqual({ state: 'done' });
    // Two claimants at once: each key goes to exactly one of them.
    const keys = Array.from({ length: 300 }, (_, i) => ({ key: `c:${i}`, value: 1 }));
    const [left, right] = await Promise.all([store().claimMany(id, keys), store().claimMany(id, keys)]);
    expect(left.length + right.length).toBe(300);
    expect(new Set([...left, ...right]).size).toBe(300);
    expect(await store().claimMany(id, [])).toEqual([]);
  });

  it('keeps the last value of a key given twice and handles 2,000 keys a call', async () => {
    const { id } = await ctx.installation();
    await store().putMany(id, [
      { key: 'k', value: 1 },
      { key: 'k', value: 2 },
    ]);
    expect((await store().getMany(id, ['k'])).get('k')).toBe(2);
    const keys = Array.from({ length: 2000 }, (_, i) => `field:deal:${i}`);
    await store().putMany(id, keys.map((key, i) => ({ key, value: { i } })));
    expect((await store().getMany(id, keys)).size).toBe(2000);
    await store().deleteMany(id, keys);
    expect((await store().getMany(id, keys)).size).toBe(0);
  });
}
