import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createStorage } from '../../src/storage';
import { loadOrCreateEncryptionKey } from '../../src/storage/crypto/encryption-key';
import { rotateEncryptionKey } from '../../src/storage/crypto/rotate-key';
import { createSecretCipher } from '../../src/storage/crypto/secret-cipher';
import { openDatabase, type ConnectionOptions } from '../../src/storage/open-database';
import { installationSecretContext } from '../../src/storage/repositories/installation-store.kysely';

/** `kam rotate-key`: every secret re-sealed with the new key in one transaction, on both engines. */
jest.setTimeout(60_000);
const databaseUrl = process.env.TEST_DATABASE_URL;
const run = promisify(execFile);

const engines: Array<[string, () => Promise<{ where: ConnectionOptions; drop(): Promise<void> }>]> = [
  ['SQLite', async () => ({ where: { sqliteFile: join(mkdtempSync(join(tmpdir(), 'kam-rotate-')), 'kam.sqlite') }, drop: async () => undefined })],
];
if (databaseUrl) {
  engines.push([
    'PostgreSQL',
    async () => {
      const schema = `kam_rotate_${process.pid}_${randomBytes(4).toString('hex')}`;
      return {
        where: { databaseUrl, schema },
        async drop() {
          const client = new Client({ connectionString: databaseUrl });
          await client.connect();
          await client.query(`drop schema if exists "${schema}" cascade`);
          await client.end();
        },
      };
    },
  ]);
} else {
  console.warn('rotate-key on PostgreSQL skipped: set TEST_DATABASE_URL (e.g. eval "$(bash .ci/postgres.sh)").');
}

describe.each(engines)('rotate-key on %s', (_engine, open) => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let where: ConnectionOptions;
  let drop: () => Promise<void>;
  const tokens = (tag: string) => ({ accessToken: `access-${tag}`, refreshToken: `refresh-${tag}`, expiresAt: '2030-01-01T00:00:00.000Z', scope: 'crm' });

  beforeEach(async () => {
    ({ where, drop } = await open());
  });
  afterEach(() => drop());

  it('re-seals tokens and application tokens so only the new key opens them, reading the same values', async () => {
    const before = await createStorage({ ...where, encryptionKey: oldKey });
    const a = await before.installations.upsert({ crm: 'bitrix24', externalId: 'm-1', domain: 'a.bitrix24.ru', tokens: tokens('a'), applicationToken: 'app-a' });
    const b = await before.installations.upsert({ crm: 'amocrm', externalId: '42', domain: 'b.amocrm.ru', tokens: tokens('b') });
    const c = await before.installations.upsert({ crm: 'bitrix24', externalId: 'm-3', domain: 'c.bitrix24.ru' });
    await before.close();

    expect(await rotateEncryptionKey({ ...where, oldKey, newKey })).toEqual({ installations: 3, secrets: 5 });

    await expect(createStorage({ ...where, encryptionKey: oldKey })).rejects.toMatchObject({ code: 'ENCRYPTION_KEY_MISMATCH' });
    const after = await createStorage({ ...where, encryptionKey: newKey });
    try {
      expect(await after.installations.get(a.id)).toMatchObject({ tokens: tokens('a'), applicationToken: 'app-a' });
      expect(await after.installations.get(b.id)).toMatchObject({ tokens: tokens('b'), applicationToken: null });
      expect(await after.installations.get(c.id)).toMatchObject({ tokens: null });
    } finally {
      await after.close();
    }
  });

  it('writes nothing when one secret does not open with the current key, and names it', async () => {
    const before = await createStorage({ ...where, encryptionKey: oldKey });
    const good = await before.installations.upsert({ crm: 'bitrix24', externalId: 'm-1', domain: 'a.bitrix24.ru', tokens: tokens('a') });
    const bad = await before.installations.upsert({ crm: 'bitrix24', externalId: 'm-2', domain: 'b.bitrix24.ru' });
    await before.close();
    // One secret sealed under another key (a restore mixed with another database, say).
    const foreign = createSecretCipher({ key: randomBytes(32) }).seal('foreign', installationSecretContext('bitrix24', 'm-2', 'application_token'));
    const { db } = await openDatabase(where);
    await db.updateTable('installations').set({ application_token_enc: foreign }).where('id', '=', bad.id).execute();
    await db.destroy();

    await expect(rotateEncryptionKey({ ...where, oldKey, newKey })).rejects.toMatchObject({
      code: 'ENCRYPTION_KEY_MISMATCH',
      message: expect.stringContaining(`Installation ${bad.id}: application_token_enc`),
    });
    // Nothing changed: the old key still opens the database and the good installation's tokens.
    const still = await createStorage({ ...where, encryptionKey: oldKey });
    try {
      expect((await still.installations.get(good.id))?.tokens).toEqual(tokens('a'));
    } finally {
      await still.close();
    }
  });

  it('refuses the key in use as the new key, and a wrong current key, changing nothing', async () => {
    const storage = await createStorage({ ...where, encryptionKey: oldKey });
    await storage.close();
    await expect(rotateEncryptionKey({ ...where, oldKey, newKey: oldKey })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(rotateEncryptionKey({ ...where, oldKey: newKey, newKey: randomBytes(32) })).rejects.toMatchObject({ code: 'ENCRYPTION_KEY_MISMATCH' });
    await (await createStorage({ ...where, encryptionKey: oldKey })).close();
  });
});

const bin = resolve(__dirname, '../../bin/kam.js');

/** A migrated SQLite data directory with a generated key file and one installation holding a secret. */
async function keyFileInstall() {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'kam-rotate-cli-')), 'data');
  const keyFile = join(dataDir, 'secret.key');
  const { DATABASE_URL: _url, KAM_ENCRYPTION_KEY: _key, ...inherited } = process.env;
  const env = { ...inherited, KAM_DATA_DIR: dataDir, KAM_LOG_LEVEL: 'error' };
  await run(process.execPath, [bin, 'migrate'], { env });
  const firstKey = loadOrCreateEncryptionKey({ keyFile });
  if (!firstKey.ok) throw firstKey.error;
  const storage = await createStorage({ sqliteFile: join(dataDir, 'kam.sqlite'), encryptionKey: firstKey.value });
  const inst = await storage.installations.upsert({ crm: 'bitrix24', externalId: 'm-1', domain: 'a.bitrix24.ru', applicationToken: 'app-a' });
  await storage.close();
  return { dataDir, keyFile, env, firstKey: firstKey.value, inst };
}

it('kam rotate-key with a key file makes a new key, re-seals, and keeps the old file as .previous', async () => {
  const { dataDir, keyFile, env, firstKey: oldKey, inst } = await keyFileInstall();
  const { stdout } = await run(process.execPath, [bin, 'rotate-key'], { env });
  expect(JSON.parse(stdout)).toMatchObject({ engine: 'sqlite', installations: 1, secrets: 1, keyFile, previousKeyFile: `${keyFile}.previous` });
  expect(readFileSync(`${keyFile}.previous`, 'utf8').trim()).toBe(oldKey.toString('base64'));
  expect(existsSync(`${keyFile}.next`)).toBe(false);
  const newKey = loadOrCreateEncryptionKey({ keyFile });
  if (!newKey.ok) throw newKey.error;
  expect(newKey.value.equals(oldKey)).toBe(false);
  const after = await createStorage({ sqliteFile: join(dataDir, 'kam.sqlite'), encryptionKey: newKey.value });
  expect((await after.installations.get(inst.id))?.applicationToken).toBe('app-a');
  await after.close();
});

describe('kam rotate-key with a key file, run again', () => {
  it('keeps the key before the last one (dated) instead of writing the second .previous over it', async () => {
    const { dataDir, keyFile, env, firstKey } = await keyFileInstall();
    await run(process.execPath, [bin, 'rotate-key'], { env });
    const { stdout } = await run(process.execPath, [bin, 'rotate-key'], { env });
    const report = JSON.parse(stdout) as { previousKeyFile: string; olderKeyFile?: string };
    expect(report.olderKeyFile).toMatch(/secret\.key\.previous\.\d{4}-\d{2}-\d{2}T/);
    // The first key still opens the backups made before the first rotation.
    expect(readFileSync(report.olderKeyFile ?? '', 'utf8').trim()).toBe(firstKey.toString('base64'));
    expect(readFileSync(`${keyFile}.previous`, 'utf8').trim()).not.toBe(firstKey.toString('base64'));
    expect(readdirSync(dataDir).filter((name) => name.startsWith('secret.key')).sort()).toHaveLength(3);
  });

  it('refuses to run over a secret.key.next left by an unfinished rotation, and changes nothing', async () => {
    const { keyFile, env, firstKey, inst, dataDir } = await keyFileInstall();
    const left = randomBytes(32).toString('base64');
    writeFileSync(`${keyFile}.next`, `${left}\n`, { mode: 0o600 });
    const failed = await run(process.execPath, [bin, 'rotate-key'], { env }).then(() => null, (error: { code: number; stderr: string }) => error);
    expect(failed?.code).not.toBe(0);
    expect(failed?.stderr).toContain('secret.key.next is left from a rotation that did not finish');
    expect(readFileSync(`${keyFile}.next`, 'utf8').trim()).toBe(left);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(firstKey.toString('base64'));
    const storage = await createStorage({ sqliteFile: join(dataDir, 'kam.sqlite'), encryptionKey: firstKey });
    expect((await storage.installations.get(inst.id))?.applicationToken).toBe('app-a');
    await storage.close();
  });
});
