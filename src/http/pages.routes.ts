import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { i18n, type Lang } from '../core/i18n/messages';
import { sendPageNotice, sendPageRefusal } from './page-refusal';
import type { CallerCredentials, CallerVerifier } from './page-caller';

/**
 * The pages (card tab, portfolio, settings): the built Vue app in dist/pages, served as static
 * assets, and one HTML shell per page that carries the verified frame context in a meta tag.
 * Bitrix24 POSTs its frame data to the page URL (https://apidocs.bitrix24.com/api-reference/widgets/);
 * the amoCRM widget opens the page with its disposable token. The CSP allows only our own
 * scripts (no inline ones) and only the CRM's origin as a frame ancestor.
 */
export const PAGES = ['card', 'portfolio', 'settings'] as const;
export type PageName = (typeof PAGES)[number];
export const DEFAULT_UI_DIR = resolve(__dirname, '..', '..', 'dist', 'pages');

export interface PagesRoutesDeps {
  verifier: CallerVerifier;
  defaultLang: Lang;
  /** Where `npm run build:ui` put the app (dist/pages). */
  uiDir?: string;
}

const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 });
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const escapeAttr = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function langOf(raw: string, fallback: Lang): Lang {
  const lang = raw.toLowerCase().slice(0, 2);
  return lang === 'ru' || lang === 'en' ? lang : raw ? 'en' : fallback;
}

/**
 * Without the CRM's LANG (a person opening an address by hand or through our install button) the
 * browser's language decides. A wildcard (`*`, what fetch clients send) names no language: the
 * server's default then.
 */
export function browserLang(req: Request, fallback: Lang): Lang {
  const named = /\b(ru|en)\b/i.test(req.get('accept-language') ?? '') ? req.acceptsLanguages('ru', 'en') || '' : '';
  return langOf(named, fallback);
}

/** The CSP of every page: own scripts only; framed by the CRM origin that opened it and nothing else. */
export function pagePolicy(frameAncestor: string): string {
  return [
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
    "font-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
    `frame-ancestors ${frameAncestor}`,
  ].join('; ');
}

function entityOf(page: PageName, placement: string, options: string): { type: 'company' | 'contact' | 'deal'; id: string } | null {
  if (page !== 'card') return null;
  let id = '';
  try {
    id = text((JSON.parse(options || '{}') as Record<string, unknown>).ID);
  } catch {
    id = '';
  }
  if (!/^\d+$/.test(id)) return null;
  return { type: placement.includes('COMPANY') ? 'company' : placement.includes('CONTACT') ? 'contact' : 'deal', id };
}

export function pagesRoutes(deps: PagesRoutesDeps): Router {
  const router = Router();
  const uiDir = deps.uiDir ?? DEFAULT_UI_DIR;
  let shell: string | null = null;
  const readShell = () => (shell ??= existsSync(join(uiDir, 'index.html')) ? readFileSync(join(uiDir, 'index.html'), 'utf8') : null);

  router.use('/ui/assets', express.static(join(uiDir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));

  const serve = async (req: Request, res: Response, page: PageName) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const query = req.query as Record<string, unknown>;
    const asked = text(query.LANG ?? body.LANG ?? query.lang);
    const lang = langOf(asked, deps.defaultLang);
    const credentials: CallerCredentials = text(query.crm) === 'amocrm'
      ? { crm: 'amocrm', token: text(query.token ?? body.token) }
      : { crm: 'bitrix24', memberId: text(body.member_id), authId: text(body.AUTH_ID) };
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Who reads a refusal: the CRM's LANG when the frame brought one, else the browser's language.
    const reader = asked ? lang : browserLang(req, deps.defaultLang);
    const verified = await deps.verifier.verify(credentials, lang);
    if (!verified.ok) {
      sendPageRefusal(req, res, reader, verified.error);
      return;
    }
    const html = readShell();
    if (!html) {
      const { frameRefused } = i18n(reader).pages;
      sendPageNotice(res, reader, 503, frameRefused.notBuilt, frameRefused.notBuiltHint);
      return;
    }
    const { installation } = verified.value;
    const secure = installation.clientEndpoint?.startsWith('https') ?? true;
    const ancestor = credentials.crm === 'bitrix24' ? `${secure ? 'https' : 'http'}://${installation.domain}` : `https://${installation.domain}`;
    const auth = credentials.crm === 'bitrix24' ? { memberId: credentials.memberId, authId: credentials.authId } : { token: credentials.token };
    const context = { page, crm: credentials.crm, lang, auth, entity: entityOf(page, text(body.PLACEMENT), text(body.PLACEMENT_OPTIONS)) };
    res.setHeader('Content-Security-Policy', pagePolicy(ancestor));
    res.type('html').send(
      html
        .replace('<html lang="en">', `<html lang="${lang}">`)
        .replace('</head>', `<meta name="kam-context" content="${escapeAttr(JSON.stringify(context))}"></head>`),
    );
  };

  // The amoCRM widget frames this address when it cannot get a signed page address
  // (manifest/amocrm/script.js renderAdvancedPage): without a page token nothing can be shown, so
  // the frame says so in the reader's language instead of a bare 404.
  router.get('/amocrm/portfolio', (req, res) => {
    const lang = langOf(text(req.query.lang), deps.defaultLang);
    sendPageNotice(res, lang, 503, i18n(lang).t('crm.portfolioUnsigned'));
  });

  for (const page of PAGES) {
    router.post(`/ui/${page}`, form, (req, res, next) => void serve(req, res, page).catch(next));
    router.get(`/ui/${page}`, (req, res, next) => void serve(req, res, page).catch(next));
  }
  return router;
}
