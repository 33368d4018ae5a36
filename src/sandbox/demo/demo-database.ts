import { Client } from 'pg';
import { KamError } from '../../core/errors';

/**
 * `kam demo --workers`: a database of the demo's own beside the configured one, dropped and made
 * afresh each run (as the one-process demo empties data/demo), so a demo never writes into the
 * database a real installation uses, and dropped again at the end of the run unless kept.
 * Needs a role allowed to create databases.
 */
export async function freshDemoDatabase(databaseUrl: string, name: string): Promise<string> {
  await onServer(databaseUrl, name, 'make', [`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, `CREATE DATABASE "${name}"`]);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The end of a run: the demo's database goes (unless `--keep-database`), so runs leave nothing behind. */
export async function dropDemoDatabase(databaseUrl: string, name: string): Promise<void> {
  await onServer(databaseUrl, name, 'drop', [`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`]);
}

/** Runs statements on the configured database's server about the demo's database `name`. */
async function onServer(databaseUrl: string, name: string, what: 'make' | 'drop', statements: string[]): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/i.test(name)) throw new KamError('CONFIG_INVALID', `"${name}" cannot name the demo database`);
  const client = new Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    for (const statement of statements) await client.query(statement);
  } catch (error) {
    const needs = what === 'make' ? 'CREATE DATABASE' : 'DROP DATABASE';
    throw new KamError('STORAGE', `The demo could not ${what} its database "${name}" on ${new URL(databaseUrl).host}: ${(error as Error).message} (the demo needs a role allowed to ${needs})`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}
