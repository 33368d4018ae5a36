import { createInstallationSync } from '../../../src/app/sync/sync-installation';
import { createBitrix24Connector } from '../../../src/connectors/bitrix24/bitrix24-connector';
import type { Bitrix24Client } from '../../../src/connectors/bitrix24/bitrix24-client';
import { DEFAULT_FIELD_MAP } from '../../../src/connectors/bitrix24/bitrix24-mapper';
import { createBitrix24Reader } from '../../../src/connectors/bitrix24/bitrix24-reader';
import { createSilentLogger } from '../../../src/logging/logger';
import { startBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { createStorage } from '../../../src/storage';
import { installSandboxPortal } from './sandbox-client';

/** A full sync that dies half way resumes from its saved cursor, and reads nothing twice. */
jest.setTimeout(60_000);

it('resumes a crashed full sync from the cursor saved after the last request', async () => {
  const sandbox = await startBitrix24Sandbox({ port: 0, companies: 400, contacts: 800, deals: 9000, seed: 21, rateLimit: false });
  const storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: Buffer.alloc(32, 7) });
  try {
    const ready = sandbox.readyLine as { memberId: string; domain: string; clientEndpoint: string; accessToken: string; refreshToken: string; clientId: string; clientSecret: string; url: string };
    const installation = await installSandboxPortal(storage, sandbox);
    const connector = createBitrix24Connector({
      settings: { clientId: ready.clientId, clientSecret: ready.clientSecret, oauthUrl: `${ready.url}/`, ratePerSecond: 1000, burst: 1000 },
      storage,
      logger: createSilentLogger(),
    });
    const portal = connector.portal(installation);
    let batches = 0;
    const crashing: Bitrix24Client = {
      call: portal.client.call,
      batch: async (commands, options) => {
        batches += 1;
        if (batches === 4) throw new Error('process killed');
        return portal.client.batch(commands, options);
      },
    };
    const sync = (client: Bitrix24Client) =>
      createInstallationSync({
        reader: createBitrix24Reader(client, { slot: null, fieldMap: { ...DEFAULT_FIELD_MAP }, writtenKinds: ['company'] }),
        storage,
        installationId: installation.id,
      });
    await expect(sync(crashing).full()).rejects.toThrow('process killed');
    const cursors = await storage.syncState.listCursors(installation.id);
    expect(cursors.length).toBeGreaterThan(0);
    const partial = await storage.entities.count(installation.id, 'deal');
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(9000);

    const before = portal.meter.snapshot().requests;
    const counts = await sync(portal.client).full();
    const resumedRequests = portal.meter.snapshot().requests - before;
    expect(await storage.entities.count(installation.id, 'company')).toBe(400);
    expect(await storage.entities.count(installation.id, 'contact')).toBe(800);
    expect(await storage.entities.count(installation.id, 'deal')).toBe(9000);
    // The resumed run reads only what the first run had not: together about one full sync.
    expect(counts.company + counts.contact + counts.deal).toBeLessThan(10_200 - partial + 2_500);
    expect(resumedRequests).toBeLessThanOrEqual(Math.ceil((10_200 - partial) / 2_000) + 2);
    expect((await storage.syncState.listCursors(installation.id)).every((cursor) => cursor.fullCompletedAt !== null)).toBe(true);
  } finally {
    await storage.close();
    await sandbox.close();
  }
});
