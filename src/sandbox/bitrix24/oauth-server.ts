import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

/**
 * One OAuth server for several sandbox portals, as oauth.bitrix.info is one server for every
 * portal of the cloud: an app refreshes any portal's token there with its one client id and
 * secret, and the answer names the portal the token belongs to (member_id, client_endpoint;
 * https://apidocs.bitrix24.com/settings/oauth/index.html). Each sandbox keeps its own grants,
 * so a token request goes to each portal's /oauth/token/ in turn; a portal that does not know
 * the grant answers invalid_grant and the next one is asked. The first other answer is the answer.
 */
export interface RunningBitrix24OAuthServer {
  url: string;
  close(): Promise<void>;
}

export async function startBitrix24OAuthServer(portals: ReadonlyArray<{ url: string }>): Promise<RunningBitrix24OAuthServer> {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  app.all(['/oauth/token', '/oauth/token/'], async (req, res) => {
    const params = new URLSearchParams();
    for (const source of [req.query, (req.body ?? {}) as Record<string, unknown>]) {
      for (const [key, value] of Object.entries(source)) if (typeof value === 'string') params.set(key, value);
    }
    let last: { status: number; body: unknown } = { status: 400, body: { error: 'invalid_grant', error_description: 'Unknown grant' } };
    for (const portal of portals) {
      const answer = await fetch(`${portal.url}/oauth/token/`, { method: 'POST', body: params });
      last = { status: answer.status, body: await answer.json() };
      if ((last.body as { error?: unknown }).error !== 'invalid_grant') break;
    }
    res.status(last.status).json(last.body);
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
