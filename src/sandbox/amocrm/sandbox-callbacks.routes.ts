import { createHmac, randomUUID } from 'node:crypto';
import { Router } from 'express';
import { SignJWT } from 'jose';
import { sendProblem } from './problem';
import type { AmoSandboxContext } from './sandbox-context';
import { nowSeconds } from './sandbox-context';

/**
 * What amo itself would send to the app, on demand:
 * - POST /_sandbox/widget-token: the disposable JWT `$authorizedAjax` puts in X-Auth-Token
 *   (HS256 with the client_secret; iss = account URL, aud = redirect_uri origin, 30 min;
 *   reference §1.4, DisposableTokenModel::fromJwtToken).
 * - POST /_sandbox/disconnect: the "integration disconnected" GET with account_id,
 *   client_uuid and signature = hex HMAC-SHA256(client_secret, "{client_id}|{account_id}"),
 *   then every token is revoked (reference §1.5).
 * - POST /_sandbox/install: a fresh authorization code sent as the GET "webhook" to the
 *   redirect URI with code, referer, client_id, from_widget, state; 3 s, answer ignored,
 *   never resent (reference §1.3).
 */
const DISPOSABLE_TOKEN_TTL_SECONDS = 30 * 60;

async function fireGet(url: URL, timeoutMs: number): Promise<{ status: number | null; error?: string }> {
  try {
    const response = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status };
  } catch (error) {
    return { status: null, error: (error as Error).name };
  }
}

function parseUrl(value: unknown): URL | null {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

export function createSandboxCallbacksRouter(ctx: AmoSandboxContext): Router {
  const router = Router();
  const { integration } = ctx.oauth;

  router.post('/widget-token', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const userId = body['userId'] === undefined ? ctx.store.account.currentUserId : Number(body['userId']);
    if (!ctx.store.userExists(userId)) return sendProblem(res, 400, `user ${String(body['userId'])} does not exist`);
    const isAdmin = body['isAdmin'] === undefined ? ctx.store.users.find((user) => user.id === userId)?.isAdmin === true : body['isAdmin'] === true;
    const now = nowSeconds(ctx);
    const claims = {
      account_id: ctx.store.account.id, subdomain: ctx.store.account.subdomain, client_uuid: integration.clientId,
      user_id: userId, is_admin: isAdmin,
    };
    const audience = new URL(integration.redirectUri).origin;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ctx.baseUrl()).setAudience(audience).setJti(randomUUID())
      .setIssuedAt(now).setNotBefore(now).setExpirationTime(now + DISPOSABLE_TOKEN_TTL_SECONDS)
      .sign(new TextEncoder().encode(integration.clientSecret));
    res.json({ token, header: 'X-Auth-Token', claims: { ...claims, iss: ctx.baseUrl(), aud: audience, iat: now, nbf: now, exp: now + DISPOSABLE_TOKEN_TTL_SECONDS } });
  });

  router.post('/disconnect', async (req, res) => {
    const hookUrl = parseUrl(((req.body ?? {}) as Record<string, unknown>)['hookUrl']);
    if (!hookUrl) return sendProblem(res, 400, 'hookUrl must be an http(s) URL');
    const accountId = String(ctx.store.account.id);
    const signature = createHmac('sha256', integration.clientSecret).update(`${integration.clientId}|${accountId}`).digest('hex');
    hookUrl.searchParams.set('account_id', accountId);
    hookUrl.searchParams.set('client_uuid', integration.clientId);
    hookUrl.searchParams.set('signature', signature);
    ctx.oauth.revokeAll();
    const outcome = await fireGet(hookUrl, ctx.settings.disconnectTimeoutMs);
    res.json({ sent: { method: 'GET', url: hookUrl.toString() }, revoked: true, ...outcome });
  });

  router.post('/install', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body['redirectUri'] !== undefined) {
      if (!parseUrl(body['redirectUri'])) return sendProblem(res, 400, 'redirectUri must be an http(s) URL');
      // The developer points the integration at the app: the code exchange must use this URI.
      ctx.oauth.setRedirectUri(String(body['redirectUri']));
    }
    const code = ctx.oauth.issueCode();
    const target = new URL(integration.redirectUri);
    const query: Record<string, string> = { code, referer: new URL(ctx.baseUrl()).host, client_id: integration.clientId, from_widget: '1' };
    if (typeof body['state'] === 'string') query['state'] = body['state'];
    for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value);
    const outcome = await fireGet(target, ctx.settings.installTimeoutMs);
    res.json({ sent: { method: 'GET', url: target.toString(), query }, code, ...outcome });
  });

  return router;
}
