import { randomUUID } from 'node:crypto';
import { createInstallationLifecycle } from '../../../src/app/installation/installation-lifecycle';
import { rejection, tokens, type ContractContext } from './contract-context';

export function installationStoreContract(ctx: ContractContext): void {
  const store = () => ctx.storage().installations;

  it('creates an installation with defaults and finds it by id and by (crm, externalId)', async () => {
    const t = tokens('create');
    const created = await ctx.installation({ tokens: t, applicationToken: 'app-secret', clientEndpoint: 'https://x.bitrix24.com/rest/' });
    expect(created).toMatchObject({
      crm: 'bitrix24',
      tokens: t,
      applicationToken: 'app-secret',
      clientEndpoint: 'https://x.bitrix24.com/rest/',
      serverEndpoint: null,
      status: 'new',
      statusReason: null,
      settings: {},
      tokenVersion: 1,
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await store().get(created.id)).toEqual(created);
    expect(await store().findByExternalId('bitrix24', created.externalId)).toEqual(created);
    expect(await store().findByExternalId('amocrm', created.externalId)).toBeNull();
    expect(await store().get(randomUUID())).toBeNull();
  });

  it('upsert on the same (crm, externalId) updates only the given fields and bumps tokenVersion on a token write', async () => {
    const first = await ctx.installation({ settings: { lang: 'ru' }, applicationToken: 'app-1', status: 'active' });
    expect(first.tokenVersion).toBe(0);
    const t = tokens('reinstall');
    const second = await store().upsert({ crm: 'bitrix24', externalId: first.externalId, domain: 'renamed.bitrix24.com', tokens: t });
    expect(second).toMatchObject({
      id: first.id,
      domain: 'renamed.bitrix24.com',
      settings: { lang: 'ru' },
      applicationToken: 'app-1',
      status: 'active',
      tokens: t,
      tokenVersion: 1,
      createdAt: first.createdAt,
    });
    const third = await store().upsert({ crm: 'bitrix24', externalId: first.externalId, domain: 'renamed.bitrix24.com', tokens: null });
    expect(third).toMatchObject({ tokens: null, tokenVersion: 2 });
  });

  it('keeps installations of the same externalId on different CRMs apart', async () => {
    const b24 = await ctx.installation({ externalId: 'shared-42' + randomUUID() });
    const amo = await store().upsert({ crm: 'amocrm', externalId: b24.externalId, domain: 'sub.amocrm.ru' });
    expect(amo.id).not.toBe(b24.id);
    expect((await store().findByExternalId('amocrm', b24.externalId))?.domain).toBe('sub.amocrm.ru');
  });

  it('lists by crm and status', async () => {
    const a = await ctx.installation({ crm: 'amocrm', status: 'blocked' });
    const b = await ctx.installation({ crm: 'amocrm', status: 'active' });
    const ids = (list: { id: string }[]) => list.map((i) => i.id);
    expect(ids(await store().list({ crm: 'amocrm', status: ['blocked'] }))).toContain(a.id);
    expect(ids(await store().list({ crm: 'amocrm', status: ['blocked'] }))).not.toContain(b.id);
    expect(ids(await store().list({ crm: 'bitrix24' }))).not.toContain(a.id);
    expect(ids(await store().list())).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(await store().list({ status: [] })).toEqual([]);
  });

  it('updateTokens is a compare-and-swap on tokenVersion', async () => {
    const inst = await ctx.installation({ tokens: tokens('v1') });
    const rotated = tokens('v2');
    const updated = await store().updateTokens(inst.id, rotated, inst.tokenVersion);
    expect(updated.ok && updated.value.tokens).toEqual(rotated);
    expect(updated.ok && updated.value.tokenVersion).toBe(inst.tokenVersion + 1);

    const stale = await store().updateTokens(inst.id, tokens('lost'), inst.tokenVersion);
    expect(stale.ok).toBe(false);
    expect(!stale.ok && stale.error.code).toBe('CONFLICT');
    expect((await store().get(inst.id))?.tokens).toEqual(rotated);

    const missing = await store().updateTokens(randomUUID(), rotated, 0);
    expect(!missing.ok && missing.error.code).toBe('NOT_FOUND');
  });

  it('lets exactly one of two concurrent rotations win', async () => {
    const inst = await ctx.installation({ tokens: tokens('race') });
    const results = await Promise.all([1, 2, 3, 4].map((n) => store().updateTokens(inst.id, tokens(`race-${n}`), inst.tokenVersion)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.error.code === 'CONFLICT')).toHaveLength(3);
    expect((await store().get(inst.id))?.tokenVersion).toBe(inst.tokenVersion + 1);
  });

  it('sets the application token, status and settings; rejects NOT_FOUND on a missing installation', async () => {
    const inst = await ctx.installation();
    await store().setApplicationToken(inst.id, 'app-new');
    await store().setStatus(inst.id, 'blocked', 'payment required');
    await store().updateSettings(inst.id, { tiers: ['A', 'B'], nested: { on: true } });
    expect(await store().get(inst.id)).toMatchObject({
      applicationToken: 'app-new',
      status: 'blocked',
      statusReason: 'payment required',
      settings: { tiers: ['A', 'B'], nested: { on: true } },
    });
    await store().setStatus(inst.id, 'active');
    expect(await store().get(inst.id)).toMatchObject({ status: 'active', statusReason: null });

    const ghost = randomUUID();
    expect((await rejection(store().setStatus(ghost, 'active'))).code).toBe('NOT_FOUND');
    expect((await rejection(store().setApplicationToken(ghost, 'x'))).code).toBe('NOT_FOUND');
    expect((await rejection(store().updateSettings(ghost, {}))).code).toBe('NOT_FOUND');
  });

  it('writes a status only from the statuses it is given, in one conditional write', async () => {
    const inst = await ctx.installation({ status: 'active' });
    expect(await store().setStatus(inst.id, 'deleted', 'uninstalled from the CRM', { from: ['new', 'active', 'blocked'] })).toBe(true);
    // A refused token refresh decided on an earlier read of "active": the uninstall stands.
    expect(await store().setStatus(inst.id, 'blocked', 'token refresh failed', { from: ['active', 'blocked'] })).toBe(false);
    expect(await store().get(inst.id)).toMatchObject({ status: 'deleted', statusReason: 'uninstalled from the CRM' });
    expect(await store().setStatus(inst.id, 'deleted', 'again', { from: ['deleted'] })).toBe(true);
    expect(await store().get(inst.id)).toMatchObject({ status: 'deleted', statusReason: 'again' });
    expect((await rejection(store().setStatus(randomUUID(), 'blocked', null, { from: ['active'] }))).code).toBe('NOT_FOUND');
    expect((await rejection(store().setStatus(inst.id, 'active', null, { from: [] }))).code).toBe('INPUT_INVALID');
  });

  it('never sets an uninstalled installation back to blocked when an uninstall and a block race from two processes', async () => {
    const second = await ctx.factory();
    try {
      const [hook, refresh] = [createInstallationLifecycle(store()), createInstallationLifecycle(second.installations)];
      const installs = await Promise.all(Array.from({ length: 12 }, () => ctx.installation({ status: 'active' })));
      const outcomes = await Promise.all(
        installs.map(async (inst, i) => {
          // Both read "active" before either writes; half the time the block is sent first.
          const moves = [() => hook.markDeleted(inst.id, 'uninstalled from the CRM'), () => refresh.markBlocked(inst.id, 'token refresh failed')];
          const [deleted, blocked] = await Promise.allSettled(i % 2 === 0 ? moves.map((move) => move()) : moves.reverse().map((move) => move()).reverse());
          return { deleted: deleted!.status, blocked: blocked!.status === 'rejected' ? (blocked!.reason as { code: string }).code : 'fulfilled' };
        }),
      );
      for (const outcome of outcomes) expect(outcome).toEqual({ deleted: 'fulfilled', blocked: expect.stringMatching(/^(fulfilled|CONFLICT)$/) });
      const rows = await Promise.all(installs.map((inst) => store().get(inst.id)));
      expect(rows.map((row) => [row?.status, row?.statusReason])).toEqual(installs.map(() => ['deleted', 'uninstalled from the CRM']));
    } finally {
      await second.close();
    }
  });

  it('purge is idempotent', async () => {
    const inst = await ctx.installation();
    await store().purge(inst.id);
    await store().purge(inst.id);
    expect(await store().get(inst.id)).toBeNull();
  });

  it('token lease: one owner at a time, renewable by its owner, free after release', async () => {
    const inst = await ctx.installation();
    expect(await store().acquireTokenLease(inst.id, 'process-a', 60_000)).toBe(true);
    expect(await store().acquireTokenLease(inst.id, 'process-b', 60_000)).toBe(false);
    expect(await store().acquireTokenLease(inst.id, 'process-a', 60_000)).toBe(true);
    // Releasing someone else's lease does nothing.
    await store().releaseTokenLease(inst.id, 'process-b');
    expect(await store().acquireTokenLease(inst.id, 'process-b', 60_000)).toBe(false);
    await store().releaseTokenLease(inst.id, 'process-a');
    expect(await store().acquireTokenLease(inst.id, 'process-b', 60_000)).toBe(true);
    // Leases are per installation.
    const other = await ctx.installation();
    expect(await store().acquireTokenLease(other.id, 'process-a', 60_000)).toBe(true);
  });

  it('token lease: an expired lease (its holder died) is taken over', async () => {
    const inst = await ctx.installation();
    expect(await store().acquireTokenLease(inst.id, 'dead-process', 0)).toBe(true);
    expect(await store().acquireTokenLease(inst.id, 'survivor', 60_000)).toBe(true);
    expect(await store().acquireTokenLease(inst.id, 'dead-process', 60_000)).toBe(false);
  });

  it('token lease: of many concurrent takers exactly one wins', async () => {
    const inst = await ctx.installation();
    const other = await ctx.factory();
    try {
      const stores = [store(), other.installations];
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (stores[i % 2] ?? store()).acquireTokenLease(inst.id, `owner-${i}`, 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
}
