import { randomBytes } from 'node:crypto';
import { buildSnapshot } from '../../../src/app/build-snapshot';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createStorage } from '../../../src/storage';

/** The snapshot carries what the texts people read need from the store: a deal's CRM title among them. */
describe('buildSnapshot', () => {
  let storage: Storage;
  afterEach(() => storage.close());

  it('gives each deal its CRM title, and null for a deal the CRM left untitled', async () => {
    storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
    const { id: installationId } = await storage.installations.upsert({ crm: 'bitrix24', externalId: 'm1', domain: 'x.bitrix24.ru' });
    await storage.entities.upsertMany(installationId, 'company', [
      { crmId: '1', name: 'Alpha', industry: 'IT', ownerId: '7', fields: {}, createdAt: null, modifiedAt: null },
    ]);
    const deal = (crmId: string, title: string) => ({
      crmId, title, companyId: '1', contactId: null, amount: 100, currency: 'RUB', status: 'won' as const, pipelineId: '0', stageId: 'WON',
      ownerId: '7', createdAt: '2026-10-01', closedAt: '2026-10-20', modifiedAt: null,
    });
    await storage.entities.upsertMany(installationId, 'deal', [deal('41', 'Rebar, 40 t'), deal('42', '')]);
    const { snapshot } = await buildSnapshot({ storage, installationId, asOf: '2026-10-31', traits: { defaultCurrency: 'RUB' } });
    expect(snapshot.deals.map((d) => [d.id, d.title]).sort()).toEqual([['41', 'Rebar, 40 t'], ['42', null]]);
  });
});
