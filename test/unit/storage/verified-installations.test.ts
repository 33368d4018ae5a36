import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Installation } from '../../../src/core/ports/installation-store.port';
import { createStorage } from '../../../src/storage/create-storage';
import { createSecretCipher } from '../../../src/storage/crypto/secret-cipher';
import type { Database } from '../../../src/storage/database';
import { migrateDatabase } from '../../../src/storage/migrate';
import { openDatabase } from '../../../src/storage/open-database';
import { createInstallationStore, type StoredInstallations } from '../../../src/storage/repositories/installation-store.kysely';
import { withVerifiedInstallations } from '../../../src/storage/repositories/verified-installations';

/**
 * The inbound path's installation cache: an accepted copy answers from memory; a copy that would
 * refuse, an old one, or one this process changed is read from the store again; a change by
 * another process (a second cache over the same database) is accepted at most for the TTL.
 */
let db: Kysely<Database>;
let stored: StoredInstallations;
/** Store reads (get, findByExternalId) since the test began. */
let reads: number;
let clock: number;
const now = () => new Date(clock);

const counted = (): StoredInstallations => ({
  ...stored,
  get: (id) => {
    reads += 1;
    return stored.get(id);
  },
  findByExternalId: (crm, externalId) => {
    reads += 1;
    return stored.findByExternalId(crm, externalId);
  },
});

beforeEach(async () => {
  ({ db } = await openDatabase({ sqliteFile: ':memory:' }));
  const migrated = await migrateDatabase(db);
  if (!migrated.ok) throw migrated.error;
  stored = createInstallationStore({ db, cipher: createSecretCipher({ key: randomBytes(32) }) });
  reads = 0;
  clock = Date.parse('2026-11-27T10:00:00Z');
});
afterEach(() => db.destroy());

const TTL = 10_000;
const signedWith = (token: string) => (installation: Installation) => installation.applicationToken === token && installation.status !== 'deleted';
const portal = (store: StoredInstallations, externalId = 'member-1', applicationToken = 'token-1') =>
  store.upsert({ crm: 'bitrix24', externalId, domain: `${externalId}.bitrix24.ru`, applicationToken, status: 'active', settings: { bitrix24: { appUserId: '1' } } });

describe('withVerifiedInstallations', () => {
  it('reads the store once for repeated accepted lookups, by member_id or by id', async () => {
    const cache = withVerifiedInstallations(counted(), { ttlMs: TTL, now });
    const { id } = await portal(cache);
    const lookup = { crm: 'bitrix24' as const, externalId: 'member-1' };
    for (let i = 0; i < 5; i += 1) expect((await cache.findVerified(lookup, signedWith('token-1')))?.id).toBe(id);
    expect((await cache.findVerified({ id }, signedWith('token-1')))?.applicationToken).toBe('token-1');
    expect(reads).toBe(1);
    // After the TTL the copy is read again.
    clock += TTL;
    await cache.findVerified(lookup, signedWith('token-1'));
    expect(reads).toBe(2);
  });

  it('reads again before refusing: a token rotated by another process is accepted at once', async () => {
    const ours = withVerifiedInstallations(counted(), { ttlMs: TTL, now });
    const theirs = withVerifiedInstallations(stored, { ttlMs: TTL, now });
    const { id } = await portal(ours);
    await ours.findVerified({ id }, signedWith('token-1'));
    await theirs.setApplicationToken(id, 'token-2');
    const found = await ours.findVerified({ crm: 'bitrix24', externalId: 'member-1' }, signedWith('token-2'));
    expect(found?.applicationToken).toBe('token-2');
    expect(reads).toBe(2);
    // The fresh copy is the one kept: the old token is refused by it without a wait.
    expect(signedWith('token-1')((await ours.findVerified({ id }, signedWith('token-1'))) as Installation)).toBe(false);
  });

  it('accepts what another process revoked for at most the TTL, then refuses', async () => {
    const ours = withVerifiedInstallations(stored, { ttlMs: TTL, now });
    const theirs = withVerifiedInstallations(stored, { ttlMs: TTL, now });
    const { id } = await portal(ours);
    await ours.findVerified({ id }, signedWith('token-1'));
    await theirs.setStatus(id, 'deleted', 'uninstalled');
    clock += TTL - 1;
    expect((await ours.findVerified({ id }, signedWith('token-1')))?.status).toBe('active');
    clock += 1;
    expect((await ours.findVerified({ id }, signedWith('token-1')))?.status).toBe('deleted');
  });

  it.each([
    ['setApplicationToken', (store: StoredInstallations, id: string) => store.setApplicationToken(id, 'token-9')],
    ['setStatus', (store: StoredInstallations, id: string) => store.setStatus(id, 'blocked', 'refused')],
    ['updateSettings', (store: StoredInstallations, id: string) => store.updateSettings(id, { bitrix24: { appUserId: '7' } })],
    ['upsert', (store: StoredInstallations) => portal(store, 'member-1', 'token-9').then(() => undefined)],
    ['updateTokens', async (store: StoredInstallations, id: string) => {
      const result = await store.updateTokens(id, { accessToken: 'a', refreshToken: 'r', expiresAt: '2026-11-27T11:00:00.000Z' }, 0);
      if (!result.ok) throw result.error;
    }],
    ['purge', (store: StoredInstallations, id: string) => store.purge(id)],
  ])('drops the copy when this process writes the installation (%s)', async (_name, write) => {
    const cache = withVerifiedInstallations(counted(), { ttlMs: TTL, now });
    const { id } = await portal(cache);
    await cache.findVerified({ id }, () => true);
    await cache.findVerified({ id }, () => true);
    expect(reads).toBe(1);
    await write(cache, id);
    const after = await cache.findVerified({ crm: 'bitrix24', externalId: 'member-1' }, () => true);
    expect(reads).toBe(2);
    expect(after).toEqual(await stored.findByExternalId('bitrix24', 'member-1'));
  });

  it('while it hears every change, keeps copies for the long TTL; drops the older ones when it starts, and goes back to the short TTL when it stops', async () => {
    const cache = withVerifiedInstallations(counted(), { ttlMs: TTL, heardTtlMs: 30 * TTL, now });
    const { id } = await portal(stored);
    await cache.findVerified({ id }, () => true);
    expect(reads).toBe(1);
    // Hearing from now on: the copy made before may have missed a change, so it goes.
    cache.hearing(true);
    await cache.findVerified({ id }, () => true);
    expect(reads).toBe(2);
    clock += 10 * TTL;
    await cache.findVerified({ id }, () => true);
    expect(reads).toBe(2);
    // A change heard from another process drops the copy at once.
    cache.changed(id);
    await cache.findVerified({ id }, () => true);
    expect(reads).toBe(3);
    // Deaf again: the short TTL holds for copies already made.
    clock += 2 * TTL;
    cache.hearing(false);
    await cache.findVerified({ id }, () => true);
    expect(reads).toBe(4);
  });

  it('never answers from a copy while hearing when its TTL is 0', async () => {
    const cache = withVerifiedInstallations(counted(), { ttlMs: 0, now });
    const { id } = await portal(stored);
    cache.hearing(true);
    await cache.findVerified({ id }, () => true);
    await cache.findVerified({ id }, () => true);
    expect(reads).toBe(2);
  });

  it('keeps no copy from a read that overlapped a write of this process', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: StoredInstallations = { ...counted(), get: async (id) => {
      const row = await stored.get(id);
      await held;
      return row;
    } };
    const cache = withVerifiedInstallations(slow, { ttlMs: TTL, now });
    const { id } = await portal(cache);
    const stale = cache.findVerified({ id }, signedWith('token-1'));
    await cache.setApplicationToken(id, 'token-2');
    release();
    expect((await stale)?.applicationToken).toBe('token-1');
    // The stale read was not kept: token-1 is refused by the store's own copy.
    expect((await cache.findVerified({ id }, signedWith('token-1')))?.applicationToken).toBe('token-2');
  });

  it('holds at most `max` installations, least recently used dropped first', async () => {
    const cache = withVerifiedInstallations(counted(), { ttlMs: TTL, now, max: 2 });
    const ids = [];
    for (const member of ['m1', 'm2', 'm3']) ids.push((await portal(stored, member)).id);
    for (const id of ids) await cache.findVerified({ id }, () => true);
    expect(reads).toBe(3);
    await cache.findVerified({ id: ids[2] as string }, () => true);
    await cache.findVerified({ id: ids[1] as string }, () => true);
    expect(reads).toBe(3);
    await cache.findVerified({ id: ids[0] as string }, () => true);
    expect(reads).toBe(4);
  });

  it('never mixes CRMs: an amoCRM account with the same external id is its own entry', async () => {
    const cache = withVerifiedInstallations(counted(), { ttlMs: TTL, now });
    await portal(cache, '42');
    await stored.upsert({ crm: 'amocrm', externalId: '42', domain: 'x.amocrm.ru', applicationToken: 'secret', status: 'active' });
    await cache.findVerified({ crm: 'bitrix24', externalId: '42' }, () => true);
    expect((await cache.findVerified({ crm: 'amocrm', externalId: '42' }, () => true))?.crm).toBe('amocrm');
    expect(reads).toBe(2);
  });

  it('with a TTL of 0 always reads the store', async () => {
    const cache = withVerifiedInstallations(counted(), { ttlMs: 0, now });
    const { id } = await portal(cache);
    await cache.findVerified({ id }, () => true);
    await cache.findVerified({ id }, () => true);
    expect(reads).toBe(2);
  });
});

describe('createStorage wiring', () => {
  it("drops the inbound path's copy when the settings history writes the installation's settings", async () => {
    const storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
    try {
      const { id } = await portal(storage.installations);
      const accepts = signedWith('token-1');
      expect((await storage.installations.findVerified({ id }, accepts))?.settings).toEqual({ bitrix24: { appUserId: '1' } });
      await storage.settingsHistory.save({
        installationId: id, expectedVersion: 0, patch: { lang: 'en' },
        change: { changedAt: '2026-11-27T18:00:00.000Z', actor: { id: '1', name: null }, ruleVersion: 'v1', previousRuleVersion: null, diff: [] },
      });
      expect((await storage.installations.findVerified({ id }, accepts))?.settings).toEqual({ bitrix24: { appUserId: '1' }, lang: 'en' });
    } finally {
      await storage.close();
    }
  });

  it('shares one store read among the lookups that find the copy expired together, but not one begun before a write', async () => {
    const cache = withVerifiedInstallations(counted(), { ttlMs: TTL, now });
    const { id } = await portal(cache);
    const lookup = { crm: 'bitrix24' as const, externalId: 'member-1' };
    const burst = await Promise.all(Array.from({ length: 20 }, () => cache.findVerified(lookup, signedWith('token-1'))));
    expect(burst.map((found) => found?.id)).toEqual(Array(20).fill(id));
    expect(reads).toBe(1);
    clock += TTL;
    // A read under way when this process rotates the token is not handed to the lookups after it.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const gated = withVerifiedInstallations({ ...counted(), findByExternalId: async (crm, externalId) => {
      reads += 1;
      const row = await stored.findByExternalId(crm, externalId);
      await held;
      return row;
    } }, { ttlMs: TTL, now });
    const before = gated.findVerified(lookup, signedWith('token-2'));
    await gated.setApplicationToken(id, 'token-2');
    const after = gated.findVerified(lookup, signedWith('token-2'));
    release();
    expect((await after)?.applicationToken).toBe('token-2');
    expect((await before)?.applicationToken).toBe('token-1');
    expect(reads).toBe(3);
  });
});
