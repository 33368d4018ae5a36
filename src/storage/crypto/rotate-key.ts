import type { Kysely, Selectable } from 'kysely';
import { KamError } from '../../core/errors';
import type { Database, InstallationsTable } from '../database';
import { migrateDatabase } from '../migrate';
import { openDatabase, type ConnectionOptions } from '../open-database';
import { installationSecretContext } from '../repositories/installation-store.kysely';
import { CHECK_KEY, KEY_MISMATCH_MESSAGE, opensKeyCheck, sealKeyCheck } from './key-check';
import { createSecretCipher, type SecretCipher } from './secret-cipher';

/**
 * Re-seals every secret at rest with a new encryption key, in ONE transaction: every sealed
 * column of every installation (a column named `<name>_enc`, bound to `crm:externalId:<name>`,
 * so a sealed column added later is re-sealed too) and the key-check row. Any secret the old key
 * cannot open aborts the whole run with nothing written, naming the installation and column.
 * Each row is updated only if its sealed values are still what was read (compare-and-set), so a
 * process that refreshed a token meanwhile makes the run fail instead of losing the new token:
 * stop every kam process first (docs/operations.md).
 */
export interface RotationReport {
  installations: number;
  secrets: number;
}

export async function rotateEncryptionKey(options: ConnectionOptions & { oldKey: Buffer; newKey: Buffer }): Promise<RotationReport> {
  if (options.oldKey.equals(options.newKey)) throw new KamError('INPUT_INVALID', 'The new encryption key is the key in use; give another one.');
  const oldCipher = createSecretCipher({ key: options.oldKey });
  const newCipher = createSecretCipher({ key: options.newKey });
  const { db, schema } = await openDatabase(options);
  try {
    const migrated = await migrateDatabase(db, schema);
    if (!migrated.ok) throw migrated.error;
    return await db.transaction().execute((trx) => reseal(trx, oldCipher, newCipher));
  } finally {
    await db.destroy();
  }
}

const SEALED_SUFFIX = '_enc';

async function reseal(trx: Kysely<Database>, oldCipher: SecretCipher, newCipher: SecretCipher): Promise<RotationReport> {
  const check = await trx.selectFrom('kam_meta').select('value').where('key', '=', CHECK_KEY).executeTakeFirst();
  if (check && !opensKeyCheck(oldCipher, check.value)) throw new KamError('ENCRYPTION_KEY_MISMATCH', KEY_MISMATCH_MESSAGE);
  const rows = await trx.selectFrom('installations').selectAll().orderBy('id').execute();
  let secrets = 0;
  for (const row of rows) {
    const sealed = Object.entries(row).filter((entry): entry is [keyof InstallationsTable & string, string] => entry[0].endsWith(SEALED_SUFFIX) && typeof entry[1] === 'string');
    if (sealed.length === 0) continue;
    const update: Partial<Record<string, string>> = {};
    for (const [column, value] of sealed) {
      const context = installationSecretContext(row.crm, row.external_id, column.slice(0, -SEALED_SUFFIX.length));
      const opened = oldCipher.open(value, context);
      if (!opened.ok) {
        throw new KamError('ENCRYPTION_KEY_MISMATCH', `Installation ${row.id}: ${column} does not open with the current key; nothing was re-sealed.`, {
          details: { installationId: row.id, column },
        });
      }
      update[column] = newCipher.seal(opened.value, context);
    }
    await compareAndSet(trx, row, sealed, update);
    secrets += sealed.length;
  }
  const checkValue = sealKeyCheck(newCipher);
  await trx
    .insertInto('kam_meta')
    .values({ key: CHECK_KEY, value: checkValue, updated_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: checkValue, updated_at: new Date().toISOString() }))
    .execute();
  return { installations: rows.length, secrets };
}

async function compareAndSet(
  trx: Kysely<Database>,
  row: Selectable<InstallationsTable>,
  sealed: Array<[keyof InstallationsTable & string, string]>,
  update: Partial<Record<string, string>>,
): Promise<void> {
  let query = trx.updateTable('installations').set(update).where('id', '=', row.id);
  for (const [column, value] of sealed) query = query.where(column, '=', value);
  const result = await query.executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new KamError('CONFLICT', `Installation ${row.id} changed during the key rotation (is a kam process still running?); nothing was re-sealed.`, {
      details: { installationId: row.id },
    });
  }
}
