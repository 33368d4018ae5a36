import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Router } from 'express';
import { createHttpApp } from '../../src/http/create-http-app';
import { formBody } from '../../src/http/form-body';
import { createLogger } from '../../src/logging/logger';

/**
 * Security 5 of issue 9: what a client gets wrong is a 4xx with a reason, never a 500, and a
 * client that leaves mid-request is not logged as an error.
 */
describe('HTTP edge: malformed requests', () => {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  let server: http.Server;
  let app: ReturnType<typeof createHttpApp>;
  let port = 0;

  beforeAll(async () => {
    const router = Router();
    // Tells the abort test that the body parser is about to read (its listeners are then attached).
    router.post('/form', (req, _res, next) => {
      req.app.emit('parsing', req);
      next();
    }, formBody, (req, res) => {
      res.json({ keys: Object.keys((req.body ?? {}) as object).length });
    });
    app = createHttpApp({ logger: createLogger({ level: 'debug', format: 'json', stream }), routers: [router] });
    server = http.createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (body: Buffer | string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: { error?: { code: string; message: string } } }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/form', method: 'POST', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as never }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const FORM = 'application/x-www-form-urlencoded';

  it('accepts a normal form', async () => {
    const answer = await post('a=1&b[c]=2', { 'Content-Type': FORM });
    expect(answer).toEqual({ status: 200, body: { keys: 2 } });
  });

  it.each([
    ['more than 2,000 parameters', Array.from({ length: 2001 }, (_, i) => `p${i}=1`).join('&'), { 'Content-Type': FORM }, 413, /too many parameters/i],
    ['nesting deeper than 32', `a${'[x]'.repeat(40)}=1`, { 'Content-Type': FORM }, 400, /nested too deeply/i],
    ['charset=utf-16', 'a=1', { 'Content-Type': `${FORM}; charset=utf-16` }, 415, /charset/i],
    ['charset=koi8-r', 'a=1', { 'Content-Type': `${FORM}; charset=koi8-r` }, 415, /charset/i],
    ['an unknown Content-Encoding', 'a=1', { 'Content-Type': FORM, 'Content-Encoding': 'zstd-x' }, 415, /Content-Encoding/],
    ['a body that is not the gzip it claims', 'not gzip at all', { 'Content-Type': FORM, 'Content-Encoding': 'gzip' }, 400, /encoding or compression/],
  ])('answers %s with a 4xx and a reason', async (_name, body, headers, status, reason) => {
    const answer = await post(body, headers);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(reason) });
  });

  it('still reads a real gzip body', async () => {
    const answer = await post(gzipSync('a=1&b=2'), { 'Content-Type': FORM, 'Content-Encoding': 'gzip' });
    expect(answer).toEqual({ status: 200, body: { keys: 2 } });
  });

  it('logs none of these as an error, nor a client that leaves mid-body', async () => {
    const req = http.request({ host: '127.0.0.1', port, path: '/form', method: 'POST', headers: { 'Content-Type': FORM, 'Content-Length': '5000' } });
    req.on('error', () => undefined);
    const parsing = once(app, 'parsing');
    req.write('a=1&b=');
    const [serverRequest] = (await parsing) as [http.IncomingMessage];
    // Not events.once: the request also emits 'error' (aborted), which once() would throw.
    const closed = new Promise((resolve) => serverRequest.once('close', resolve));
    req.destroy();
    await closed;
    // The parser reports the abort (if it does) in the same turn as the close; let that turn finish.
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(lines.filter((line) => line.level === 'warn' || line.level === 'error').map((line) => line.message)).not.toContain('unhandled error');
  });
});

describe('HTTP edge: the source address the per-source limits key on', () => {
  const sourceSeen = async (trustProxy: false | string | undefined) => {
    const router = Router();
    router.get('/ip', (req, res) => {
      res.json({ ip: req.ip });
    });
    const app = createHttpApp({ logger: createLogger({ level: 'error', format: 'json', stream: new PassThrough() }), routers: [router], ...(trustProxy === undefined ? {} : { trustProxy }) });
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/ip`, { headers: { 'X-Forwarded-For': '203.0.113.7' } });
      return ((await answer.json()) as { ip: string }).ip;
    } finally {
      server.closeAllConnections();
      server.close();
    }
  };

  it('believes X-Forwarded-For from the configured proxies only (KAM_TRUST_PROXY)', async () => {
    expect(await sourceSeen(undefined)).toBe('203.0.113.7');
    expect(await sourceSeen('10.0.0.0/8')).toMatch(/127\.0\.0\.1$/);
    expect(await sourceSeen(false)).toMatch(/127\.0\.0\.1$/);
    expect(await sourceSeen('127.0.0.1')).toBe('203.0.113.7');
  });
});
