import type { Request, Response } from 'express';
import { Router } from 'express';
import type { PortalRuntime } from './portal-runtime';
import { ADMIN_USER_ID } from './portal-runtime';
import type { TokenPair } from './token-store';

/**
 * The OAuth server (oauth.bitrix.info on the real cloud). `/oauth/token/` takes GET query
 * (as the docs show) or POST form (as the SDK sends it: bitrix24/b24jssdk PR #239) with
 * grant_type refresh_token or authorization_code; errors are OAuth 2.0 style
 * (docs:settings/oauth/error-codes). `/oauth/authorize/` stands in for the portal's consent
 * step of the full flow and redirects with a 30-second code (docs:settings/oauth/index).
 */
export function tokenResponse(runtime: PortalRuntime, pair: TokenPair): Record<string, unknown> {
  const base = runtime.baseUrl();
  const { app } = runtime.state;
  return {
    access_token: pair.accessToken, expires: pair.expires, expires_in: pair.expiresIn, scope: app.scope,
    domain: new URL(base).host, server_endpoint: `${base}/rest/`, status: app.status, client_endpoint: `${base}/rest/`,
    member_id: app.memberId, user_id: pair.userId, refresh_token: pair.refreshToken,
  };
}

export function createOAuthRouter(runtime: PortalRuntime, appUrl: string | undefined): Router {
  const router = Router();
  const token = (req: Request, res: Response): void => {
    const params = { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown> | undefined) ?? {}) };
    const { app } = runtime.state;
    const error = (status: number, code: string, description: string): void => {
      runtime.stats.record('oauth.token', code);
      res.status(status).json({ error: code, error_description: description });
    };
    if (params.client_id !== app.clientId || params.client_secret !== app.clientSecret) {
      return error(401, 'invalid_client', 'Invalid client id or secret, or the application is not installed');
    }
    let pair: TokenPair | null;
    if (params.grant_type === 'refresh_token') pair = runtime.tokens.refresh(String(params.refresh_token ?? ''));
    else if (params.grant_type === 'authorization_code') pair = runtime.tokens.exchangeCode(String(params.code ?? ''));
    else return error(400, 'invalid_request', 'Unsupported or missing grant_type');
    if (!pair) return error(400, 'invalid_grant', 'Invalid grant: the token or code is expired, used or unknown');
    runtime.stats.record('oauth.token');
    res.json(tokenResponse(runtime, pair));
  };
  router.all(['/oauth/token', '/oauth/token/'], token);
  router.get(['/oauth/authorize', '/oauth/authorize/'], (req, res) => {
    const { app } = runtime.state;
    if (req.query.client_id !== app.clientId) {
      res.status(400).json({ error: 'invalid_client', error_description: 'Unknown client_id' });
      return;
    }
    const redirect = typeof req.query.redirect_uri === 'string' ? req.query.redirect_uri : appUrl;
    if (!redirect) {
      res.status(400).json({ error: 'invalid_request', error_description: 'No redirect_uri and no appUrl configured' });
      return;
    }
    const target = new URL(redirect);
    const host = new URL(runtime.baseUrl()).host;
    target.searchParams.set('code', runtime.tokens.issueCode(ADMIN_USER_ID));
    if (typeof req.query.state === 'string') target.searchParams.set('state', req.query.state);
    target.searchParams.set('domain', host);
    target.searchParams.set('member_id', app.memberId);
    target.searchParams.set('scope', app.scope);
    target.searchParams.set('server_domain', host);
    res.redirect(302, target.toString());
  });
  return router;
}
