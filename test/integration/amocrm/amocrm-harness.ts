import { createAmoCrmConnector, type AmoCrmConnector } from '../../../src/connectors/amocrm/amocrm-connector';
import type { Installation } from '../../../src/core/ports/installation-store.port';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createSilentLogger } from '../../../src/logging/logger';
import { startAmoCrmSandbox, type AmoCrmSandboxOptions, type RunningAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import { createStorage } from '../../../src/storage';
import { startReceiver, type Receiver } from '../sandbox/amocrm-helpers';

/** An amo sandbox, our storage and the connector, installed through the real OAuth redirect flow. */
export interface AmoHarness {
  sandbox: RunningAmoCrmSandbox;
  receiver: Receiver;
  storage: Storage;
  connector: AmoCrmConnector;
  installation: Installation;
  state(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export const TIERS = [
  { id: 'a', ru: 'Ключевой', en: 'Key' },
  { id: 'b', ru: 'Развитие', en: 'Growth' },
  { id: 'c', ru: 'Базовый', en: 'Base' },
];

export async function startAmoHarness(options: Partial<AmoCrmSandboxOptions> = {}): Promise<AmoHarness> {
  const receiver = await startReceiver();
  const redirectUri = `${receiver.url}/amocrm/oauth`;
  const sandbox = await startAmoCrmSandbox({ port: 0, rateLimit: false, companies: 60, contacts: 120, deals: 600, seed: 5, redirectUri, ...options });
  const storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: Buffer.alloc(32, 9) });
  const ready = sandbox.readyLine as { clientId: string; clientSecret: string };
  const connector = createAmoCrmConnector({
    settings: { clientId: ready.clientId, clientSecret: ready.clientSecret, redirectUri, ratePerSecond: 1000, windowMs: 1000, accountHosts: /^127\.0\.0\.1:\d+$/, backoffMs: 5 },
    storage,
    logger: createSilentLogger(),
  });
  const issued = (await (await fetch(`${sandbox.url}/_sandbox/install`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { code: string };
  const verified = await connector.inbound.verifyInstall({ query: { code: issued.code, referer: new URL(sandbox.url).host, from_widget: '1' }, body: {}, headers: {} });
  if (!verified.ok) throw verified.error;
  const installation = await storage.installations.upsert({ ...verified.value.input, status: 'active' });
  return {
    sandbox, receiver, storage, connector, installation,
    state: async () => (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as Record<string, unknown>,
    async close() {
      await storage.close();
      await sandbox.close();
      await receiver.close();
    },
  };
}
