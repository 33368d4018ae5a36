import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createBitrix24Crm, type Bitrix24Crm } from '../../../src/connectors/bitrix24/bitrix24-crm';
import { createSilentLogger } from '../../../src/logging/logger';
import { startBitrix24Sandbox, type RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { createStorage } from '../../../src/storage';

/**
 * Issue 9, security 3 across web processes: what one process learned of a card-frame token (good
 * or bogus) every other process on the database knows too, so the portal is asked once per
 * token, not once per process; and the shared table holds hashes, never the token.
 */
describe('card-frame token checks shared by web processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kam-frame-shared-'));
  const file = join(dir, 'kam.sqlite');
  let portal: RunningBitrix24Sandbox;
  const handles: Storage[] = [];
  const processes: Bitrix24Crm[] = [];

  beforeAll(async () => {
    portal = await startBitrix24Sandbox({ port: 0, rateLimit: false, companies: 2, contacts: 2, deals: 2, seed: 311 });
    const key = randomBytes(32);
    for (let i = 0; i < 2; i += 1) {
      const storage = await createStorage({ sqliteFile: file, encryptionKey: key });
      handles.push(storage);
      processes.push(createBitrix24Crm({
        settings: { clientId: String(portal.readyLine.clientId), clientSecret: String(portal.readyLine.clientSecret), oauthUrl: `${portal.url}/`, ratePerSecond: 50, burst: 50 },
        storage, logger: createSilentLogger(), portalHosts: /^127\.0\.0\.1:\d+$/,
      }));
    }
    await handles[0]!.installations.upsert({
      crm: 'bitrix24', externalId: String(portal.readyLine.memberId), domain: String(portal.readyLine.domain), clientEndpoint: `${portal.url}/rest/`,
      tokens: { accessToken: String(portal.readyLine.accessToken), refreshToken: String(portal.readyLine.refreshToken), expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
      applicationToken: String(portal.readyLine.applicationToken), status: 'active',
    });
  });
  afterAll(async () => {
    await Promise.all(handles.map((handle) => handle.close()));
    await portal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const frame = (process: Bitrix24Crm, token: string) =>
    process.inbound.verifyWidget({ query: {}, body: { member_id: String(portal.readyLine.memberId), AUTH_ID: token }, headers: {}, source: '127.0.0.1' });
  const userChecks = () => portal.runtime.stats.snapshot().byMethod['user.current'] ?? 0;

  it("accepts in process 2 a user token process 1 checked, without asking the portal again", async () => {
    const token = portal.runtime.tokens.issue(2).accessToken;
    expect((await frame(processes[0]!, token)).ok).toBe(true);
    const asked = userChecks();
    expect((await frame(processes[1]!, token)).ok).toBe(true);
    expect(userChecks()).toBe(asked);
  });

  it('refuses in process 2 a bogus token process 1 was refused, without asking the portal again', async () => {
    const bogus = randomBytes(20).toString('hex');
    expect(await frame(processes[0]!, bogus)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    const asked = userChecks();
    expect(await frame(processes[1]!, bogus)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(userChecks()).toBe(asked);
  });

  it('keeps no frame token in the database, only hashes', async () => {
    const token = portal.runtime.tokens.issue(2).accessToken;
    expect((await frame(processes[1]!, token)).ok).toBe(true);
    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare('SELECT key_hash, installation_id FROM frame_checks').all() as Array<{ key_hash: string }>;
      expect(rows.length).toBeGreaterThanOrEqual(3);
      expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.key_hash))).toBe(true);
    } finally {
      db.close();
    }
    // Nowhere in the files either (database, WAL).
    for (const name of readdirSync(dir)) expect(readFileSync(join(dir, name)).includes(token)).toBe(false);
  });
});
