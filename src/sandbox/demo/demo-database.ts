import { Client } from 'pg';
import { KamError } from '../../core/errors';

/**
 * `kam demo --workers`: a database of the demo's own beside the configured one, dropped and made
 * afresh each run (as the one-process demo empties data/demo), so a demo never writes into the
 * database a real installation uses. Needs a role allowed to create databases.
 */
export async function freshDemoDatabase(databaseUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/i.test(name)) throw new KamError('CONFIG_INVALID', `"${name}" cannot name the demo database`);
  const client = new Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } catch (error) {
    throw new KamError('STORAGE', `The demo could not make its database "${name}" on ${new URL(databaseUrl).host}: ${(error as Error).message} (the demo needs a role allowed to CREATE DATABASE)`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
