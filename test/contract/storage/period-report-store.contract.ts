import { randomUUID } from 'node:crypto';
import type { FrozenReportInput } from '../../../src/core/ports/period-report-store.port';
import { rejection, type ContractContext } from './contract-context';

export function periodReportStoreContract(ctx: ContractContext): void {
  const reports = () => ctx.storage().periodReports;
  const links = () => ctx.storage().reportLinks;
  const input = (installationId: string, overrides: Partial<FrozenReportInput> = {}): FrozenReportInput => ({
    installationId,
    granularity: 'quarter',
    periodStart: '2026-07-01',
    periodEnd: '2026-09-30',
    ruleVersion: 'r1',
    baseCurrency: 'RUB',
    fxRates: [{ currency: 'USD', date: '2026-09-01', rate: 91.25 }],
    reason: 'closed',
    report: { kpis: { revenue: 1234567.891, nrr: 1.05 }, accounts: [{ id: 'c1', score: 71.5 }] },
    ...overrides,
  });

  it('freezes a period as version 1 and reads it back with its FX rates and rule version', async () => {
    const { id } = await ctx.installation();
    expect(await reports().latest(id, 'quarter', '2026-07-01')).toBeNull();
    const saved = await reports().save(input(id), 0);
    expect(saved).toMatchObject({ ...input(id), version: 1 });
    expect(await reports().latest(id, 'quarter', '2026-07-01')).toEqual(saved);
    expect(await reports().get(id, 'quarter', '2026-07-01', 1)).toEqual(saved);
    expect(await reports().get(id, 'quarter', '2026-07-01', 2)).toBeNull();
    // Another granularity or period is another report.
    expect(await reports().latest(id, 'month', '2026-07-01')).toBeNull();
    expect(await reports().latest(id, 'quarter', '2026-04-01')).toBeNull();
  });

  it('adds a version on recomputation and keeps the old one unchanged', async () => {
    const { id } = await ctx.installation();
    const first = await reports().save(input(id), 0);
    const second = await reports().save(input(id, { ruleVersion: 'r2', reason: 'recompute', fxRates: [], report: { kpis: { revenue: 1 } } }), 1);
    expect(second.version).toBe(2);
    expect(await reports().latest(id, 'quarter', '2026-07-01')).toEqual(second);
    expect(await reports().get(id, 'quarter', '2026-07-01', 1)).toEqual(first);
    const versions = await reports().versions(id, 'quarter', '2026-07-01');
    expect(versions.map((v) => [v.version, v.ruleVersion, v.reason])).toEqual([
      [1, 'r1', 'closed'],
      [2, 'r2', 'recompute'],
    ]);
  });

  it('keeps installations apart and drops their reports and links on purge', async () => {
    const one = await ctx.installation();
    const two = await ctx.installation();
    await reports().save(input(one.id), 0);
    await links().put({ installationId: one.id, tokenHash: `hash-${randomUUID()}`, granularity: 'month' });
    expect(await reports().latest(two.id, 'quarter', '2026-07-01')).toBeNull();
    await ctx.storage().installations.purge(one.id);
    expect(await reports().latest(one.id, 'quarter', '2026-07-01')).toBeNull();
    expect(await links().get(one.id)).toBeNull();
  });

  it('refuses a version someone else stored first, changing nothing', async () => {
    const { id } = await ctx.installation();
    const first = await reports().save(input(id), 0);
    const late = await rejection(reports().save(input(id, { ruleVersion: 'late' }), 0));
    expect(late).toMatchObject({ code: 'CONFLICT' });
    expect(await reports().versions(id, 'quarter', '2026-07-01')).toHaveLength(1);
    expect(await reports().latest(id, 'quarter', '2026-07-01')).toEqual(first);
  });

  it('keeps one live link per installation: a new one replaces the old, revoke removes it', async () => {
    const { id } = await ctx.installation();
    const first = `hash-${randomUUID()}`;
    const second = `hash-${randomUUID()}`;
    expect(await links().put({ installationId: id, tokenHash: first, granularity: 'quarter' })).toMatchObject({ installationId: id, tokenHash: first, granularity: 'quarter' });
    expect(await links().findByHash(first)).toMatchObject({ installationId: id });
    await links().put({ installationId: id, tokenHash: second, granularity: 'month' });
    expect(await links().findByHash(first)).toBeNull();
    expect(await links().get(id)).toMatchObject({ tokenHash: second, granularity: 'month' });
    expect(await links().revoke(id)).toBe(true);
    expect(await links().revoke(id)).toBe(false);
    expect(await links().findByHash(second)).toBeNull();
  });

  it('refuses a second installation with the same token hash', async () => {
    const one = await ctx.installation();
    const two = await ctx.installation();
    const hash = `hash-${randomUUID()}`;
    await links().put({ installationId: one.id, tokenHash: hash, granularity: 'month' });
    await rejection(links().put({ installationId: two.id, tokenHash: hash, granularity: 'month' }));
    expect(await links().findByHash(hash)).toMatchObject({ installationId: one.id });
  });
}
