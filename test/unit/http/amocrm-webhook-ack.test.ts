import type { CrmApp } from '../../../src/app/crm-app';
import type { CrmInbound, VerifiedInbound } from '../../../src/core/ports/crm-connector.port';
import { amocrmRoutes } from '../../../src/http/amocrm.routes';
import { createHttpApp } from '../../../src/http/create-http-app';
import { listen } from '../../../src/http/listen';
import { createSilentLogger } from '../../../src/logging/logger';

/**
 * Issue 9, reliability 4, for amoCRM too: a webhook is answered only once its dirty marks are
 * stored (recordInbound resolved), so an acknowledged webhook survives a crash right after the 2xx.
 */
describe('amoCRM webhook acknowledgement', () => {
  it('answers 200 only after the marks are recorded, and a failed record is not acknowledged', async () => {
    const order: string[] = [];
    const verified = { installation: { id: 'inst-1' }, effects: [] } as unknown as VerifiedInbound;
    let releaseRecord: () => void = () => undefined;
    let recordStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (recordStarted = resolve));
    let applied: () => void = () => undefined;
    const appliedOnce = new Promise<void>((resolve) => (applied = resolve));
    let failNext = false;
    const app = {
      recordInbound: jest.fn(async (event: VerifiedInbound) => {
        order.push('record started');
        recordStarted();
        if (failNext) throw new Error('database is gone');
        await new Promise<void>((resolve) => (releaseRecord = resolve));
        order.push('record stored');
        return event;
      }),
      applyInbound: jest.fn(async () => {
        order.push('applied');
        applied();
      }),
    } as unknown as CrmApp;
    const inbound = { verifyEvent: async () => ({ ok: true, value: verified }) } as unknown as CrmInbound;
    const routes = amocrmRoutes({ app, inbound, defaultLang: 'en', accountHosts: /^x$/, grantUrl: () => 'http://grant', accountPageView: async () => { throw new Error('not asked here'); } });
    const server = await listen(createHttpApp({ logger: createSilentLogger(), routers: [routes] }), { host: '127.0.0.1', port: 0 });
    try {
      const answered = fetch(`${server.url}/amocrm/webhooks/inst-1/secret`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'account%5Bid%5D=1' });
      // The answer must wait for the record: it may not come first.
      await Promise.race([started, answered.then(() => Promise.reject(new Error('answered before the marks were recorded')))]);
      releaseRecord();
      expect((await answered).status).toBe(200);
      await appliedOnce;
      expect(order).toEqual(['record started', 'record stored', 'applied']);

      failNext = true;
      const refused = await fetch(`${server.url}/amocrm/webhooks/inst-1/secret`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'account%5Bid%5D=1' });
      expect(refused.status).toBeGreaterThanOrEqual(500);
      expect(app.applyInbound).toHaveBeenCalledTimes(1);
    } finally {
      await server.close();
    }
  });
});

