import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Result } from '../../core/errors';
import { KamError, fail, ok } from '../../core/errors';

/**
 * The integration's OAuth 2.0 server (shared/reference/amocrm-api.md §1): codes live 20 min
 * and are single use, access tokens 24 h by default, refresh tokens 3 months and single use
 * (a spent one answers 401 "Token has been revoked", issues #123/#269/#475).
 */
export interface Integration {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface TokenPair {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  refresh_token: string;
  server_time: number;
}

export type AccessCheck = 'ok' | 'expired' | 'unknown';

export interface OAuthService {
  integration: Integration;
  issuePair(): Promise<TokenPair>;
  issueCode(): string;
  exchange(body: Record<string, unknown>): Promise<Result<TokenPair>>;
  check(accessToken: string): AccessCheck;
  /** Fault "expire": this access token stops working now (as if it expired early). */
  expireEarly(accessToken: string): void;
  /** Disconnect: every access and refresh token of the integration dies. */
  revokeAll(): void;
  setRedirectUri(uri: string): void;
}

const CODE_TTL_MS = 20 * 60 * 1000;
const REFRESH_TTL_MS = 90 * 24 * 3600 * 1000;
const BAD_REQUEST_DETAIL = 'В запросе отсутствует ряд параметров или параметры невалидны';

/** The KamError an OAuth failure becomes; oauth.routes.ts turns it into amo's OAuth problem body. */
export function oauthError(status: number, hint: string, detail = BAD_REQUEST_DETAIL): KamError {
  return new KamError(status === 401 ? 'UNAUTHORIZED' : 'INPUT_INVALID', detail, { status, details: { hint } });
}

export function createOAuthService(deps: {
  integration: Integration;
  accountId: number;
  userId: number;
  baseUrl: () => string;
  accessTtlSeconds: number;
  now: () => number;
}): OAuthService {
  const integration = { ...deps.integration };
  const signingKey = randomBytes(32);
  const access = new Map<string, { expiresAt: number; revoked: boolean }>();
  const refresh = new Map<string, { expiresAt: number; spent: boolean }>();
  const codes = new Map<string, { expiresAt: number; used: boolean }>();

  async function issuePair(): Promise<TokenPair> {
    const nowSec = Math.floor(deps.now() / 1000);
    const host = new URL(deps.baseUrl()).host;
    // Real access tokens are JWTs with these claims (issue #475; api_domain since 21.08.2024).
    const accessToken = await new SignJWT({
      account_id: deps.accountId, base_domain: 'amocrm.ru', api_domain: host, version: 2,
      scopes: ['crm', 'notifications'], hash_uuid: randomUUID(),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setAudience(integration.clientId).setJti(randomUUID()).setSubject(String(deps.userId))
      .setIssuedAt(nowSec).setNotBefore(nowSec).setExpirationTime(nowSec + deps.accessTtlSeconds)
      .sign(signingKey);
    const refreshToken = `def50200${randomBytes(48).toString('hex')}`;
    access.set(accessToken, { expiresAt: deps.now() + deps.accessTtlSeconds * 1000, revoked: false });
    refresh.set(refreshToken, { expiresAt: deps.now() + REFRESH_TTL_MS, spent: false });
    return {
      token_type: 'Bearer', expires_in: deps.accessTtlSeconds, access_token: accessToken,
      refresh_token: refreshToken, server_time: nowSec,
    };
  }

  function checkClient(body: Record<string, unknown>): KamError | null {
    if (body['client_id'] !== integration.clientId || body['client_secret'] !== integration.clientSecret) {
      return oauthError(401, 'Client authentication failed', 'Client authentication failed');
    }
    // The redirect URI must equal the integration's, character for character (issue #114, #169).
    if (body['redirect_uri'] !== integration.redirectUri) return oauthError(400, 'Invalid redirect URI');
    return null;
  }

  return {
    integration,
    issuePair,
    issueCode() {
      const code = `def50200${randomBytes(40).toString('hex')}`;
      codes.set(code, { expiresAt: deps.now() + CODE_TTL_MS, used: false });
      return code;
    },
    async exchange(body) {
      const grant = body['grant_type'];
      if (grant !== 'authorization_code' && grant !== 'refresh_token') {
        return fail(oauthError(400, 'Check the `grant_type` parameter', 'The authorization grant type is not supported by the authorization server.'));
      }
      const clientProblem = checkClient(body);
      if (clientProblem) return fail(clientProblem);
      if (grant === 'authorization_code') {
        const code = typeof body['code'] === 'string' ? body['code'] : '';
        const entry = codes.get(code);
        if (!entry) return fail(oauthError(400, 'Cannot decrypt the authorization code'));
        if (entry.used) return fail(oauthError(400, 'Authorization code has been revoked'));
        if (entry.expiresAt <= deps.now()) return fail(oauthError(400, 'Authorization code has expired'));
        entry.used = true;
        return ok(await issuePair());
      }
      const token = typeof body['refresh_token'] === 'string' ? body['refresh_token'] : '';
      const entry = refresh.get(token);
      if (!entry) return fail(oauthError(401, 'Cannot decrypt the refresh token', 'The refresh token is invalid.'));
      if (entry.spent) return fail(oauthError(401, 'Token has been revoked', 'The refresh token is invalid.'));
      if (entry.expiresAt <= deps.now()) return fail(oauthError(401, 'Token has expired', 'The refresh token is invalid.'));
      entry.spent = true;
      return ok(await issuePair());
    },
    check(accessToken) {
      const entry = access.get(accessToken);
      if (!entry || entry.revoked) return 'unknown';
      return entry.expiresAt > deps.now() ? 'ok' : 'expired';
    },
    expireEarly(accessToken) {
      const entry = access.get(accessToken);
      if (entry) entry.expiresAt = Math.min(entry.expiresAt, deps.now());
    },
    revokeAll() {
      for (const entry of access.values()) entry.revoked = true;
      for (const entry of refresh.values()) entry.spent = true;
      for (const entry of codes.values()) entry.used = true;
    },
    setRedirectUri(uri) {
      integration.redirectUri = uri;
    },
  };
}
