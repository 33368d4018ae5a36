import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRawClient, rawRequest } from '../../../bench/scale/raw-http';

/** The load generator's HTTP client: what it sends is a valid request, and it reads each kind of answer a server gives. */
describe('bench raw HTTP client', () => {
  const seen: Array<{ method?: string; url?: string; type?: string; body: string; socket: unknown }> = [];
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8'), socket: req.socket });
        if (req.url === '/chunked') {
          res.writeHead(202, { 'content-type': 'text/plain' });
          res.write('part one, ');
          setImmediate(() => res.end('part two'));
        } else if (req.url === '/close') {
          res.socket?.destroy();
        } else {
          res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, echo: 'x'.repeat(20_000) }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the request as built, reads Content-Length and chunked answers, and keeps the connection for the next request', async () => {
    const client = createRawClient({ host: '127.0.0.1', port, maxConnections: 1 });
    const url = (path: string) => new URL(`http://127.0.0.1:${port}${path}`);
    try {
      const first = await client.send(rawRequest(url('/events?x=1'), 'application/x-www-form-urlencoded', 'a=1&b=%D1%8F'));
      const second = await client.send(rawRequest(url('/chunked'), 'text/plain', 'hello'));
      const third = await client.send(rawRequest(url('/missing'), 'text/plain', ''));
      expect([first, second, third]).toEqual([200, 202, 404]);
      expect(seen.slice(-3).map(({ method, url: path, type, body }) => ({ method, path, type, body }))).toEqual([
        { method: 'POST', path: '/events?x=1', type: 'application/x-www-form-urlencoded', body: 'a=1&b=%D1%8F' },
        { method: 'POST', path: '/chunked', type: 'text/plain', body: 'hello' },
        { method: 'POST', path: '/missing', type: 'text/plain', body: '' },
      ]);
      // One connection, reused: every request came on the same socket.
      expect(new Set(seen.slice(-3).map((entry) => entry.socket)).size).toBe(1);
    } finally {
      client.close();
    }
  });

  it('queues past its connection limit and answers 0 for a connection the server closed, then goes on', async () => {
    const client = createRawClient({ host: '127.0.0.1', port, maxConnections: 2 });
    const url = new URL(`http://127.0.0.1:${port}/ok`);
    try {
      const statuses = await Promise.all(Array.from({ length: 10 }, () => client.send(rawRequest(url, 'text/plain', 'x'))));
      expect(statuses).toEqual(Array(10).fill(200));
      expect(new Set(seen.slice(-10).map((entry) => entry.socket)).size).toBeLessThanOrEqual(2);
      expect(await client.send(rawRequest(new URL(`http://127.0.0.1:${port}/close`), 'text/plain', 'x'))).toBe(0);
      expect(await client.send(rawRequest(url, 'text/plain', 'x'))).toBe(200);
    } finally {
      client.close();
    }
  });

  it('opens its connections ahead when warmed, and sends on them', async () => {
    const client = createRawClient({ host: '127.0.0.1', port, maxConnections: 3 });
    const url = new URL(`http://127.0.0.1:${port}/ok`);
    const connected = new Set<unknown>();
    let threeConnected!: () => void;
    const three = new Promise<void>((resolve) => (threeConnected = resolve));
    const counting = (socket: unknown) => {
      connected.add(socket);
      if (connected.size === 3) threeConnected();
    };
    server.on('connection', counting);
    try {
      await client.warm(10);
      // Before any request: the server has taken three connections (the limit), and no more.
      await three;
      const statuses = await Promise.all(Array.from({ length: 9 }, () => client.send(rawRequest(url, 'text/plain', 'x'))));
      expect(statuses).toEqual(Array(9).fill(200));
      expect(connected.size).toBe(3);
      expect(new Set(seen.slice(-9).map((entry) => entry.socket)).size).toBe(3);
    } finally {
      server.off('connection', counting);
      client.close();
    }
  });

  it('answers 0 when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const unused = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = createRawClient({ host: '127.0.0.1', port: unused, maxConnections: 1 });
    expect(await client.send(rawRequest(new URL(`http://127.0.0.1:${unused}/`), 'text/plain', ''))).toBe(0);
    client.close();
  });
});
