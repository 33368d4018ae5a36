import type { Kysely } from 'kysely';
import { KamError, fail, ok, type Result } from '../../core/errors';
import type { Database } from '../database';
import type { SecretCipher } from './secret-cipher';

export const CHECK_KEY = 'encryption_key_check';
const CHECK_PLAINTEXT = 'kam-pilot encryption key check';
const CHECK_CONTEXT = 'kam_meta:encryption_key_check';

export const KEY_MISMATCH_MESSAGE =
  'The encryption key does not match the one this database was created with (KAM_ENCRYPTION_KEY or data/secret.key). ' +
  'Restore the original key; tokens cannot be read with another.';

/** The check row's value under `cipher` (what rotate-key writes with the new key). */
export const sealKeyCheck = (cipher: SecretCipher): string => cipher.seal(CHECK_PLAINTEXT, CHECK_CONTEXT);

/** Whether `sealed` is the check row sealed with `cipher`'s key. */
export function opensKeyCheck(cipher: SecretCipher, sealed: string): boolean {
  const opened = cipher.open(sealed, CHECK_CONTEXT);
  return opened.ok && opened.value === CHECK_PLAINTEXT;
}

/**
 * Proves at start-up that the configured key is the one the database's secrets were sealed
 * with, so a wrong key fails loudly here instead of as undecryptable tokens at the first CRM
 * call. The first start stores a sealed known plaintext; every later start opens it.
 */
export async function verifyEncryptionKey(db: Kysely<Database>, cipher: SecretCipher): Promise<Result<void>> {
  // Insert-if-absent, then read back: when two processes start at once, both check the same row.
  await db
    .insertInto('kam_meta')
    .values({ key: CHECK_KEY, value: sealKeyCheck(cipher), updated_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('kam_meta').select('value').where('key', '=', CHECK_KEY).executeTakeFirst();
  if (!row) return fail(new KamError('STORAGE', 'The encryption key check row is missing.'));
  if (!opensKeyCheck(cipher, row.value)) {
    return fail(new KamError('ENCRYPTION_KEY_MISMATCH', KEY_MISMATCH_MESSAGE));
  }
  return ok(undefined);
}
