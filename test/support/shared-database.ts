import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Storage } from '../../src/core/ports/storage.port';
import { createStorage } from '../../src/storage';

/**
 * One database that several "web processes" open (each createStorage its own handle), on SQLite
 * (one file) and, when TEST_DATABASE_URL is set, on PostgreSQL (one schema): for tests of bounds
 * that must hold across processes (issue 12).
 */
export interface SharedDatabase {
  open(): Promise<Storage>;
  drop(): Promise<void>;
}

export function sharedDatabases(prefix: string): Array<[string, () => Promise<SharedDatabase>]> {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  const sqlite = async (): Promise<SharedDatabase> => {
    const dir = mkdtempSync(join(tmpdir(), `kam-${prefix}-`));
    const key = randomBytes(32);
    return { open: () => createStorage({ sqliteFile: join(dir, 'kam.sqlite'), encryptionKey: key }), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  };
  const postgres = async (url: string): Promise<SharedDatabase> => {
    const schema = `kam_${prefix.replace(/\W/g, '_')}_${process.pid}_${randomBytes(4).toString('hex')}`;
    const key = randomBytes(32);
    const drop = async () => {
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
    };
    return { open: () => createStorage({ databaseUrl: url, schema, encryptionKey: key }), drop };
  };
  return [['SQLite (one file)', sqlite], ...(databaseUrl ? [['PostgreSQL (one schema)', () => postgres(databaseUrl)] as [string, () => Promise<SharedDatabase>]] : [])];
}
