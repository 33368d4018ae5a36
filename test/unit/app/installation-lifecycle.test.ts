import { createInstallationLifecycle } from '../../../src/app/installation/installation-lifecycle';
import { IllegalTransitionError, checkTransition } from '../../../src/core/model/installation-state';
import type { InstallationInput, InstallationStatus } from '../../../src/core/ports/installation-store.port';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createStorage } from '../../../src/storage';

/** New -> Active <-> Blocked -> Deleted, on a real (in-memory SQLite) installation store. */
let storage: Storage;
beforeEach(async () => {
  storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: Buffer.alloc(32, 3) });
});
afterEach(async () => {
  await storage.close();
});

const input = (overrides: Partial<InstallationInput> = {}): InstallationInput => ({
  crm: 'bitrix24', externalId: 'member-1', domain: 'a.bitrix24.ru', clientEndpoint: 'https://a.bitrix24.ru/rest/',
  tokens: { accessToken: 'a', refreshToken: 'r', expiresAt: '2030-01-01T00:00:00.000Z' }, settings: { lang: 'en' }, ...overrides,
});

describe('checkTransition', () => {
  const ALL: InstallationStatus[] = ['new', 'active', 'blocked', 'deleted'];
  const LEGAL = new Set(['new>active', 'new>deleted', 'active>blocked', 'active>deleted', 'blocked>active', 'blocked>deleted']);

  it('allows exactly the moves of the state machine, and staying put', () => {
    for (const from of ALL) {
      for (const to of ALL) {
        const refused = checkTransition(from, to);
        if (from === to || LEGAL.has(`${from}>${to}`)) expect(refused).toBeNull();
        else expect(refused).toMatchObject({ code: 'CONFLICT', status: 409, from, to });
      }
    }
  });
});

describe('installation lifecycle', () => {
  it('installs a new installation as active, with the language asked for', async () => {
    const lifecycle = createInstallationLifecycle(storage.installations);
    const { installation, previous } = await lifecycle.install(input(), 'ru');
    expect(previous).toBeNull();
    expect(installation).toMatchObject({ status: 'active', statusReason: null });
    expect((await storage.installations.get(installation.id))?.settings).toEqual({ lang: 'en' });
  });

  it('blocks and unblocks, keeping the reason while blocked', async () => {
    const lifecycle = createInstallationLifecycle(storage.installations);
    const { installation } = await lifecycle.install(input(), 'ru');
    await lifecycle.markBlocked(installation.id, 'the portal refused our refresh token');
    expect(await storage.installations.get(installation.id)).toMatchObject({ status: 'blocked', statusReason: 'the portal refused our refresh token' });
    await lifecycle.markActive(installation.id);
    expect(await storage.installations.get(installation.id)).toMatchObject({ status: 'active', statusReason: null });
  });

  it('refuses to bring a deleted installation back or block it, with a typed error, changing nothing', async () => {
    const lifecycle = createInstallationLifecycle(storage.installations);
    const { installation } = await lifecycle.install(input(), 'ru');
    await lifecycle.markDeleted(installation.id, 'uninstalled from the CRM');
    await expect(lifecycle.markActive(installation.id)).rejects.toBeInstanceOf(IllegalTransitionError);
    await expect(lifecycle.markBlocked(installation.id, 'x')).rejects.toMatchObject({ code: 'CONFLICT', from: 'deleted', to: 'blocked' });
    expect(await storage.installations.get(installation.id)).toMatchObject({ status: 'deleted', statusReason: 'uninstalled from the CRM' });
  });

  it('a reinstall after Deleted starts a new life and keeps the admin settings', async () => {
    const lifecycle = createInstallationLifecycle(storage.installations);
    const { installation } = await lifecycle.install(input(), 'ru');
    await storage.installations.updateSettings(installation.id, { lang: 'en', contactsAsAccounts: true });
    await lifecycle.markDeleted(installation.id, 'uninstalled from the CRM');
    const again = await lifecycle.install(input({ settings: { lang: 'ru' } }), 'ru');
    expect(again.previous?.status).toBe('deleted');
    expect(again.installation).toMatchObject({ id: installation.id, status: 'active', statusReason: null });
    expect((await storage.installations.get(installation.id))?.settings).toEqual({ lang: 'en', contactsAsAccounts: true });
  });

  it('says which installation is missing', async () => {
    const lifecycle = createInstallationLifecycle(storage.installations);
    await expect(lifecycle.markDeleted('00000000-0000-4000-8000-000000000000', 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
