import http from 'node:http';
import net from 'node:net';
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
  let recordFails: unknown = null;
  let applyThrows = false as boolean;
  const app = {
    recordInbound: async (event: VerifiedInbound) => {
      if (recordFails) throw recordFails;
      recorded.push(String(event.installation?.id));
      return event;
    },
    // Not async on purpose: a synchronous throw is what it may do.
    applyInbound: (event: VerifiedInbound) => {
      if (applyThrows) throw new Error('apply threw synchronously');
      applied.push(String(event.installation?.id));
      return Promise.resolve();
    },
  } as unknown as CrmApp;

  /** What the verifier was handed last (query and body): both paths must hand it the same request. */
  let lastSeen = '';
  /** Held open while set: verification waits for it (a client can leave in between). */
  let gate = null as Promise<void> | null;
  const verifying: Array<() => void> = [];
  /** A verifier with the real one's shape: a result, never a throw; the request's fields name the installation. */
  const verifyEvent = async (request: InboundRequest) => {
    lastSeen = JSON.stringify({ query: request.query, body: request.body });
    for (const waiting of verifying.splice(0)) waiting();
    if (gate) await gate;
    const auth = request.body.auth as Record<string, unknown> | undefined;
    const token = auth?.application_token ?? request.query.secret;
    // `good`, or `good-` and more: a webhook secret the log must never show.
    if (typeof token !== 'string' || !/^good(-|$)/.test(token)) return fail(new KamError('UNAUTHORIZED', 'Bad application token'));
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
    headers?: Record<string, string | string[]>;
  }
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  /** A fresh request id (the one sent was refused) is a UUID, a different one per answer: named, not compared. */
  const idOf = (id: unknown) => (typeof id === 'string' && UUID.test(id) ? 'a fresh UUID' : String(id));
  /** The raw bytes of a request, every header as given (repeated ones repeated), and Content-Length. */
  const rawRequest = ({ path, body = '', headers = {} }: Sent, connection = 'close'): Buffer => {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const all: Record<string, string | string[]> = { 'content-type': FORM, 'x-request-id': 'req-1', ...headers };
    const lines = Object.entries(all).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((one) => `${name}: ${one}\r\n`));
    return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: kam\r\nConnection: ${connection}\r\n${lines.join('')}Content-Length: ${bytes.length}\r\n\r\n`, 'latin1'), bytes]);
  };
  /** Writes bytes on one connection and resolves with all the server wrote once it closed it. */
  const exchange = (server: { port: number }, bytes: Buffer | string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      // Not half-closed: the server closes the connection after the answer to the last request (Connection: close).
      socket.write(bytes);
    });
  interface Answer { status: number; type: string; body: unknown; requestId: string }
  /** The answers in a connection's bytes, in order (an interim 100 Continue skipped); by Content-Length, or to the end. */
  const answersIn = (text: string): Answer[] => {
    const answers: Answer[] = [];
    let rest = text;
    while (rest.length > 0) {
      const head = rest.slice(0, rest.indexOf('\r\n\r\n'));
      const headers = Object.fromEntries(head.split('\r\n').slice(1).map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const status = Number(head.split(' ')[1]);
      const length = status < 200 ? 0 : headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
      const bodyStart = head.length + 4;
      const body = rest.slice(bodyStart, length === undefined ? undefined : bodyStart + length);
      rest = rest.slice(bodyStart + body.length);
      if (status < 200) continue;
      const type = String(headers['content-type']);
      answers.push({ status, type, body: type.startsWith('application/json') ? (JSON.parse(body) as unknown) : body, requestId: idOf(headers['x-request-id']) });
    }
    return answers;
  };
  // Raw bytes, not http.request: the targets are sent as given (a fragment, an absolute form), and no mock is in between.
  const send = async (server: ListeningServer, sent: Sent): Promise<Answer> => {
    const [answer] = answersIn(await exchange(server, rawRequest(sent)));
    if (!answer) throw new Error(`no answer to ${sent.path}`);
    return answer;
  };

  const b24 = (token: string, extra = '') => `event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=7&auth%5Bmember_id%5D=portal-1&auth%5Bapplication_token%5D=${token}${extra}`;
  const deep = `a${'[b]'.repeat(40)}=1`;
  const params = (n: number) => Array.from({ length: n }, (_, i) => `p${i}=1`).join('&');
  const amo = (secret: string) => `/amocrm/webhooks/inst-1/${secret}`;
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
    // The edges a CRM or an attacker may try (edge review of issue 12): headers.
    { name: 'a tab before charset', path: '/bitrix24/events', body: b24('good'), headers: { 'content-type': `${FORM};\tcharset=utf-8` }, plain: true },
    { name: 'a quoted charset', path: '/bitrix24/events', body: b24('good'), headers: { 'content-type': `${FORM}; charset="utf-8"` }, plain: true },
    { name: 'an unbalanced quote after the charset', path: '/bitrix24/events', body: b24('good'), headers: { 'content-type': `${FORM}; charset=utf-8"` }, plain: false },
    { name: 'an unbalanced quote before the charset', path: '/bitrix24/events', body: b24('good'), headers: { 'content-type': `${FORM}; charset="utf-8` }, plain: false },
    { name: 'a no-break space after the type', path: '/bitrix24/events', body: b24('good'), headers: { 'content-type': `${FORM}\u00a0` }, plain: false },
    { name: 'two Content-Types, the form first', path: '/bitrix24/events', body: b24('good'), headers: { 'content-type': [FORM, 'text/plain'] }, plain: true },
    { name: 'two Content-Types, the form second', path: '/bitrix24/events', body: b24('good'), headers: { 'content-type': ['text/plain', FORM] }, plain: false },
    { name: 'Content-Encoding: identity', path: '/bitrix24/events', body: b24('good'), headers: { 'content-encoding': 'Identity' }, plain: true },
    { name: 'an unknown Content-Encoding', path: '/bitrix24/events', body: b24('good'), headers: { 'content-encoding': 'zip' }, plain: false },
    { name: 'Expect: 100-continue', path: '/bitrix24/events', body: b24('good'), headers: { expect: '100-continue' }, plain: true },
    { name: 'an X-Request-Id that is no id', path: '/bitrix24/events', body: b24('good'), headers: { 'x-request-id': '<script>' }, plain: true },
    { name: 'an X-Request-Id too long', path: '/bitrix24/events', body: b24('forged'), headers: { 'x-request-id': 'a'.repeat(65) }, plain: true },
    // Request targets.
    { name: 'an absolute-form target', path: 'http://kam.example/bitrix24/events', body: b24('good'), plain: false },
    { name: 'a doubled slash', path: '//bitrix24/events', body: b24('good'), plain: false },
    { name: 'an escaped letter in a fixed path', path: '/bitrix24/%65vents', body: b24('good'), plain: false },
    { name: 'a fragment after the amoCRM secret', path: `${amo('good')}#x`, body: 'account%5Bid%5D=1', plain: false },
    { name: 'a fragment inside the amoCRM secret', path: `${amo('go')}#od`, body: 'account%5Bid%5D=1', plain: false },
    { name: 'an escaped slash in the amoCRM secret', path: amo('go%2Fod'), body: 'account%5Bid%5D=1', plain: true },
    { name: 'an escaped NUL in the amoCRM secret', path: amo('good%00'), body: 'account%5Bid%5D=1', plain: true },
    { name: 'an amoCRM path in capitals', path: '/AMOCRM/WEBHOOKS/inst-1/good/', body: 'account%5Bid%5D=1', plain: true },
    { name: 'an extra segment after the amoCRM secret', path: `${amo('good')}/x`, body: 'account%5Bid%5D=1', plain: false },
    // Bodies.
    { name: 'exactly 2,000 parameters', path: '/bitrix24/events', body: `${b24('good')}&${params(1996)}`, plain: true },
    { name: '2,000 parameters and a trailing &', path: '/bitrix24/events', body: `${b24('good')}&${params(1996)}&`, plain: true },
    { name: 'nested 32 deep, the limit', path: '/bitrix24/events', body: `${b24('good')}&a${'[b]'.repeat(32)}=1`, plain: true },
    { name: 'a BOM before the form', path: '/bitrix24/events', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(b24('good'))]), plain: true },
    { name: 'two BOMs before the form', path: '/bitrix24/events', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from(b24('good'))]), plain: true },
    { name: 'invalid UTF-8 in a value', path: '/bitrix24/events', body: Buffer.concat([Buffer.from(`${b24('good')}&x=`), Buffer.from([0xff, 0xc3, 0x28, 0xe2, 0x82])]), plain: true },
    { name: 'invalid UTF-8 in the token', path: '/bitrix24/events', body: Buffer.concat([Buffer.from(b24('good')), Buffer.from([0xc3])]), plain: true },
    { name: 'invalid escapes in a value', path: '/bitrix24/events', body: `${b24('good')}&x=%ff%c3%28%`, plain: true },
    { name: '__proto__ and constructor keys', path: '/bitrix24/events', body: `${b24('good')}&__proto__[a]=1&constructor[prototype][b]=2&auth[__proto__][c]=3&toString=4`, plain: true },
    { name: 'an array past arrayLimit', path: '/bitrix24/events', body: `${b24('good')}&a[200]=1&a[0]=2&b[99999]=3`, plain: true },
    { name: 'a second token after the good one', path: '/bitrix24/events', body: `${b24('good')}&auth%5Bapplication_token%5D=good`, plain: true },
    { name: 'a body at the limit exactly', path: '/bitrix24/events', body: `${b24('good')}&z=${'x'.repeat(256 * 1024 - b24('good').length - 3)}`, plain: true },
    { name: 'amoCRM: exactly 5,000 parameters', path: amo('good'), body: params(5000), plain: true },
    { name: 'amoCRM: 5,001 parameters', path: amo('good'), body: params(5001), plain: true },
  ];

  it.each(cases)('$name: the same answer either way', async (sent) => {
    const [before, after] = [expressSaw.intake.length, recorded.length];
    lastSeen = '';
    const expected = await send(viaExpress, sent);
    const expressHanded = lastSeen;
    lastSeen = '';
    const actual = await send(viaIntake, sent);
    expect(actual).toEqual(expected);
    // The verifier was handed the same query and body (or neither path asked it).
    expect(lastSeen).toBe(expressHanded);
    // A plain event never reached Express on the intake's server; anything else did.
    expect(expressSaw.intake.length - before).toBe(sent.plain ? 0 : 1);
    // Recorded once per server when accepted.
    expect(recorded.length - after).toBe(expected.status === 200 ? 2 : 0);
  });

  it('answers the accepted plain cases 200 and the rest with the CRM-facing 4xx', async () => {
    const statuses = await Promise.all(cases.map(async (sent) => [sent.name, (await send(viaIntake, sent)).status] as const));
    expect(Object.fromEntries(statuses)).toMatchObject({
      'an unbalanced quote after the charset': 415, 'a no-break space after the type': 401, 'a fragment after the amoCRM secret': 200, 'an escaped NUL in the amoCRM secret': 401,
      'exactly 2,000 parameters': 200, '2,000 parameters and a trailing &': 413, 'nested 32 deep, the limit': 200, 'amoCRM: 5,001 parameters': 413, 'a body at the limit exactly': 200,
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

  /** Resolves once `done` holds: waits on what the server did, never for a fixed time. */
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (done() ? resolve() : setTimeout(check, 5));
      check();
    });

  const form10 = (body: string) => `POST /bitrix24/events HTTP/1.0\r\nContent-Type: ${FORM}\r\nX-Request-Id: req-1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const onOneConnection: Array<{ name: string; bytes: Buffer | string; answers: number; toExpress: number }> = [
    {
      name: 'pipelined requests on one keep-alive connection, plain and not',
      bytes: Buffer.concat([
        ...[
          { path: '/bitrix24/events', body: b24('good') },
          { path: '/bitrix24/events', body: b24('forged') },
          { path: '/bitrix24/events?x=1', body: b24('good') },
          { path: '/nowhere', body: 'a=1' },
          { path: amo('good'), body: 'account%5Bid%5D=1' },
          { path: '/bitrix24/events', body: params(2001) },
          { path: '/bitrix24/events', body: gzipSync(b24('good')), headers: { 'content-encoding': 'gzip' } },
        ].map((sent) => rawRequest(sent, 'keep-alive')),
        rawRequest({ path: '/bitrix24/events', body: b24('good') }),
      ]),
      answers: 8,
      toExpress: 3,
    },
    { name: 'HTTP/1.0', bytes: form10(b24('good')), answers: 1, toExpress: 0 },
    { name: 'two different Content-Lengths (Node refuses)', bytes: `POST /bitrix24/events HTTP/1.1\r\nHost: kam\r\nContent-Type: ${FORM}\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`, answers: 1, toExpress: 0 },
    { name: 'Transfer-Encoding with a Content-Length (Node refuses)', bytes: `POST /bitrix24/events HTTP/1.1\r\nHost: kam\r\nContent-Type: ${FORM}\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\na=1\r\n0\r\n\r\n`, answers: 1, toExpress: 0 },
    { name: 'a raw NUL in the path (Node refuses)', bytes: `POST /amocrm/webhooks/inst-1/go\0od HTTP/1.1\r\nHost: kam\r\nContent-Type: ${FORM}\r\nContent-Length: 3\r\n\r\na=1`, answers: 1, toExpress: 0 },
  ];

  it.each(onOneConnection)('$name: the same answers, in order, either way', async ({ bytes, answers, toExpress }) => {
    const before = expressSaw.intake.length;
    const expected = answersIn(await exchange(viaExpress, bytes));
    const actual = answersIn(await exchange(viaIntake, bytes));
    expect(actual).toHaveLength(answers);
    expect(actual).toEqual(expected);
    expect(expressSaw.intake.length - before).toBe(toExpress);
  });

  it("leaves a body that never completes to Node's requestTimeout, as under Express: 408, nothing recorded", async () => {
    // Node's defaults are minutes; here the same limits are made short so the test waits on the 408 itself.
    const timed = (handler: http.RequestListener) =>
      new Promise<http.Server>((resolve) => {
        const server = http.createServer({ requestTimeout: 300, headersTimeout: 200, connectionsCheckingInterval: 20 }, handler);
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    const servers = [
      await timed(createHttpApp({ logger, routers: routers('express') })),
      await timed(createHttpHandler({ logger, routers: routers('intake'), events: { app, routes: [bitrix24EventRoute(inbound)] } })),
    ];
    try {
      const before = recorded.length;
      const stalled = rawRequest({ path: '/bitrix24/events', body: b24('good') }).subarray(0, -10);
      for (const server of servers) {
        const [answer] = answersIn(await exchange(server.address() as net.AddressInfo, stalled));
        expect(answer?.status).toBe(408);
      }
      expect(recorded.length).toBe(before);
    } finally {
      for (const server of servers) server.close();
    }
  });

  it('records an event whose client left after its body and before the answer, and goes on serving', async () => {
    let release = () => undefined as void;
    gate = new Promise<void>((resolve) => (release = resolve));
    const asked = new Promise<void>((resolve) => verifying.push(resolve));
    const before = recorded.length;
    try {
      const socket = net.connect(viaIntake.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(rawRequest({ path: '/bitrix24/events', body: b24('good').replace('portal-1', 'portal-left') }));
      await asked;
      await new Promise<void>((resolve) => {
        socket.on('close', () => resolve());
        socket.destroy();
      });
    } finally {
      gate = null;
      release();
    }
    // Its marks are stored all the same: the CRM may not send it again.
    await until(() => recorded.length > before);
    expect(recorded.at(-1)).toBe('portal-left');
    expect((await send(viaIntake, { path: '/bitrix24/events', body: b24('good') })).status).toBe(200);
  });

  it('answers an error that carries a client fault (a 4xx status and a type) as Express does', async () => {
    recordFails = Object.assign(new Error('unreadable'), { status: 400, type: 'entity.parse.failed' });
    try {
      const sent = { path: '/bitrix24/events', body: b24('good') };
      const [expected, actual] = [await send(viaExpress, sent), await send(viaIntake, sent)];
      expect(actual).toEqual(expected);
      expect(actual).toMatchObject({ status: 400, body: { error: { code: 'INPUT_INVALID', message: 'Request body is not valid' } } });
    } finally {
      recordFails = null;
    }
  });

  it('answers 500 when even the error cannot be logged (a thrown value whose fields throw), and goes on serving', async () => {
    recordFails = {
      get message(): string {
        throw new Error('a field that throws when read');
      },
    };
    try {
      const sent = { path: '/bitrix24/events', body: b24('good') };
      // Express's last handler answers it in HTML; the intake in its JSON. Neither leaves it unanswered or ends the process.
      expect((await send(viaExpress, sent)).status).toBe(500);
      expect(await send(viaIntake, sent)).toMatchObject({ status: 500, body: { error: { code: 'INTERNAL', requestId: 'req-1' } } });
    } finally {
      recordFails = null;
    }
    expect((await send(viaIntake, { path: '/bitrix24/events', body: b24('good') })).status).toBe(200);
  });

  it('logs an effect that throws synchronously after the 200, and goes on serving', async () => {
    applyThrows = true;
    try {
      expect((await send(viaIntake, { path: '/bitrix24/events', body: b24('good') })).status).toBe(200);
      await until(() => lines.some((line) => line.message === 'Bitrix24 event processing failed'));
    } finally {
      applyThrows = false;
    }
    expect((await send(viaIntake, { path: '/bitrix24/events', body: b24('good') })).status).toBe(200);
  });

  it('writes no line that names an amoCRM webhook secret, debug lines included, on either path', async () => {
    const secret = 'good-Zq8xWebhookSecretMustNotLeak';
    const isAmoLine = (line: Record<string, unknown>) => line.message === 'http request' && JSON.stringify(line).includes('amocrm');
    const before = lines.filter(isAmoLine).length;
    const form = 'account%5Bid%5D=1';
    const sent: Sent[] = [
      { path: amo(secret), body: form },
      { path: amo(`${secret}x`), body: form },
      { path: amo(secret), body: `a${'[b]'.repeat(40)}=1` },
      { path: amo(secret), body: gzipSync(form), headers: { 'content-encoding': 'gzip' } },
      { path: `${amo(secret)}?x=1`, body: form },
      { path: `${amo(secret)}%E0%A4%A`, body: form },
      { path: `${amo(secret)}/more`, body: form },
    ];
    for (const one of sent) await send(viaIntake, one);
    recordFails = new Error(`storage refused ${amo(secret)}`);
    try {
      expect((await send(viaIntake, { path: amo(secret), body: form })).status).toBe(500);
    } finally {
      recordFails = null;
    }
    // Every answer's debug line is written: then whatever the requests logged is in.
    await until(() => lines.filter(isAmoLine).length >= before + sent.length + 1);
    expect(JSON.stringify(lines)).not.toContain('Zq8xWebhookSecret');
  });
});
