import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListeningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

const KEEP_ALIVE_MS = 65_000;

/** Starts listening and resolves once bound; close() stops accepting and ends idle keep-alive sockets. */
export function listen(handler: RequestListener, options: { host: string; port: number }): Promise<ListeningServer> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    // Idle keep-alive connections are kept longer than a reverse proxy keeps its upstream ones
    // (nginx 60 s, most load balancers 60 s): closed by us first, a proxy's reused connection
    // fails, and every burst after a quiet spell would open its connections anew (Node's default
    // is 5 s). The headers timeout stays above it, as Node requires.
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.headersTimeout = KEEP_ALIVE_MS + 1_000;
    server.listen(options.port, options.host);
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
        port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
