import { randomBytes } from 'node:crypto';
import { createLiveLinks, hashToken } from '../../../src/app/reports/live-links';
import { createPortfolioReports } from '../../../src/app/reports/portfolio-reports';
import { DEFAULT_CRITERIA, DEFAULT_NEXT_STEP_RULES } from '../../../src/core/engine';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createHttpApp } from '../../../src/http/create-http-app';
import { listen, type ListeningServer } from '../../../src/http/listen';
import { liveReportRoutes, reportsRoutes } from '../../../src/http/reports.routes';
import { createSilentLogger } from '../../../src/logging/logger';
import { redactString } from '../../../src/logging/redact';
import { createStorage } from '../../../src/storage';

/** The live CSV link over real HTTP on loopback: what Google Sheets' IMPORTDATA would fetch. */
describe('live CSV link', () => {
  let storage: Storage;
  let server: ListeningServer;
  let installationId: string;
  const links = () => createLiveLinks({ links: storage.reportLinks, publicUrl: server.url });

  beforeAll(async () => {
    storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
    ({ id: installationId } = await storage.installations.upsert({ crm: 'bitrix24', externalId: 'm1', domain: 'x.bitrix24.ru' }));
    await storage.entities.upsertMany(installationId, 'company', [
      { crmId: '1', name: 'Стройка, "Север"', industry: 'CONSTRUCTION', ownerId: '7', fields: { potential3y: 40_000_000 }, createdAt: null, modifiedAt: null },
      { crmId: '2', name: '=HYPERLINK("http://x")', industry: null, ownerId: '7', fields: {}, createdAt: null, modifiedAt: null },
    ]);
    const reports = createPortfolioReports({
      storage,
      now: () => new Date('2026-11-27T12:00:00Z'),
      settingsOf: () => ({ criteria: DEFAULT_CRITERIA, rules: DEFAULT_NEXT_STEP_RULES, contactsAsAccounts: false, traits: { defaultCurrency: 'RUB' } }),
    });
    const app = createHttpApp({
      logger: createSilentLogger(),
      routers: [reportsRoutes({ links: createLiveLinks({ links: storage.reportLinks, publicUrl: 'http://unused' }), reports, langOf: () => 'en', buckets: storage.rateBuckets, limit: 3 })],
    });
    server = await listen(app, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await storage.close();
  });

  it('serves the accounts CSV to the secret URL, stores only the token hash, and stops after revoke', async () => {
    const link = await links().create(installationId, 'quarter');
    expect(link.url).toMatch(new RegExp(`^${server.url}/reports/live/[A-Za-z0-9_-]{43}\\.csv$`));
    expect(link.formula).toBe(`=IMPORTDATA("${link.url}")`);
    expect(await storage.reportLinks.get(installationId)).toMatchObject({ tokenHash: hashToken(link.token), granularity: 'quarter' });
    expect(JSON.stringify(await storage.reportLinks.get(installationId))).not.toContain(link.token);

    const response = await fetch(link.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    const lines = text.split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^Account,CRM id,Owner,Industry,Tier,/);
    // RFC 4180 quoting, and a formula-looking name kept as text; an owner the CRM's user list lacks
    // (user 7 here) is named as such, never by its CRM id.
    expect(text).toContain('"Стройка, ""Север""",1,User not found in the CRM,Construction,');
    expect(text).toContain(`"'=HYPERLINK(""http://x"")",2,`);

    await links().revoke(installationId);
    expect((await fetch(link.url)).status).toBe(404);
  });

  it('answers 404 alike to unknown and malformed tokens, and refuses writes', async () => {
    const unknown = `${server.url}/reports/live/${randomBytes(32).toString('base64url')}.csv`;
    expect((await fetch(unknown)).status).toBe(404);
    expect((await fetch(`${server.url}/reports/live/short.csv`)).status).toBe(404);
    const link = await links().create(installationId, 'month');
    expect((await fetch(link.url, { method: 'POST' })).status).toBe(404);
    expect((await fetch(link.url, { method: 'DELETE' })).status).toBe(404);
  });

  it('a new link replaces the old one', async () => {
    const first = await links().create(installationId, 'quarter');
    const second = await links().create(installationId, 'year');
    expect((await fetch(first.url)).status).toBe(404);
    expect((await fetch(second.url)).status).toBe(200);
  });

  it('rate-limits each token on its own', async () => {
    const busy = await links().create(installationId, 'quarter');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await fetch(busy.url)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    // Another installation's link is not held back by this one's traffic.
    const { id: other } = await storage.installations.upsert({ crm: 'amocrm', externalId: '9', domain: 'y.amocrm.ru' });
    const fresh = await links().create(other, 'quarter');
    expect((await fetch(fresh.url)).status).toBe(200);
  });

  it('is wired from the store and config as the composition root mounts it, headers in the installation\'s language', async () => {
    await storage.installations.updateSettings(installationId, { lang: 'ru' });
    const wired = await listen(createHttpApp({ logger: createSilentLogger(), routers: [liveReportRoutes({ storage, publicUrl: 'http://x', defaultLang: 'en', traitsOf: () => null })] }), { host: '127.0.0.1', port: 0 });
    try {
      const link = await createLiveLinks({ links: storage.reportLinks, publicUrl: wired.url }).create(installationId, 'year');
      const response = await fetch(link.url);
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/^Клиент,ID в CRM,/);
    } finally {
      await wired.close();
    }
  });

  it('keeps the token out of logs', () => {
    expect(redactString('GET /reports/live/AbC_-123.csv 200')).toBe('GET /reports/live/[REDACTED] 200');
  });
});
