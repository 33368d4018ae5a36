import type { SettingsChange } from '../../../src/core/ports/settings-history.port';
import { rejection, type ContractContext } from './contract-context';

const change = (ruleVersion: string, previousRuleVersion: string | null, extra: Partial<SettingsChange> = {}): Omit<SettingsChange, 'installationId' | 'version'> => ({
  changedAt: '2026-11-27T18:00:00.000Z',
  actor: { id: '1', name: 'Anna Admin' },
  ruleVersion,
  previousRuleVersion,
  diff: [{ path: 'criteria[0].weight', before: 40, after: 30 }],
  ...extra,
});

export function settingsHistoryContract(ctx: ContractContext): void {
  const store = () => ctx.storage().settingsHistory;

  it('saves settings keys and appends numbered changes, newest first, leaving other keys alone', async () => {
    const inst = await ctx.installation({ settings: { bitrix24: { tierFieldId: 7 }, lang: 'ru' } });
    expect(await store().latestVersion(inst.id)).toBe(0);
    expect(await store().list(inst.id)).toEqual([]);
    const first = await store().save({ installationId: inst.id, expectedVersion: 0, patch: { lang: 'en', criteria: { hysteresis: 3 } }, change: change('v1', null) });
    expect(first).toEqual({ installationId: inst.id, version: 1, ...change('v1', null) });
    await store().save({ installationId: inst.id, expectedVersion: 1, patch: { summaryTiers: undefined, rules: {} }, change: change('v2', 'v1', { actor: { id: '9', name: null }, diff: [] }) });
    expect((await ctx.storage().installations.get(inst.id))?.settings).toEqual({ bitrix24: { tierFieldId: 7 }, lang: 'en', criteria: { hysteresis: 3 }, rules: {} });
    const history = await store().list(inst.id);
    expect(history.map((c) => [c.version, c.ruleVersion, c.previousRuleVersion, c.actor])).toEqual([
      [2, 'v2', 'v1', { id: '9', name: null }],
      [1, 'v1', null, { id: '1', name: 'Anna Admin' }],
    ]);
    expect(history[1]?.diff).toEqual([{ path: 'criteria[0].weight', before: 40, after: 30 }]);
    expect(await store().list(inst.id, { limit: 1 })).toHaveLength(1);
    expect(await store().latestVersion(inst.id)).toBe(2);
  });

  it('refuses a stale version with CONFLICT and writes nothing', async () => {
    const inst = await ctx.installation({ settings: { lang: 'ru' } });
    await store().save({ installationId: inst.id, expectedVersion: 0, patch: { lang: 'en' }, change: change('v1', null) });
    const stale = await rejection(store().save({ installationId: inst.id, expectedVersion: 0, patch: { lang: 'ru', hysteresis: 1 }, change: change('v2', null) }));
    expect(stale).toMatchObject({ code: 'CONFLICT', status: 409 });
    expect((await ctx.storage().installations.get(inst.id))?.settings).toEqual({ lang: 'en' });
    expect((await store().list(inst.id)).map((c) => c.version)).toEqual([1]);
  });

  it('lets exactly one of two concurrent saves of the same version through', async () => {
    const inst = await ctx.installation({ settings: {} });
    const results = await Promise.allSettled([
      store().save({ installationId: inst.id, expectedVersion: 0, patch: { lang: 'en' }, change: change('a', null) }),
      store().save({ installationId: inst.id, expectedVersion: 0, patch: { lang: 'ru' }, change: change('b', null) }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'CONFLICT' });
    const [only] = await store().list(inst.id);
    expect((await ctx.storage().installations.get(inst.id))?.settings).toEqual({ lang: only?.ruleVersion === 'a' ? 'en' : 'ru' });
  });

  it('rejects a save for an unknown installation with NOT_FOUND', async () => {
    const missing = await rejection(store().save({ installationId: '00000000-0000-0000-0000-000000000000', expectedVersion: 0, patch: {}, change: change('v', null) }));
    expect(missing).toMatchObject({ code: 'NOT_FOUND' });
  });
}
