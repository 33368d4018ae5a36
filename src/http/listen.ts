import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListeningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * How long a client may take, and how many may be connected to one process at once. Node's
 * defaults let a client that trickles its request (slowloris) hold a socket for 5 min
 * (requestTimeout 300 s) and never bound the connections, so a few hundred trickling clients
 * would hold every socket a web process can serve. Each deadline counts from a request's first
 * byte (https://nodejs.org/docs/latest-v20.x/api/http.html#serverrequesttimeout); a client cut
 * off gets 408 and its connection is closed.
 */
export interface HttpLimits {
  /**
   * The request's headers complete within this. Both CRMs and browsers send them in one packet;
   * 20 s is slack for a phone on a bad network.
   */
  headersTimeoutMs: number;
  /**
   * The whole request, body included. The largest body anyone may send is an amoCRM webhook
   * batch of 512 KB (form-body.ts): 30 s asks only 17 KB/s of a CRM's server. A page or an XLSX
   * download is a GET with no body, and the time spent answering is not counted.
   */
  requestTimeoutMs: number;
  /**
   * Idle keep-alive connections are kept longer than a reverse proxy keeps its upstream ones
   * (nginx 60 s, most load balancers 60 s): closed by us first, a proxy's reused connection
   * fails, and every burst after a quiet spell would open its connections anew (Node's default
   * is 5 s). An idle connection is not waiting on headers, so the headers deadline may be shorter
   * (since Node 18 it counts from a request's first byte, not from the previous answer).
   */
  keepAliveTimeoutMs: number;
  /**
   * A connection with nothing read or written this long is closed: a client that stops reading
   * its answer (an XLSX download it never takes) would otherwise hold the socket for good. Far
   * above what any answer takes to start (a report is built in seconds).
   */
  idleTimeoutMs: number;
  /**
   * Connections held at once by this process; the next one is closed at once. Far above a
   * proxy's pool or the event bench's 256 keep-alive connections, and it bounds the memory a
   * flood of connections can take (each holds buffers and a parser).
   */
  maxConnections: number;
  /** How often Node looks for requests past their deadline (its default is 30 s, a cut-off that late). */
  checkIntervalMs: number;
}

export const HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  idleTimeoutMs: 120_000,
  maxConnections: 4_096,
  checkIntervalMs: 1_000,
});

/** Starts listening and resolves once bound; close() stops accepting and ends idle keep-alive sockets. */
export function listen(handler: RequestListener, options: { host: string; port: number; limits?: Partial<HttpLimits> }): Promise<ListeningServer> {
  const limits = { ...HTTP_LIMITS, ...options.limits };
  return new Promise((resolve, reject) => {
    // Given to createServer, so Node checks them (a headers deadline past the request's is refused).
    const server = createServer(
      { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: limits.checkIntervalMs },
      handler,
    );
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.timeout = limits.idleTimeoutMs;
    server.maxConnections = limits.maxConnections;
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
