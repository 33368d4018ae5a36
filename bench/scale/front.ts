import http from 'node:http';
import type { AddressInfo } from 'node:net';
import qs from 'qs';

/**
 * What stands in front of the app in the scale bench, on one loopback port:
 * - the reverse proxy production runs before its web processes (the app's public URL): it
 *   forwards every request to the web process, and a request under `/via/<n>/...` with
 *   `X-Forwarded-For: 10.x.y.z` of portal n, because on the real clouds each portal's installer
 *   frame comes from its own admin's browser; from one loopback address, the app's per-source
 *   install limit (10 a minute) would pace 100 installs to ten minutes;
 * - Bitrix24's one OAuth server for every portal (oauth.bitrix.info): `/oauth/token/` goes on to
 *   the sandbox portal that issued the refresh token. The front learns which one from the tokens
 *   it carries: REFRESH_ID and auth[refresh_token] of each portal's install requests, and every
 *   refresh_token its OAuth answers hand out.
 */
export interface Front {
  url: string;
  /** Where portal n's install requests go (the proxy, with that portal's own client address). */
  via(portal: number): string;
  /** Portal n's OAuth server (a Bitrix24 sandbox's base URL). */
  addOAuthPortal(portal: number, url: string): void;
  /** The web process everything else is forwarded to. */
  setTarget(url: string): void;
  close(): Promise<void>;
}

const VIA = /^\/via\/(\d+)(\/.*)$/;
const HOP_HEADERS = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'x-forwarded-for']);

/** 10.x.y.z for portal n (n < 2^24): a distinct, private address per portal. */
export const addressOf = (portal: number): string => `10.${(portal >> 16) & 255}.${(portal >> 8) & 255}.${(portal & 255) + 1}`;

export async function startFront(): Promise<Front> {
  let target = '';
  const oauthPortals = new Map<number, string>();
  /** Refresh token -> the portal (sandbox URL) that issued it. */
  const issuer = new Map<string, string>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  const learn = (body: Buffer, contentType: string | undefined, portalUrl: string | undefined): void => {
    if (!portalUrl || !contentType?.includes('application/x-www-form-urlencoded')) return;
    const form = qs.parse(body.toString('utf8')) as Record<string, unknown>;
    const auth = form.auth as Record<string, unknown> | undefined;
    for (const token of [form.REFRESH_ID, auth?.refresh_token]) if (typeof token === 'string' && token) issuer.set(token, portalUrl);
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, base: string, path: string, body: Buffer, headers: http.OutgoingHttpHeaders): Promise<Buffer> =>
    new Promise((resolve) => {
      const out = http.request(`${base}${path}`, { method: req.method, headers: { ...headers, 'content-length': body.length }, agent }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const payload = Buffer.concat(chunks);
          const copy: http.OutgoingHttpHeaders = {};
          for (const [key, value] of Object.entries(answer.headers)) if (!HOP_HEADERS.has(key) && value !== undefined) copy[key] = value;
          res.writeHead(answer.statusCode ?? 502, copy).end(payload);
          resolve(payload);
        });
      });
      out.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`front: ${error.message}`);
        resolve(Buffer.alloc(0));
      });
      out.end(body);
    });

  const oauth = async (req: http.IncomingMessage, res: http.ServerResponse, path: string, body: Buffer): Promise<void> => {
    const query = qs.parse(new URL(path, 'http://front').search.slice(1)) as Record<string, unknown>;
    const form = qs.parse(body.toString('utf8')) as Record<string, unknown>;
    const refresh = String(form.refresh_token ?? query.refresh_token ?? '');
    const portalUrl = issuer.get(refresh);
    if (!portalUrl) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid grant: the token is expired, used or unknown' }));
      return;
    }
    const answer = await forward(req, res, portalUrl, path, body, { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' });
    try {
      const pair = JSON.parse(answer.toString('utf8')) as { refresh_token?: unknown };
      if (typeof pair.refresh_token === 'string') issuer.set(pair.refresh_token, portalUrl);
    } catch {
      // Not JSON: an error page, nothing to learn.
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      if (/^\/oauth\/token\/?(\?|$)/.test(path)) {
        void oauth(req, res, path, body);
        return;
      }
      const headers: http.OutgoingHttpHeaders = {};
      for (const [key, value] of Object.entries(req.headers)) if (!HOP_HEADERS.has(key) && value !== undefined) headers[key] = value;
      const via = VIA.exec(path);
      if (via) {
        const portal = Number(via[1]);
        learn(body, req.headers['content-type'], oauthPortals.get(portal));
        headers['x-forwarded-for'] = addressOf(portal);
      }
      if (!target) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('front: no web process yet');
        return;
      }
      void forward(req, res, target, via ? (via[2] as string) : path, body, headers);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    via: (portal) => `${url}/via/${portal}`,
    addOAuthPortal: (portal, portalUrl) => oauthPortals.set(portal, portalUrl),
    setTarget: (webUrl) => {
      target = webUrl;
    },
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
