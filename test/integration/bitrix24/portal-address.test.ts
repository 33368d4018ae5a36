import { randomBytes } from 'node:crypto';
import axios from 'axios';
import { createBitrix24Connector } from '../../../src/connectors/bitrix24/bitrix24-connector';
import { acceptableEndpoint } from '../../../src/connectors/bitrix24/portal-address';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createSilentLogger } from '../../../src/logging/logger';
import { startBitrix24Sandbox, type RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { createStorage } from '../../../src/storage';
import { installSandboxPortal } from './sandbox-client';

/**
 * Real-portal 4 of issue 9: the portal moves to a new address with the same member_id. The next
 * refresh answer names the new client_endpoint; the client calls there from then on and the
 * installation's stored domain and endpoint follow.
 */
describe('portal address change', () => {
  let sandbox: RunningBitrix24Sandbox;
  let storage: Storage;
  beforeAll(async () => {
    sandbox = await startBitrix24Sandbox({ port: 0, rateLimit: false, companies: 5, contacts: 10, deals: 10, seed: 8 });
    storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
  });
  afterAll(async () => {
    await sandbox.close();
    await storage.close();
  });

  it('follows client_endpoint of the refresh answer for the same member_id', async () => {
    const ready = sandbox.readyLine;
    const installation = await installSandboxPortal(storage, sandbox);
    const hosts: string[] = [];
    const http = axios.create();
    http.interceptors.request.use((config) => {
      hosts.push(new URL(String(config.url)).host);
      return config;
    });
    const connector = createBitrix24Connector({
      settings: { clientId: String(ready.clientId), clientSecret: String(ready.clientSecret), oauthUrl: `${sandbox.url}/`, ratePerSecond: 50, burst: 50 },
      storage, logger: createSilentLogger(), http,
    });
    const { client } = connector.portal(installation);
    const port = new URL(sandbox.url).port;
    await client.call('user.current');

    await fetch(`${sandbox.url}/_sandbox/address`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ host: `localhost:${port}` }) });
    sandbox.runtime.tokens.expireNow(String(ready.accessToken));
    await expect(client.call('user.current')).resolves.toMatchObject({ result: { ID: '1' } });
    await client.call('crm.status.list');

    // old address, refused as expired, the refresh, then the new address from then on
    expect(hosts).toEqual([`127.0.0.1:${port}`, `127.0.0.1:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `localhost:${port}`]);
    expect(await storage.installations.get(installation.id)).toMatchObject({ externalId: ready.memberId, domain: `localhost:${port}`, clientEndpoint: `http://localhost:${port}/rest/` });
  });

  it('does not follow an endpoint no portal may live at', () => {
    const hosts = /^[a-z0-9-]+\.bitrix24\.(ru|com)$/;
    expect(acceptableEndpoint('https://acme.bitrix24.com/rest/', hosts)).toEqual({ endpoint: 'https://acme.bitrix24.com/rest/', host: 'acme.bitrix24.com' });
    for (const bad of ['http://acme.bitrix24.com/rest/', 'https://evil.example/rest/', 'https://acme.bitrix24.com/other/', 'https://u:p@acme.bitrix24.com/rest/', 'javascript:alert(1)', 42]) {
      expect(acceptableEndpoint(bad, hosts)).toBeNull();
    }
  });
});
