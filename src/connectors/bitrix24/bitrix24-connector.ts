import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { KamError } from '../../core/errors';
import type { Installation, OAuthTokens } from '../../core/ports/installation-store.port';
import type { Storage } from '../../core/ports/storage.port';
import type { Logger } from '../../logging/logger';
import { createLeakyBucketLimiter, type RateLimiter } from '../shared/rate-limiter';
import { createRequestMeter, type RequestMeter } from '../shared/request-meter';
import { createTokenManager } from '../shared/token-manager';
import { createBitrix24Client, type Bitrix24Client } from './bitrix24-client';
import { bitrix24Error } from './bitrix24-errors';
import { createPortalAddress } from './portal-address';
import { identityFromAnswer, type PortalIdentity } from './portal-identity';

/**
 * Owns one REST client per installation in this process, so each portal has one limiter,
 * one token manager and one request meter. The OAuth server URL comes from config, never from
 * a request (https://apidocs.bitrix24.com/settings/oauth/auto-renewal.html).
 */
export interface Bitrix24Settings {
  clientId: string;
  clientSecret: string;
  /** e.g. https://oauth.bitrix.info/ */
  oauthUrl: string;
  ratePerSecond: number;
  burst: number;
  /** Timeout of one HTTP request, ms. */
  timeoutMs?: number;
  /** Hosts a portal may move to (config BITRIX24_PORTAL_HOSTS). */
  portalHosts?: RegExp;
}

export interface PortalHandle {
  client: Bitrix24Client;
  meter: RequestMeter;
  limiter: RateLimiter;
}

export interface Bitrix24Connector {
  portal(installation: Installation): PortalHandle;
  /** Exchanges a refresh token at the configured OAuth server. */
  exchangeRefreshToken(refreshToken: string): Promise<OAuthTokens>;
  /**
   * Who a refresh token belongs to, as Bitrix24 itself says: the OAuth server's answer names the
   * portal's member_id and its client_endpoint (portal-identity.ts). Spends the refresh token:
   * use the returned pair from then on.
   */
  identify(refreshToken: string): Promise<PortalIdentity>;
  /** Calls one method with a token someone handed us (frame auth), at an endpoint we chose. */
  callWithToken<T>(endpoint: string, method: string, token: string, limiter?: RateLimiter, meter?: RequestMeter): Promise<T>;
  forget(installationId: string): void;
}

export function tokensFromOAuth(body: Record<string, unknown>, nowMs: number): OAuthTokens {
  const access = body.access_token;
  const refresh = body.refresh_token;
  if (typeof access !== 'string' || typeof refresh !== 'string') throw new KamError('CRM_REJECTED', 'Bitrix24 OAuth answer has no token pair');
  const expires = Number(body.expires);
  const expiresIn = Number(body.expires_in ?? 3600);
  const expiresAtMs = Number.isFinite(expires) && expires > 0 ? expires * 1000 : nowMs + expiresIn * 1000;
  return { accessToken: access, refreshToken: refresh, expiresAt: new Date(expiresAtMs).toISOString(), scope: typeof body.scope === 'string' ? body.scope : null };
}

export function createBitrix24Connector(deps: { settings: Bitrix24Settings; storage: Storage; logger: Logger; http?: AxiosInstance; portalHosts?: RegExp }): Bitrix24Connector {
  const portalHosts = deps.portalHosts ?? deps.settings.portalHosts;
  const httpClient =
    deps.http ??
    axios.create({
      timeout: deps.settings.timeoutMs ?? 30_000,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 8 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 8 }),
    });
  const portals = new Map<string, PortalHandle>();
  // Meters outlive a client that is rebuilt (new endpoint, reinstall), so counts stay whole.
  const meters = new Map<string, RequestMeter>();
  const oauthUrl = deps.settings.oauthUrl.endsWith('/') ? deps.settings.oauthUrl : `${deps.settings.oauthUrl}/`;

  /** The refresh answer, whole: it also names the portal's current address. */
  const exchangeForAnswer = async (refreshToken: string): Promise<{ tokens: OAuthTokens; answer: Record<string, unknown> }> => {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: deps.settings.clientId,
      client_secret: deps.settings.clientSecret,
      refresh_token: refreshToken,
    });
    let response;
    try {
      response = await httpClient.post(`${oauthUrl}oauth/token/`, form.toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        validateStatus: () => true,
      });
    } catch (error) {
      throw new KamError('NETWORK', `Bitrix24 OAuth server unreachable: ${(error as { code?: string }).code ?? 'error'}`, { cause: error });
    }
    const body = (response.data ?? {}) as Record<string, unknown>;
    if (response.status >= 400 || body.error) throw bitrix24Error(response.status, body, 'oauth/token');
    return { tokens: tokensFromOAuth(body, Date.now()), answer: body };
  };
  const exchangeRefreshToken = async (refreshToken: string) => (await exchangeForAnswer(refreshToken)).tokens;

  return {
    portal(installation) {
      const existing = portals.get(installation.id);
      if (existing) return existing;
      if (!installation.clientEndpoint) throw new KamError('INPUT_INVALID', `Installation ${installation.id} has no REST endpoint`);
      const meter = meters.get(installation.id) ?? createRequestMeter();
      meters.set(installation.id, meter);
      const limiter = createLeakyBucketLimiter({ ratePerSecond: deps.settings.ratePerSecond, burst: deps.settings.burst });
      const logger = deps.logger.child({ installationId: installation.id, crm: 'bitrix24' });
      const address = createPortalAddress({ installation, installations: deps.storage.installations, logger, ...(portalHosts ? { portalHosts } : {}) });
      const exchange = async (refreshToken: string) => {
        const { tokens: fresh, answer } = await exchangeForAnswer(refreshToken);
        await address.follow(answer);
        return fresh;
      };
      const tokens = createTokenManager({ installationId: installation.id, installations: deps.storage.installations, exchange, logger });
      const client = createBitrix24Client({ clientEndpoint: () => address.endpoint(), http: httpClient, tokens, limiter, meter, logger });
      const handle = { client, meter, limiter };
      portals.set(installation.id, handle);
      return handle;
    },
    exchangeRefreshToken,
    async identify(refreshToken) {
      const { tokens, answer } = await exchangeForAnswer(refreshToken);
      return identityFromAnswer(tokens, answer, portalHosts);
    },
    async callWithToken<T>(endpoint: string, method: string, token: string, limiter?: RateLimiter, meter?: RequestMeter) {
      await limiter?.acquire();
      await meter?.record(method);
      const base = endpoint.endsWith('/') ? endpoint : `${endpoint}/`;
      let response;
      try {
        response = await httpClient.post(`${base}${method}.json`, { auth: token }, { validateStatus: () => true });
      } catch (error) {
        throw new KamError('NETWORK', `Bitrix24 ${method}: ${(error as { code?: string }).code ?? 'error'}`, { cause: error });
      }
      const body = (response.data ?? {}) as Record<string, unknown>;
      if (response.status >= 400 || body.error) throw bitrix24Error(response.status, body, method);
      return body.result as T;
    },
    forget(installationId) {
      portals.delete(installationId);
    },
  };
}
