import { Writable } from 'node:stream';
import type { CrmApp } from '../../../src/app/crm-app';
import { KamError, fail } from '../../../src/core/errors';
import type { CrmInbound } from '../../../src/core/ports/crm-connector.port';
import { amocrmRoutes } from '../../../src/http/amocrm.routes';
import { createHttpApp } from '../../../src/http/create-http-app';
import { listen } from '../../../src/http/listen';
import { createLogger } from '../../../src/logging/logger';

/**
 * Issue 9, security 4: amoCRM's webhook destination carries its secret as the last path segment
 * (/amocrm/webhooks/{installationId}/{secret}). A refused webhook, its timing line and a parser
 * refusal name the route pattern, never the path; nothing the client sent in the path is written.
 */
describe('request log lines name the route, not the path', () => {
  it('writes no webhook secret for a refused webhook, a parser refusal or a timing line, at debug level', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const raw: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        raw.push(chunk.toString());
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger({ level: 'debug', format: 'json', stream });
    const inbound = { verifyEvent: async () => fail(new KamError('UNAUTHORIZED', 'Wrong webhook secret')) } as unknown as CrmInbound;
    const routes = amocrmRoutes({
      app: {} as CrmApp, inbound, defaultLang: 'en', accountHosts: /^x$/, grantUrl: () => 'http://grant',
      accountPageView: async () => { throw new Error('not asked here'); },
    });
    const server = await listen(createHttpApp({ logger, routers: [routes] }), { host: '127.0.0.1', port: 0 });
    // Short, no digits: no token shape would catch it.
    const secret = 'quiet-hook-secret';
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/amocrm/webhooks/7/${secret}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    try {
      expect((await post('account%5Bid%5D=1')).status).toBe(401);
      expect((await post('a=1', { 'content-type': 'application/x-www-form-urlencoded; charset=koi8-r' })).status).toBe(415);
    } finally {
      await server.close();
    }
    await new Promise((resolve) => setImmediate(resolve));
    const route = '/amocrm/webhooks/:installationId/:secret';
    expect(lines).toEqual(expect.arrayContaining([
      expect.objectContaining({ level: 'warn', message: 'inbound request refused', route, code: 'UNAUTHORIZED' }),
      expect.objectContaining({ level: 'warn', message: 'request refused', route, code: 'charset.unsupported' }),
      expect.objectContaining({ level: 'debug', message: 'http request', method: 'POST', route, status: 401 }),
    ]));
    expect(lines.filter((line) => 'path' in line)).toEqual([]);
    expect(raw.join('')).not.toContain(secret);
  });
});
