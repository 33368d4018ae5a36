import axios from 'axios';
import nock from 'nock';
import { createAmoCrmConnector } from '../../../src/connectors/amocrm/amocrm-connector';
import { DEFAULT_FIELD_MAP, mapCompany, mapContact, mapLead } from '../../../src/connectors/amocrm/amocrm-mapper';
import { zonedUnix } from '../../../src/connectors/amocrm/amocrm-time';
import { createSilentLogger } from '../../../src/logging/logger';
import { createCrmApp } from '../../../src/app/crm-app';
import { createJobQueue } from '../../../src/jobs/job-queue';
import { createStorage } from '../../../src/storage';

const CONTEXT = { fieldMap: DEFAULT_FIELD_MAP, currency: 'RUB', timezone: 'Europe/Moscow' };

describe('amoCRM mapper', () => {
  it('maps a won lead with its company and main contact, price in the account currency', () => {
    const deal = mapLead({
      id: 5, name: 'Лицензии', price: 125000, status_id: 142, pipeline_id: 1000, responsible_user_id: 2,
      created_at: 1735689600, updated_at: 1738368000, closed_at: 1738368000,
      _embedded: { companies: [{ id: 9 }], contacts: [{ id: 3, is_main: false }, { id: 4, is_main: true }] },
    }, CONTEXT);
    expect(deal).toEqual({
      crmId: '5', title: 'Лицензии', companyId: '9', contactId: '4', amount: 125000, currency: 'RUB', status: 'won',
      pipelineId: '1000', stageId: '142', ownerId: '2', createdAt: '2025-01-01T00:00:00.000Z',
      closedAt: '2025-02-01T00:00:00.000Z', modifiedAt: '2025-02-01T00:00:00.000Z',
    });
    expect(mapLead({ id: 6, status_id: 143, pipeline_id: 1001, created_at: 1, updated_at: 1738368000, closed_at: null, _embedded: { companies: [] } }, CONTEXT))
      .toEqual(expect.objectContaining({ status: 'lost', closedAt: '2025-02-01T00:00:00.000Z', companyId: null }));
    expect(mapLead({ id: 7, status_id: 40001, created_at: 1, custom_fields_values: null }, CONTEXT).status).toBe('open');
  });

  it('reads criteria fields by code: a date field as the account-zone day, a percent margin as a fraction, the industry enum code', () => {
    const company = mapCompany({
      id: 1, name: 'ООО «Альфа»', responsible_user_id: 2, created_at: 1704877200, updated_at: 1714557600,
      custom_fields_values: [
        { field_id: 500111, field_code: 'KAM_POTENTIAL_3Y', values: [{ value: '12000000' }] },
        { field_id: 500112, field_code: 'KAM_MARGIN', values: [{ value: '22' }] },
        // 2026-12-31 00:00 in Moscow is 2026-12-30T21:00Z: read in UTC it would be the day before.
        { field_id: 500114, field_code: 'KAM_CONTRACT_END', values: [{ value: 1798664400 }] },
        { field_id: 500116, field_code: 'KAM_INDUSTRY', values: [{ value: 'Информационные технологии', enum_id: 600010, enum_code: 'IT' }] },
      ],
    }, CONTEXT);
    expect(company.fields).toEqual({ potential3y: 12_000_000, margin: 0.22, contractEnd: '2026-12-31' });
    expect(company.industry).toBe('IT');
    expect(company.ownerId).toBe('2');
  });

  it('maps a contact with its company', () => {
    expect(mapContact({ id: 3, name: 'Иван Петров', responsible_user_id: 0, _embedded: { companies: [{ id: 1 }] } }))
      .toEqual(expect.objectContaining({ crmId: '3', name: 'Иван Петров', companyId: '1', ownerId: null }));
  });

  it('computes deadlines in the account time zone', () => {
    expect(zonedUnix('2026-07-01', '23:59', 'Europe/Moscow')).toBe(Date.parse('2026-07-01T20:59:00Z') / 1000);
    // Berlin in summer time (UTC+2) and in winter (UTC+1).
    expect(zonedUnix('2026-07-01', '12:00', 'Europe/Berlin')).toBe(Date.parse('2026-07-01T10:00:00Z') / 1000);
    expect(zonedUnix('2026-01-15', '12:00', 'Europe/Berlin')).toBe(Date.parse('2026-01-15T11:00:00Z') / 1000);
  });
});

describe('amoCRM account block', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());

  it('stops the installation with a clear reason when amo answers 403, without retrying', async () => {
    const storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: Buffer.alloc(32, 3) });
    const queue = createJobQueue({ concurrency: 1, logger: createSilentLogger() });
    try {
      const installation = await storage.installations.upsert({
        crm: 'amocrm', externalId: '31', domain: 'acme.amocrm.ru', clientEndpoint: 'https://acme.amocrm.ru', status: 'active',
        tokens: { accessToken: 'a', refreshToken: 'r', expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
      });
      const connector = createAmoCrmConnector({
        settings: { clientId: 'c', clientSecret: 's', redirectUri: 'https://kam.example/amocrm/oauth', ratePerSecond: 7, accountHosts: /amocrm\.ru$/ },
        storage, logger: createSilentLogger(), http: axios.create(),
      });
      const app = createCrmApp({ storage, connectors: { amocrm: connector }, queue, logger: createSilentLogger(), publicUrl: 'https://kam.example', defaultLang: 'en', autoSync: false });
      const scope = nock('https://acme.amocrm.ru').get(/\/api\/v4\//).reply(403, '<html>Forbidden</html>');
      await expect(app.runCycle(installation.id, 'full')).rejects.toMatchObject({ code: 'FORBIDDEN', details: expect.objectContaining({ vendorCode: 'ACCOUNT_BLOCKED' }) });
      expect(scope.isDone()).toBe(true);
      expect(nock.pendingMocks()).toEqual([]);
      const stored = await storage.installations.get(installation.id);
      expect(stored?.status).toBe('blocked');
      expect(stored?.statusReason).toMatch(/blocked API access.*support/);
    } finally {
      await queue.close();
      await storage.close();
    }
  });
});
