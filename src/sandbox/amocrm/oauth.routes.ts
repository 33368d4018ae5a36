import { Router } from 'express';
import { sendOAuthProblem, sendProblem } from './problem';
import type { AmoSandboxContext } from './sandbox-context';

/**
 * POST /oauth2/access_token with a JSON body, for both grants (reference §1.1,
 * https://developers.kommo.com/reference/get-token), and the subdomain lookup the official
 * library falls back to when a refresh fails: GET /oauth2/account/current/subdomain with
 * X-Refresh-Token (AmoCRMOAuth::getAccountDomainByRefreshToken).
 */
export function createOAuthRouter(ctx: AmoSandboxContext): Router {
  const router = Router();

  router.post('/access_token', async (req, res) => {
    const body: unknown = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return sendOAuthProblem(res, 400, 'В запросе отсутствует ряд параметров или параметры невалидны', 'Check the request body');
    }
    const result = await ctx.oauth.exchange(body as Record<string, unknown>);
    if (!result.ok) {
      const hint = typeof result.error.details['hint'] === 'string' ? result.error.details['hint'] : '';
      return sendOAuthProblem(res, result.error.status, result.error.message, hint);
    }
    res.status(200).json(result.value);
  });

  router.get('/account/current/subdomain', (req, res) => {
    if (!req.get('x-refresh-token')) return sendProblem(res, 401, 'Unauthorized');
    const { account } = ctx.store;
    res.json({ id: account.id, subdomain: account.subdomain, domain: new URL(ctx.baseUrl()).host, top_level_domain: 'ru' });
  });

  return router;
}
