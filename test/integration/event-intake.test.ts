import http from 'node:http';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Router } from 'express';
import type { CrmApp } from '../../src/app/crm-app';
import { fail, KamError, ok } from '../../src/core/errors';
import type { CrmInbound, InboundRequest, VerifiedInbound } from '../../src/core/ports/crm-connector.port';
import { amocrmRoutes, amocrmWebhookRoute } from '../../src/http/amocrm.routes';
import { bitrix24EventRoute, bitrix24Routes } from '../../src/http/bitrix24.routes';
import { createHttpApp, createHttpHandler } from '../../src/http/create-http-app';
import { listen, type ListeningServer } from '../../src/http/listen';
import { createLogger } from '../../src/logging/logger';

/**
 * Issue 12: the CRMs' plain events are answered before Express (src/http/event-intake.ts). The two
 * paths must give a CRM the same answer for every request, plain or not, good or forged, and the
 * intake must keep the event contract: marks recorded before the 200, effects applied after it.
 */
describe('event intake before Express', () => {
  const FORM = 'application/x-www-form-urlencoded';
  const lines: Array<Record<string, unknown>> = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const logger = createLogger({ level: 'debug', format: 'json', stream: logStream });

  /** What the CRM app saw: every recorded and applied event, by its verified body. */
  const recorded: string[] = [];
  const applied: string[] = [];
  let recordFails: Error | null = null;
  const app = {
    recordInbound: async (event: VerifiedInbound) => {
      if (recordFails) throw recordFails;
      recorded.push(String(event.installation?.id));
      return event;
    },
    applyInbound: async (event: VerifiedInbound) => {
      applied.push(String(event.installation?.id));
    },
  } as unknown as CrmApp;

  /** A verifier with the real one's shape: a result, never a throw; the request's fields name the installation. */
  const verifyEvent = async (request: InboundRequest) => {
    const auth = request.body.auth as Record<string, unknown> | undefined;
    const token = auth?.application_token ?? request.query.secret;
    if (token !== 'good') return fail(new KamError('UNAUTHORIZED', 'Bad application token'));
    const id = String(auth?.member_id ?? request.query.installationId);
    return ok({ installation: { id }, effects: [] } as unknown as VerifiedInbound);
  };
  const inbound = { verifyEvent, verifyInstall: verifyEvent, verifyWidget: verifyEvent } as unknown as CrmInbound;

  /** Paths Express saw (its first middleware), per server. */
  const expressSaw = { express: [] as string[], intake: [] as string[] };
  const routers = (who: keyof typeof expressSaw) => {
    const spy = Router();
    spy.use((req, _res, next) => {
      expressSaw[who].push(req.path);
      next();
    });
    return [
      spy,
      bitrix24Routes({ app, inbound, defaultLang: 'en', progress: async () => { throw new Error('not asked here'); } }),
      amocrmRoutes({ app, inbound, defaultLang: 'en', accountHosts: /^x$/, grantUrl: () => 'http://grant', accountPageView: async () => { throw new Error('not asked here'); } }),
    ];
  };

  let viaExpress: ListeningServer;
  let viaIntake: ListeningServer;
  beforeAll(async () => {
    viaExpress = await listen(createHttpApp({ logger, routers: routers('express') }), { host: '127.0.0.1', port: 0 });
    viaIntake = await listen(
      createHttpHandler({ logger, routers: routers('intake'), events: { app, routes: [bitrix24EventRoute(inbound), amocrmWebhookRoute(inbound)] } }),
      { host: '127.0.0.1', port: 0 },
    );
  });
  afterAll(async () => {
    await viaExpress.close();
    await viaIntake.close();
  });

  interface Sent {
    path: string;
    body?: Buffer | string;
    headers?: Record<string, string>;
  }
  const send = (server: ListeningServer, { path, body = '', headers = {} }: Sent) =>
    new Promise<{ status: number; type: string; body: unknown; requestId: string }>((resolve, reject) => {
      const request = http.request(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': FORM, 'x-request-id': 'req-1', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: JSON.parse(text) as unknown, requestId: String(res.headers['x-request-id']) });
        });
      });
      request.on('error', reject);
      request.end(body);
    });

  const b24 = (token: string, extra = '') => `event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=7&auth%5Bmember_id%5D=portal-1&auth%5Bapplication_token%5D=${token}${extra}`;
  const deep = `a${'[b]'.repeat(40)}=1`;
  const cases: Array<Sent & { name: string; plain: boolean }> = [
    { name: 'a Bitrix24 event', path: '/bitrix24/events', body: b24('good'), plain: true },
    { name: 'a forged Bitrix24 event', path: '/bitrix24/events', body: b24('forged'), plain: true },
    { name: 'a trailing slash, another case', path: '/BITRIX24/Events/', body: b24('good'), plain: true },
    { name: 'charset=utf-8', path: '/bitrix24/events', body: b24('good'), headers: { 'content-type': `${FORM}; charset=UTF-8` }, plain: true },
    { name: 'an empty body', path: '/bitrix24/events', body: '', plain: true },
    { name: 'too many parameters', path: '/bitrix24/events', body: Array.from({ length: 2001 }, (_, i) => `p${i}=1`).join('&'), plain: true },
    { name: 'nested too deeply', path: '/bitrix24/events', body: deep, plain: true },
    { name: 'an amoCRM webhook', path: '/amocrm/webhooks/inst-1/good', body: 'account%5Bid%5D=1', plain: true },
    { name: 'an amoCRM webhook, escaped path', path: '/amocrm/webhooks/inst-1/g%6Fod', body: 'account%5Bid%5D=1', plain: true },
    { name: 'a forged amoCRM webhook', path: '/amocrm/webhooks/inst-1/bad', body: 'account%5Bid%5D=1', plain: true },
    { name: 'a broken escape in the path', path: '/amocrm/webhooks/inst-1/%E0%A4%A', body: 'account%5Bid%5D=1', plain: false },
    { name: 'a query string', path: '/bitrix24/events?x=1', body: b24('good'), plain: false },
    { name: 'gzip', path: '/bitrix24/events', body: gzipSync(b24('good')), headers: { 'content-encoding': 'gzip' }, plain: false },
    { name: 'latin-1', path: '/bitrix24/events', body: b24('good'), headers: { 'content-type': `${FORM}; charset=iso-8859-1` }, plain: false },
    { name: 'an unknown charset', path: '/bitrix24/events', body: b24('good'), headers: { 'content-type': `${FORM}; charset=koi8-r` }, plain: false },
    { name: 'JSON', path: '/bitrix24/events', body: '{"auth":{"application_token":"good"}}', headers: { 'content-type': 'application/json' }, plain: false },
    { name: 'a body over the limit', path: '/bitrix24/events', body: `a=${'x'.repeat(300 * 1024)}`, plain: false },
  ];

  it.each(cases)('$name: the same answer either way', async (sent) => {
    const [before, after] = [expressSaw.intake.length, recorded.length];
    const [expected, actual] = [await send(viaExpress, sent), await send(viaIntake, sent)];
    expect(actual).toEqual(expected);
    // A plain event never reached Express on the intake's server; anything else did.
    expect(expressSaw.intake.length - before).toBe(sent.plain ? 0 : 1);
    // Recorded once per server when accepted.
    expect(recorded.length - after).toBe(expected.status === 200 ? 2 : 0);
  });

  it('answers the accepted plain cases 200 and the rest with the CRM-facing 4xx', async () => {
    const statuses = await Promise.all(cases.map(async (sent) => [sent.name, (await send(viaIntake, sent)).status] as const));
    expect(Object.fromEntries(statuses)).toEqual({
      'a Bitrix24 event': 200, 'a forged Bitrix24 event': 401, 'a trailing slash, another case': 200, 'charset=utf-8': 200, 'an empty body': 401,
      'too many parameters': 413, 'nested too deeply': 400, 'an amoCRM webhook': 200, 'an amoCRM webhook, escaped path': 200, 'a forged amoCRM webhook': 401,
      'a broken escape in the path': 400, 'a query string': 200, gzip: 200, 'latin-1': 200, 'an unknown charset': 415, JSON: 401, 'a body over the limit': 413,
    });
  });

  it('logs a refusal by the route pattern, never the path with its secret', async () => {
    await send(viaIntake, { path: '/amocrm/webhooks/inst-1/bad-secret-value', body: 'account%5Bid%5D=1' });
    const refusal = lines.filter((line) => line.message === 'inbound request refused').at(-1);
    expect(refusal).toMatchObject({ route: '/amocrm/webhooks/:installationId/:secret', code: 'UNAUTHORIZED', requestId: 'req-1' });
    expect(JSON.stringify(lines)).not.toContain('bad-secret-value');
  });

  it('answers a failed record as Express does: a KamError with its status, anything else a 500 with the request id', async () => {
    try {
      recordFails = new KamError('STORAGE', 'Database unavailable');
      const sent = { path: '/bitrix24/events', body: b24('good') };
      expect(await send(viaIntake, sent)).toEqual(await send(viaExpress, sent));
      recordFails = new Error('socket hang up');
      const [expected, actual] = [await send(viaExpress, sent), await send(viaIntake, sent)];
      expect(actual).toEqual(expected);
      expect(actual).toMatchObject({ status: 500, body: { error: { code: 'INTERNAL', requestId: 'req-1' } } });
    } finally {
      recordFails = null;
    }
  });

  it('applies an accepted event after its answer, and never one it did not record', async () => {
    applied.length = 0;
    const answer = await send(viaIntake, { path: '/bitrix24/events', body: b24('good').replace('portal-1', 'portal-9') });
    expect(answer.status).toBe(200);
    await new Promise<void>((resolve) => {
      const check = () => (applied.length > 0 ? resolve() : setImmediate(check));
      check();
    });
    expect(applied).toEqual(['portal-9']);
  });

  it('drops a request whose client left mid-body, and goes on serving', async () => {
    const before = recorded.length;
    const aborted = new Promise<void>((resolve) => {
      const check = () => (lines.some((line) => line.message === 'request aborted by the client' && line.route === '/bitrix24/events') ? resolve() : setTimeout(check, 5));
      check();
    });
    const request = http.request(`${viaIntake.url}/bitrix24/events`, { method: 'POST', headers: { 'content-type': FORM, 'content-length': '500' } });
    request.on('error', () => undefined);
    request.write(b24('good').slice(0, 40));
    request.on('socket', (socket) => socket.on('connect', () => setImmediate(() => request.destroy())));
    await aborted;
    expect(recorded.length).toBe(before);
    expect((await send(viaIntake, { path: '/bitrix24/events', body: b24('good') })).status).toBe(200);
  });
});
