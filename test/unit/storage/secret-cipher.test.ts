import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { createSecretCipher } from '../../../src/storage/crypto/secret-cipher';

describe('secret cipher (AES-256-GCM)', () => {
  const cipher = createSecretCipher({ key: randomBytes(32) });

  it('round-trips any string under its context', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string(), (plaintext, context) => {
        const opened = cipher.open(cipher.seal(plaintext, context), context);
        expect(opened).toEqual({ ok: true, value: plaintext });
      }),
    );
  });

  it('writes a versioned value with a fresh IV every time', () => {
    const a = cipher.seal('token', 'ctx');
    const b = cipher.seal('token', 'ctx');
    expect(a).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('token');
  });

  it('fails with ENCRYPTION_KEY_MISMATCH under another key, another context, or any altered byte', () => {
    const sealed = cipher.seal('refresh-token', 'bitrix24:m1:refresh_token');
    const other = createSecretCipher({ key: randomBytes(32) });
    const failures = [
      other.open(sealed, 'bitrix24:m1:refresh_token'),
      cipher.open(sealed, 'bitrix24:m2:refresh_token'),
      cipher.open('v2:' + sealed.slice(3), 'bitrix24:m1:refresh_token'),
      cipher.open('v1:AAAA', 'bitrix24:m1:refresh_token'),
      cipher.open('not sealed at all', 'bitrix24:m1:refresh_token'),
    ];
    const raw = Buffer.from(sealed.slice(3), 'base64');
    for (let i = 0; i < raw.length; i += 1) {
      const altered = Buffer.from(raw);
      altered[i]! ^= 0x80;
      failures.push(cipher.open(`v1:${altered.toString('base64')}`, 'bitrix24:m1:refresh_token'));
    }
    for (const result of failures) {
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.code).toBe('ENCRYPTION_KEY_MISMATCH');
      expect(!result.ok && result.error.message).not.toContain('refresh-token');
    }
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => createSecretCipher({ key: randomBytes(16) })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
