import type { AxiosInstance } from 'axios';
import { KamError } from '../../core/errors';
import type { OAuthTokens } from '../../core/ports/installation-store.port';
import { amoError, amoNetworkError, amoOAuthError } from './amocrm-errors';

/**
 * amoCRM OAuth 2.0 (https://developers.kommo.com/reference/get-token): the code exchange and
 * the refresh both POST JSON to `https://{account host}/oauth2/access_token` with our
 * redirect_uri, which must equal the integration's character for character (issue #169).
 * Access tokens live 24 h; a refresh token works once (issue #475), so refreshes go through
 * the shared token manager. The account host comes from the install redirect's `referer`,
 * accepted only when it matches the configured allow-list (amocrm.ru / kommo.com subdomains).
 */
export interface AmoCredentials {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface AmoAccountInfo {
  id: string;
  subdomain: string;
  currency: string;
  currentUserId: string | null;
  timezone: string | null;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i;

/**
 * The account's API base URL, built by us from the host amo sent, if that host may install.
 * https always, except plain http on loopback (the sandbox).
 */
export function accountBaseUrl(referer: string, allowedHosts: RegExp): string | null {
  const host = referer.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (!/^[a-z0-9.[\]:-]+$/.test(host) || !allowedHosts.test(host)) return null;
  return `${LOOPBACK.test(host) ? 'http' : 'https'}://${host}`;
}

export function tokensFromAmo(body: unknown, nowMs: number): OAuthTokens {
  const record = (body ?? {}) as Record<string, unknown>;
  const access = record.access_token;
  const refresh = record.refresh_token;
  if (typeof access !== 'string' || typeof refresh !== 'string') throw new KamError('CRM_REJECTED', 'amoCRM OAuth answer has no token pair');
  const expiresIn = Number(record.expires_in ?? 86_400);
  return { accessToken: access, refreshToken: refresh, expiresAt: new Date(nowMs + (Number.isFinite(expiresIn) ? expiresIn : 86_400) * 1000).toISOString(), scope: null };
}

export interface AmoOAuth {
  exchangeCode(baseUrl: string, code: string): Promise<OAuthTokens>;
  refresh(baseUrl: string, refreshToken: string): Promise<OAuthTokens>;
  /** GET /api/v4/account right after the exchange: the stable account id (the subdomain may change). */
  account(baseUrl: string, accessToken: string): Promise<AmoAccountInfo>;
}

export function createAmoOAuth(deps: {
  http: AxiosInstance;
  credentials: AmoCredentials;
  now?: () => number;
  /** Waits for the account's API rate limiter (the account call counts against the same 7 a second). */
  beforeApiCall?: (baseUrl: string) => Promise<void>;
  afterApiCall?: (baseUrl: string) => void;
}): AmoOAuth {
  const now = deps.now ?? Date.now;
  const { credentials } = deps;

  const grant = async (baseUrl: string, body: Record<string, string>, kind: 'authorization_code' | 'refresh_token'): Promise<OAuthTokens> => {
    let response;
    try {
      response = await deps.http.post(`${baseUrl}/oauth2/access_token`, {
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
        grant_type: kind,
        redirect_uri: credentials.redirectUri,
        ...body,
      }, { validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });
    } catch (error) {
      throw amoNetworkError(error, 'oauth2/access_token');
    }
    if (response.status >= 300) throw amoOAuthError(response.status, response.data, kind);
    return tokensFromAmo(response.data, now());
  };

  return {
    exchangeCode: (baseUrl, code) => grant(baseUrl, { code }, 'authorization_code'),
    refresh: (baseUrl, refreshToken) => grant(baseUrl, { refresh_token: refreshToken }, 'refresh_token'),
    async account(baseUrl, accessToken) {
      await deps.beforeApiCall?.(baseUrl);
      let response;
      try {
        response = await deps.http.get(`${baseUrl}/api/v4/account`, {
          params: { with: 'datetime_settings' },
          headers: { Authorization: `Bearer ${accessToken}`, 'X-Client-UUID': credentials.clientId },
          validateStatus: () => true,
        });
      } catch (error) {
        throw amoNetworkError(error, 'GET /api/v4/account');
      } finally {
        deps.afterApiCall?.(baseUrl);
      }
      if (response.status >= 300) throw amoError(response.status, response.data, 'GET /api/v4/account');
      return accountInfo(response.data);
    },
  };
}

export function accountInfo(body: unknown): AmoAccountInfo {
  const record = (body ?? {}) as Record<string, unknown>;
  if (record.id === undefined || record.id === null) throw new KamError('CRM_REJECTED', 'amoCRM account answer has no id');
  const settings = ((record._embedded as Record<string, unknown> | undefined)?.datetime_settings ?? {}) as Record<string, unknown>;
  return {
    id: String(record.id),
    subdomain: typeof record.subdomain === 'string' ? record.subdomain : '',
    currency: typeof record.currency === 'string' && record.currency !== '' ? record.currency : 'RUB',
    currentUserId: record.current_user_id === undefined || record.current_user_id === null ? null : String(record.current_user_id),
    timezone: typeof settings.timezone === 'string' ? settings.timezone : null,
  };
}
