import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KamError, fail, ok, type Result } from '../../core/errors';

/**
 * Seals secrets (OAuth tokens, the Bitrix24 application token) for storage: AES-256-GCM with a
 * fresh 12-byte IV per value and the 16-byte auth tag kept, so a wrong key or an altered value
 * is detected instead of decrypting to garbage. The `context` is bound as additional
 * authenticated data (e.g. "bitrix24:member42:access_token"), so a sealed value copied into
 * another row or column does not open there either.
 *
 * Format: `v1:` + base64(iv | tag | ciphertext). The version prefix lets a later key or
 * algorithm rotation tell old values from new ones.
 */
export interface SecretCipher {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): Result<string>;
}

const VERSION = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export function secretUnreadable(): KamError {
  return new KamError(
    'ENCRYPTION_KEY_MISMATCH',
    'A stored secret could not be decrypted: it was sealed with another encryption key or has been altered ' +
      '(KAM_ENCRYPTION_KEY or data/secret.key). Restore the original key; tokens cannot be read with another.',
  );
}

export function createSecretCipher({ key }: { key: Buffer }): SecretCipher {
  if (key.length !== KEY_BYTES) {
    throw new KamError('CONFIG_INVALID', `The encryption key must be ${KEY_BYTES} bytes, got ${key.length}.`);
  }
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return VERSION + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(sealed, context) {
      if (!sealed.startsWith(VERSION)) return fail(secretUnreadable());
      const raw = Buffer.from(sealed.slice(VERSION.length), 'base64');
      if (raw.length < IV_BYTES + TAG_BYTES) return fail(secretUnreadable());
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        const body = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
        return ok(body.toString('utf8'));
      } catch {
        // GCM authentication failed: wrong key, wrong context, or altered bytes. Which one is
        // not knowable, and the cause would add nothing a log reader could act on.
        return fail(secretUnreadable());
      }
    },
  };
}
