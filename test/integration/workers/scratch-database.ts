import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** A PostgreSQL database of a test's own (the app works in the default schemas, public and pgboss). */
export function scratchDatabase(adminUrl: string, prefix: string) {
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    name,
    url: url.toString(),
    create: () => admin(`create database "${name}"`),
    drop: () => admin(`drop database if exists "${name}" with (force)`),
    /** Drops another database made beside this one (e.g. the demo's `<name>_demo`). */
    dropNamed: (other: string) => admin(`drop database if exists "${other}" with (force)`),
  };
}
