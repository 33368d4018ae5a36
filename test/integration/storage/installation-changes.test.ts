import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Installation } from '../../../src/core/ports/installation-store.port';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createStorage } from '../../../src/storage';
import { listenForInstallationChanges } from '../../../src/storage/installation-changes';
import { INSTALLATION_CHANGES } from '../../../src/storage/migrations/0009-installation-change-notify';

/**
 * Two processes on one PostgreSQL database (two storages here): the one that verifies events
 * hears the other's installation changes as they commit, so a rotated application token is
 * refused at once, though its copy would otherwise be trusted for minutes; a lost listening
 * connection is said, the copies fall back to the short TTL, and it listens again by itself.
 */
const databaseUrl = process.env.TEST_DATABASE_URL;
const key = randomBytes(32);

/** Resolves when `holds` is true, asking again every few ms; fails after `ms` naming what it waited for. */
async function until(what: string, holds: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error(`not seen within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

it('says it is not listening when it cannot connect from the start', async () => {
  const said: Array<{ on: boolean; error: unknown }> = [];
  await new Promise<void>((resolve) => {
    const feed = listenForInstallationChanges({
      databaseUrl: 'postgres://nobody@127.0.0.1:1/none',
      changed: () => undefined,
      listening: (on, error) => {
        said.push({ on, error });
        void feed.close().then(resolve);
      },
    });
  });
  expect(said).toHaveLength(1);
  expect(said[0]?.on).toBe(false);
  expect(String(said[0]?.error)).toMatch(/ECONNREFUSED/);
});

if (!databaseUrl) {
  console.warn('installation change feed skipped: set TEST_DATABASE_URL (e.g. eval "$(bash .ci/postgres.sh)").');
  describe.skip('installation change feed (PostgreSQL)', () => {
    it('hears another process change an installation', () => undefined);
  });
} else {
  describe('installation change feed (PostgreSQL)', () => {
    const schema = `kam_changes_${process.pid}_${randomBytes(4).toString('hex')}`;
    const heard: Array<{ on: boolean; error?: string }> = [];
    let web: Storage;
    let other: Storage;

    beforeAll(async () => {
      other = await createStorage({ databaseUrl, schema, encryptionKey: key });
      web = await createStorage({
        databaseUrl, schema, encryptionKey: key,
        hearInstallationChanges: (on, error) => heard.push({ on, ...(error ? { error: String(error) } : {}) }),
      });
      await until('the web storage listening', () => heard.some((event) => event.on));
    });
    afterAll(async () => {
      await Promise.all([web?.close(), other?.close()]);
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    });

    const signedWith = (token: string) => (installation: Installation) => installation.applicationToken === token;
    const lookup = { crm: 'bitrix24' as const, externalId: 'member-changes' };

    it('drops its copy when another process rotates the application token, and refuses the old token at once', async () => {
      const { id } = await other.installations.upsert({ ...lookup, domain: 'changes.bitrix24.ru', applicationToken: 'old-token', status: 'active' });
      expect((await web.installations.findVerified(lookup, signedWith('old-token')))?.applicationToken).toBe('old-token');
      await other.installations.setApplicationToken(id, 'new-token');
      // The copy (trusted for minutes while hearing) accepts the old token until the change is heard.
      await until('the web storage reading the rotated token', async () => (await web.installations.findVerified(lookup, signedWith('old-token')))?.applicationToken === 'new-token');
      expect((await web.installations.findVerified(lookup, signedWith('new-token')))?.applicationToken).toBe('new-token');
    });

    it('says when its connection is lost, and listens again by itself', async () => {
      const before = heard.length;
      const admin = new Client({ connectionString: databaseUrl });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ pid: number }>(`select pid from pg_stat_activity where query = $1 and pid <> pg_backend_pid()`, [`LISTEN ${INSTALLATION_CHANGES}`]);
        expect(rows.length).toBeGreaterThan(0);
        for (const { pid } of rows) await admin.query('select pg_terminate_backend($1)', [pid]);
      } finally {
        await admin.end();
      }
      await until('the feed saying it stopped, then listening again', () => {
        const since = heard.slice(before);
        const lost = since.findIndex((event) => !event.on);
        return lost >= 0 && since.slice(lost + 1).some((event) => event.on);
      });
      expect(heard.slice(before).find((event) => !event.on)?.error).toBeTruthy();
      // And it hears changes again.
      const { id } = (await other.installations.findByExternalId('bitrix24', lookup.externalId)) as Installation;
      expect((await web.installations.findVerified(lookup, signedWith('new-token')))?.applicationToken).toBe('new-token');
      await other.installations.setApplicationToken(id, 'third-token');
      await until('the web storage reading the third token', async () => (await web.installations.findVerified(lookup, signedWith('new-token')))?.applicationToken === 'third-token');
    });
  });
}
