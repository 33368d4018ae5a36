import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { KamError, fail, ok, type Result } from '../../core/errors';
import { KEY_BYTES } from './secret-cipher';

/**
 * The key that seals tokens at rest. A configured key (KAM_ENCRYPTION_KEY, base64 or hex of
 * 32 bytes) wins; otherwise the key file is read, or created on first run with 32 random bytes,
 * mode 0600. The file holds the key as base64 text so an operator can move it into
 * KAM_ENCRYPTION_KEY as is; a raw 32-byte file is accepted too.
 */
export function loadOrCreateEncryptionKey(options: { configuredKey?: string | null; keyFile: string }): Result<Buffer> {
  const configured = options.configuredKey?.trim();
  if (configured) {
    const key = parseKey(configured);
    return key
      ? ok(key)
      : fail(
          new KamError(
            'CONFIG_INVALID',
            `KAM_ENCRYPTION_KEY must be ${KEY_BYTES} bytes written as base64 (44 characters) or hex (64 characters).`,
            { details: { setting: 'KAM_ENCRYPTION_KEY' } },
          ),
        );
  }
  return readOrCreateKeyFile(options.keyFile);
}

function readOrCreateKeyFile(keyFile: string): Result<Buffer> {
  const existing = readKeyFile(keyFile);
  if (existing !== undefined) return existing;
  try {
    mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
    // 'wx' fails if another process created the file first; then we read theirs.
    writeFileSync(keyFile, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      return fail(
        new KamError('CONFIG_INVALID', `Cannot create the encryption key file ${keyFile}; set KAM_ENCRYPTION_KEY or make its folder writable.`, {
          details: { setting: 'KAM_ENCRYPTION_KEY', keyFile },
          cause: error,
        }),
      );
    }
  }
  return readKeyFile(keyFile) ?? fail(new KamError('CONFIG_INVALID', `The encryption key file ${keyFile} vanished while starting.`));
}

/** undefined when the file does not exist. */
function readKeyFile(keyFile: string): Result<Buffer> | undefined {
  let content: Buffer;
  try {
    content = readFileSync(keyFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return fail(new KamError('CONFIG_INVALID', `Cannot read the encryption key file ${keyFile}.`, { details: { keyFile }, cause: error }));
  }
  const key = content.length === KEY_BYTES ? content : parseKey(content.toString('utf8').trim());
  return key
    ? ok(key)
    : fail(
        new KamError('CONFIG_INVALID', `The encryption key file ${keyFile} does not hold a ${KEY_BYTES}-byte key (base64, hex or raw).`, {
          details: { keyFile },
        }),
      );
}

function parseKey(text: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const key = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  return null;
}
