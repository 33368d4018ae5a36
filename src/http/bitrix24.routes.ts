import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Router, type Request, type Response } from 'express';
import type { Lang } from '../core/i18n/format-values';
import type { CrmInbound, InstallRequest, WidgetRequest } from '../core/ports/crm-connector.port';
import type { Installation } from '../core/ports/installation-store.port';
import type { CrmApp } from '../app/crm-app';
import type { InstallProgress } from '../app/install-progress';
import { i18n } from '../core/i18n/messages';
import { isKamError, type KamError } from '../core/errors';
import { installProgressText, renderInstallerPage } from '../ui/installer.page';
import { installRefusal } from '../ui/notice.page';
import { sendPageRefusal } from './page-refusal';
import { BITRIX24_FORM, formBody } from './form-body';
import { fixedPath, type EventRoute } from './event-intake';
import { acceptInbound, verifiedOf, verifyInbound } from './verify-inbound';

/**
 * Bitrix24's inbound edge, kept thin: the connector's inbound adapter verifies every request in
 * middleware before a handler runs (events by member_id + application_token, frames by asking
 * the portal); handlers call app use cases and render. Events get their 2xx first and are
 * processed after (Bitrix24 never retries and slows down slow handlers).
 */
// The official frame SDK's browser bundle (its package exports do not list it, so resolve beside the CJS entry).
const SDK_BUNDLE = join(dirname(require.resolve('@bitrix24/b24jssdk')), '..', 'umd', 'index.min.js');
const form = formBody;
const text = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) ? String(value[0] ?? '') : '');
const langOf = (req: Request, fallback: Lang): Lang => {
  const lang = text(req.query.LANG ?? (req.body as Record<string, unknown> | undefined)?.LANG).toLowerCase();
  return lang === 'ru' || lang === 'en' ? lang : lang ? 'en' : fallback;
};
const secureOf = (installation: Installation) => installation.clientEndpoint?.startsWith('https') ?? true;

/** Bitrix24's events as the event intake takes them (the same path, bounds and verification as the route below). */
export const bitrix24EventRoute = (inbound: CrmInbound): EventRoute => ({
  pattern: '/bitrix24/events',
  match: fixedPath('/bitrix24/events'),
  limits: BITRIX24_FORM,
  verify: (request) => inbound.verifyEvent(request),
  what: 'Bitrix24 event',
});

export interface Bitrix24RoutesDeps {
  app: CrmApp;
  inbound: CrmInbound;
  defaultLang: Lang;
  /** Sync progress for the installer page, by installation id (from the database: any process may answer). */
  progress: (installationId: string) => Promise<InstallProgress>;
  /** Signs the installer's status links; the same in every web process (default: one per router). */
  linkSecret?: Buffer;
}

export function bitrix24Routes(deps: Bitrix24RoutesDeps): Router {
  const router = Router();
  const statusSecret = deps.linkSecret ?? randomBytes(32);
  const sign = (id: string) => createHmac('sha256', statusSecret).update(id).digest('hex').slice(0, 32);

  const framePolicy = (res: Response, domain: string, secure: boolean, nonce: string) => {
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors ${secure ? 'https' : 'http'}://${domain}`,
    );
    res.setHeader('Cache-Control', 'no-store');
  };

  // The admin in the installer frame reads why, in the portal's language; the log keeps the internal reason.
  const installRefused = (req: Request, res: Response, error: Pick<KamError, 'status' | 'code' | 'details'>) => {
    const nonce = randomBytes(12).toString('base64');
    const lang = langOf(req, deps.defaultLang);
    // No frame-ancestors from an unchecked DOMAIN: the error page carries nothing worth framing-protecting.
    res.setHeader('Content-Security-Policy', `default-src 'none'; script-src 'self' 'nonce-${nonce}'; style-src 'unsafe-inline'`);
    res.status(error.status).type('html').send(renderInstallerPage({ lang, ok: false, nonce, message: i18n(lang).pages.installRefused[installRefusal(error)] }));
  };

  router.post('/bitrix24/install', form, verifyInbound((request) => deps.inbound.verifyInstall(request), installRefused), async (req, res, next) => {
    try {
      const installation = await deps.app.install(verifiedOf<InstallRequest>(res));
      const nonce = randomBytes(12).toString('base64');
      framePolicy(res, installation.domain, secureOf(installation), nonce);
      const id = installation.id;
      const lang = langOf(req, deps.defaultLang);
      // The status link carries the page's language: the progress line is worded in it.
      const statusUrl = `/bitrix24/install/status?${new URLSearchParams({ i: id, s: sign(id), LANG: lang }).toString()}`;
      res.type('html').send(renderInstallerPage({ lang, ok: true, nonce, statusUrl }));
    } catch (error) {
      if (res.headersSent) {
        next(error);
        return;
      }
      if (!isKamError(error) || error.status >= 500) req.log.error('Bitrix24 install failed', { error });
      installRefused(req, res, isKamError(error) ? error : { status: 500, code: 'INTERNAL', details: {} });
    }
  });

  router.get('/bitrix24/install/status', async (req, res, next) => {
    const id = text(req.query.i);
    // Compared in constant time: the signature is the link's only secret.
    const [given, expected] = [Buffer.from(text(req.query.s)), Buffer.from(sign(id))];
    if (!id || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.status(401).json({ error: { code: 'UNAUTHORIZED', message: 'bad status link' } });
      return;
    }
    try {
      const { progress, done, rows, ...figures } = await deps.progress(id);
      res.json({ progress, done, rows, text: installProgressText(langOf(req, deps.defaultLang), { done, ...figures }) });
    } catch (error) {
      next(error);
    }
  });

  // A plain event is taken by the event intake before Express (bitrix24EventRoute); this route answers the rest.
  router.post('/bitrix24/events', form, verifyInbound((request) => deps.inbound.verifyEvent(request)), acceptInbound(deps.app, 'Bitrix24 event'));

  // A frame we could not accept still shows a page inside the portal, in the user's language; one not
  // checked in time (a flood at the portal) gets a page that posts the same frame again by itself.
  const frameRefused = (req: Request, res: Response, error: Pick<KamError, 'code' | 'details'>) => sendPageRefusal(req, res, langOf(req, deps.defaultLang), error);

  // The card tab (deal, company, contact): a checked frame goes on to the card page, as the main page
  // does to the portfolio; 307 keeps the method and the form body (AUTH_ID, PLACEMENT, PLACEMENT_OPTIONS),
  // so the page knows the card and checks the frame again itself.
  router.post('/bitrix24/placement', form, verifyInbound((request) => deps.inbound.verifyWidget(request), frameRefused), (_req, res) => {
    const { lang } = verifiedOf<WidgetRequest>(res);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(307, `/ui/card?${new URLSearchParams({ LANG: lang ?? deps.defaultLang }).toString()}`);
  });

  // The app's main page (the Market card's application URL): any user of the portal opens it, so it
  // is checked like a card frame and is never the admin-only installer. A checked frame goes on to
  // the portfolio page: 307 keeps the method and the form body, so the page gets the same frame
  // context (member_id, AUTH_ID, PLACEMENT) and checks it again itself.
  router.post('/bitrix24/app', form, verifyInbound((request) => deps.inbound.verifyWidget(request), frameRefused), (_req, res) => {
    const { lang } = verifiedOf<WidgetRequest>(res);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(307, `/ui/portfolio?${new URLSearchParams({ LANG: lang ?? deps.defaultLang }).toString()}`);
  });

  router.get('/static/b24jssdk.min.js', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.sendFile(SDK_BUNDLE);
  });

  return router;
}
