import { Router, type Request, type Response } from 'express';
import { KamError, isKamError } from '../core/errors';
import { i18n, type Lang } from '../core/i18n/messages';
import type { CrmInbound, InstallRequest, WidgetRequest } from '../core/ports/crm-connector.port';
import type { CrmApp } from '../app/crm-app';
import { acceptInbound, refuseAsJson, verifiedOf, verifyInbound } from './verify-inbound';
import type { PageTokens } from './page-tokens';
import type { AccountPageView } from './account-page-view';
import { browserLang } from './pages.routes';
import { installRefusal, renderNoticePage } from '../ui/notice.page';
import { AMOCRM_FORM, formParser } from './form-body';
import { paramPath, type EventRoute } from './event-intake';

/**
 * amoCRM's inbound edge, kept thin: the connector's inbound adapter verifies every request in
 * middleware before a handler runs; handlers call app use cases.
 * - GET /amocrm/connect: our install button, to amo's grant window with a signed `state`.
 * - GET /amocrm/oauth: the Redirect URI (install). amo waits 3 s and ignores the answer for a
 *   widget install (https://developers.kommo.com/docs/authorization-public); a person who used our
 *   button sees a short page.
 * - POST /amocrm/webhooks/:installationId/:secret: 200 at once (amo waits 2 s and disables a hook
 *   after 100 failures), the work after the reply.
 * - GET /amocrm/disconnect: the signed disconnect hook.
 * - /amocrm/widget/*: the widget's `$authorizedAjax` calls, CORS for amo account origins only
 *   (preflight answered; the token is checked on the real request).
 */
const form = formParser(AMOCRM_FORM);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const WEBHOOK_PATTERN = '/amocrm/webhooks/:installationId/:secret';

/** amoCRM's webhooks as the event intake takes them (the same pattern, bounds and verification as the route below). */
export const amocrmWebhookRoute = (inbound: CrmInbound): EventRoute => ({
  pattern: WEBHOOK_PATTERN,
  match: paramPath('/amocrm/webhooks', ['installationId', 'secret']),
  limits: AMOCRM_FORM,
  verify: (request) => inbound.verifyEvent(request),
  what: 'amoCRM webhook',
});

export interface AmoRoutesDeps {
  app: CrmApp;
  /** The card panel's view, the same page-facing one the Bitrix24 card tab reads. */
  accountPageView: AccountPageView;
  inbound: CrmInbound;
  defaultLang: Lang;
  /** The account hosts that may call the widget API (AMOCRM_ACCOUNT_HOSTS). */
  accountHosts: RegExp;
  /** Our install button's grant window, carrying a fresh signed state. */
  grantUrl(platform: 'amocrm' | 'kommo'): string;
  /** Signs the page token the widget's pages carry (they cannot send the disposable token themselves). */
  pageTokens?: PageTokens;
  /** Our public address (KAM_PUBLIC_URL): the widget opens the pages there. */
  publicUrl?: string;
}

/** amoCRM's Redirect URI page (a person who used our install button sees it), in the reader's language, from the catalogue. */
function page(res: Response, status: number, lang: Lang, outcome: { ok: true } | { ok: false; error: Pick<KamError, 'code' | 'details'> }): void {
  const { amoConnect, installRefused } = i18n(lang).pages;
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  res.setHeader('Cache-Control', 'no-store');
  const shown = outcome.ok
    ? { title: amoConnect.done, text: amoConnect.doneNote }
    : { title: amoConnect.failed, text: installRefused[installRefusal(outcome.error)] };
  res.status(status).type('html').send(renderNoticePage({ lang, ...shown, testId: 'amo-connect' }));
}

export function amocrmRoutes(deps: AmoRoutesDeps): Router {
  const router = Router();

  // Our own install button: to amo's grant window with a state the redirect must bring back.
  router.get('/amocrm/connect', (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(302, deps.grantUrl(text(req.query.platform) === 'kommo' ? 'kommo' : 'amocrm'));
  });

  // The account's language when amo named the account (amocrm.ru / kommo.com), else the browser's.
  router.get('/amocrm/oauth', verifyInbound((request) => deps.inbound.verifyInstall(request), (req, res, error) => {
    page(res, error.status, browserLang(req, deps.defaultLang), { ok: false, error });
  }), async (req, res, next) => {
    const request = verifiedOf<InstallRequest>(res);
    const lang = request.lang ?? browserLang(req, deps.defaultLang);
    try {
      await deps.app.install(request);
      page(res, 200, lang, { ok: true });
    } catch (error) {
      if (res.headersSent) {
        next(error);
        return;
      }
      if (!isKamError(error) || error.status >= 500) req.log.error('amoCRM install failed', { error });
      page(res, isKamError(error) ? error.status : 500, lang, { ok: false, error: isKamError(error) ? error : { code: 'INTERNAL', details: {} } });
    }
  });

  // As for Bitrix24: the marks are stored before the 200, so an acknowledged webhook is never lost.
  const accept = (label: string) => acceptInbound(deps.app, `amoCRM ${label}`);

  // The installation and its secret live in the path; the edge hands them to the adapter as query keys.
  // A plain webhook is taken by the event intake before Express (amocrmWebhookRoute); this route answers the rest.
  router.post(WEBHOOK_PATTERN, form, verifyInbound((request) => deps.inbound.verifyEvent(request)), accept('webhook'));

  router.get('/amocrm/disconnect', verifyInbound((request) => deps.inbound.verifyEvent(request)), accept('disconnect'));

  /** Only an amo account origin (https, or loopback for the sandbox) gets CORS headers. */
  const cors = (req: Request, res: Response): boolean => {
    const origin = req.get('origin');
    if (!origin) return false;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    const loopback = /^(127\.\d+\.\d+\.\d+|localhost)$/.test(url.hostname);
    if (!deps.accountHosts.test(url.host) || (url.protocol !== 'https:' && !loopback)) return false;
    res.setHeader('Access-Control-Allow-Origin', url.origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Headers', 'X-Auth-Token, Content-Type');
    res.setHeader('Access-Control-Allow-Methods', 'GET, OPTIONS');
    res.setHeader('Access-Control-Max-Age', '600');
    return true;
  };

  router.options('/amocrm/widget/{*rest}', (req, res) => {
    res.status(cors(req, res) ? 204 : 403).end();
  });

  router.get('/amocrm/widget/account-view', (req, res, next) => {
    cors(req, res);
    next();
  }, verifyInbound((request) => deps.inbound.verifyWidget(request)), async (req, res, next) => {
    try {
      const { installation, card, lang } = verifiedOf<WidgetRequest>(res);
      // The panel sits in a card (our widget asks only there): no card named is the caller's fault.
      if (!card) {
        refuseAsJson(req, res, new KamError('INPUT_INVALID', 'entity and id must name the card (entity=leads, contacts or companies; id=a numeric id)'));
        return;
      }
      // The token is this account's: only its own origin may read the answer.
      if (req.get('origin') && new URL(installation.clientEndpoint ?? `https://${installation.domain}`).origin !== req.get('origin')) {
        res.removeHeader('Access-Control-Allow-Origin');
      }
      // The page-facing view, as the Bitrix24 card tab gets it: nothing of our store beyond what the panel shows.
      const view = await deps.accountPageView(installation, lang ?? (text(req.query.lang) === 'en' ? 'en' : null), { entity: card.kind, id: card.id });
      res.setHeader('Cache-Control', 'no-store');
      res.json(view);
    } catch (error) {
      next(error);
    }
  });

  // The widget asks where the portfolio (and, for an administrator, the settings) page is: the
  // address carries a short-lived page token signed for this user, as the page's iframe cannot send
  // the disposable token (https://www.amocrm.ru/developers/content/oauth/disposable-tokens).
  router.get('/amocrm/widget/portfolio-url', (req, res, next) => {
    cors(req, res);
    next();
  }, verifyInbound((request) => deps.inbound.verifyWidget(request)), (req, res) => {
    const { installation, lang, user } = verifiedOf<WidgetRequest>(res);
    if (!deps.pageTokens || !user) {
      res.status(503).json({ error: { code: 'CONFIG_INVALID', message: 'The pages are not served for amoCRM on this server' } });
      return;
    }
    const token = deps.pageTokens.issue({ installationId: installation.id, userId: user.id, isAdmin: user.isAdmin });
    const query = new URLSearchParams({ crm: 'amocrm', token, lang: lang ?? (text(req.query.lang) === 'en' ? 'en' : deps.defaultLang) }).toString();
    const base = deps.publicUrl ?? '';
    res.setHeader('Cache-Control', 'no-store');
    res.json({ url: `${base}/ui/portfolio?${query}`, ...(user.isAdmin ? { settingsUrl: `${base}/ui/settings?${query}` } : {}) });
  });

  return router;
}
