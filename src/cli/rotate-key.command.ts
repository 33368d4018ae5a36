import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KamError, type Result } from '../core/errors';
import { loadOrCreateEncryptionKey } from '../storage/crypto/encryption-key';
import { rotateEncryptionKey } from '../storage/crypto/rotate-key';
import { KEY_BYTES } from '../storage/crypto/secret-cipher';
import { configForCommand } from './config-for-command';

/**
 * `kam rotate-key`: re-seals every stored secret with a new encryption key in one transaction.
 * With a key file (no KAM_ENCRYPTION_KEY) it makes the new key itself: written beside the old
 * as `secret.key.next` before the database changes, moved into place after it committed (the
 * old one kept as `secret.key.previous` for the backups made with it). With KAM_ENCRYPTION_KEY
 * the new key comes from --new-key-file (a file, so it never shows in the process list or shell
 * history), and the operator swaps the setting. Every kam process must be stopped first
 * (docs/operations.md).
 */
export function registerRotateKey(program: Command): void {
  program
    .command('rotate-key')
    .description('re-seal every stored token with a new encryption key (stop every kam process first)')
    .option('--new-key-file <file>', 'file holding the new key (32 bytes: base64, hex or raw); required with KAM_ENCRYPTION_KEY, else a fresh key is made')
    .action(async (options: { newKeyFile?: string }) => {
      const { config } = configForCommand();
      const { keyFile, encryptionKey: configured } = config.storage;
      if (!configured && !existsSync(keyFile)) {
        throw new KamError('CONFIG_INVALID', `No encryption key to rotate: KAM_ENCRYPTION_KEY is not set and ${keyFile} does not exist.`);
      }
      const nextFile = `${keyFile}.next`;
      // A rotation stopped between its commit and the renames leaves the key the database is now
      // sealed with in `.next`: writing a new `.next` over it would lose every token for good.
      if (!configured && existsSync(nextFile)) {
        throw new KamError('CONFIG_INVALID', `${nextFile} is left from a rotation that did not finish, and the database may be sealed with it. If \`kam migrate\` refuses ${keyFile} (ENCRYPTION_KEY_MISMATCH), move ${nextFile} to ${keyFile}; otherwise delete ${nextFile}. Then rotate again.`);
      }
      const oldKey = unwrap(loadOrCreateEncryptionKey({ configuredKey: configured, keyFile }));
      const newKey = readNewKey(options.newKeyFile, Boolean(configured));
      // Key-file mode: the new key is on disk before any secret is sealed with it.
      if (!configured) writeFileSync(nextFile, `${newKey.toString('base64')}\n`, { mode: 0o600 });
      const report = await rotateEncryptionKey({ databaseUrl: config.storage.databaseUrl, sqliteFile: config.storage.sqliteFile, oldKey, newKey });
      const engine = config.storage.databaseUrl ? 'postgres' : 'sqlite';
      if (!configured) {
        // The key before the last one still opens the backups made with it: a second rotation keeps it, dated.
        const previousFile = `${keyFile}.previous`;
        const olderKeyFile = existsSync(previousFile) ? `${previousFile}.${statSync(previousFile).mtime.toISOString().replace(/[:.]/g, '-')}` : null;
        if (olderKeyFile) renameSync(previousFile, olderKeyFile);
        renameSync(keyFile, previousFile);
        renameSync(nextFile, keyFile);
        process.stdout.write(`${JSON.stringify({ engine, ...report, keyFile, previousKeyFile: previousFile, ...(olderKeyFile ? { olderKeyFile } : {}) })}\n`);
        return;
      }
      process.stdout.write(`${JSON.stringify({ engine, ...report, next: 'set KAM_ENCRYPTION_KEY to the new key in every process, then start them' })}\n`);
    });
}

function readNewKey(newKeyFile: string | undefined, envMode: boolean): Buffer {
  if (newKeyFile) {
    if (!existsSync(newKeyFile)) throw new KamError('INPUT_INVALID', `--new-key-file: ${newKeyFile} does not exist.`);
    return unwrap(loadOrCreateEncryptionKey({ configuredKey: null, keyFile: newKeyFile }));
  }
  if (envMode) throw new KamError('INPUT_INVALID', 'KAM_ENCRYPTION_KEY is set: give the new key with --new-key-file FILE.');
  return randomBytes(KEY_BYTES);
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}
