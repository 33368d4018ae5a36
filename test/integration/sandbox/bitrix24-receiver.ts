import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tiny app stand-in on 127.0.0.1 that records every POST it gets (raw body, path, query). */
export interface Received {
  path: string;
  query: URLSearchParams;
  contentType: string;
  body: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** What the installer page answers; default calls BX24.installFinish(). */
  installerPage: string;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const receiver = { received, installerPage: '<script src="//api.bitrix24.com/api/v1/"></script><script>BX24.init(() => BX24.installFinish());</script>' } as Receiver;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      received.push({ path: url.pathname, query: url.searchParams, contentType: req.headers['content-type'] ?? '', body });
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(url.pathname === '/install' ? receiver.installerPage : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return receiver;
}
