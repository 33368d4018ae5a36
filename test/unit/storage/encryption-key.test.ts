import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateEncryptionKey } from '../../../src/storage/crypto/encryption-key';

describe('loadOrCreateEncryptionKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kam-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const key = randomBytes(32);

  it('uses a configured key given as base64 or hex, ignoring the file', () => {
    const keyFile = join(dir, 'unused', 'secret.key');
    expect(loadOrCreateEncryptionKey({ configuredKey: key.toString('base64'), keyFile })).toEqual({ ok: true, value: key });
    expect(loadOrCreateEncryptionKey({ configuredKey: ` ${key.toString('hex')}\n`, keyFile })).toEqual({ ok: true, value: key });
    expect(loadOrCreateEncryptionKey({ configuredKey: key.toString('base64url'), keyFile })).toEqual({ ok: true, value: key });
    expect(() => statSync(keyFile)).toThrow();
  });

  it.each([['too short', randomBytes(16).toString('base64')], ['not a key', 'correct horse battery staple'], ['hex too long', 'ab'.repeat(33)]])(
    'rejects a configured key that is %s, naming KAM_ENCRYPTION_KEY',
    (_label, configuredKey) => {
      const result = loadOrCreateEncryptionKey({ configuredKey, keyFile: join(dir, 'x.key') });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('KAM_ENCRYPTION_KEY') });
      expect(!result.ok && result.error.message).not.toContain(configuredKey);
    },
  );

  it('creates the key file (mode 0600, folder included) on first run and reads the same key after', () => {
    const keyFile = join(dir, 'data', 'secret.key');
    const first = loadOrCreateEncryptionKey({ configuredKey: null, keyFile });
    expect(first.ok && first.value.length).toBe(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toEqual(first.ok && first.value);
    expect(loadOrCreateEncryptionKey({ keyFile })).toEqual(first);
  });

  it('accepts a raw 32-byte key file and rejects a file holding something else', () => {
    const rawFile = join(dir, 'raw.key');
    writeFileSync(rawFile, key);
    expect(loadOrCreateEncryptionKey({ keyFile: rawFile })).toEqual({ ok: true, value: key });
    const badFile = join(dir, 'bad.key');
    writeFileSync(badFile, 'hello\n');
    const bad = loadOrCreateEncryptionKey({ keyFile: badFile });
    expect(!bad.ok && bad.error.code).toBe('CONFIG_INVALID');
  });
});
