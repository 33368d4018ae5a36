import { Router } from 'express';
import type { PortalRuntime } from './portal-runtime';
import { ADMIN_USER_ID } from './portal-runtime';

/**
 * GET /_sandbox/open?placement=CRM_DEAL_DETAIL_TAB&id=5&lang=en: what a portal does when a user
 * opens an app tab in a card: POST the frame data (AUTH_ID of that user, member_id,
 * PLACEMENT, PLACEMENT_OPTIONS={"ID":...}) to the bound handler
 * (docs:api-reference/widgets/_includes/widget_data). Here the browser does the POST through
 * an auto-submitting form, so a person can look at the tab without a portal.
 */
const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function createOpenPlacementRouter(runtime: PortalRuntime): Router {
  const router = Router();
  router.get('/_sandbox/open', (req, res) => {
    const placement = typeof req.query.placement === 'string' ? req.query.placement : 'CRM_DEAL_DETAIL_TAB';
    const binding = runtime.state.placements.find((candidate) => candidate.placement === placement);
    if (!binding) {
      res.status(404).type('text').send(`No handler is bound to ${placement}; install the app first.`);
      return;
    }
    const table = placement === 'CRM_COMPANY_DETAIL_TAB' ? runtime.state.tables.company : runtime.state.tables.deal;
    const requested = Number(req.query.id);
    const id = Number.isInteger(requested) && table.rows.has(requested)
      ? requested
      : table.ids.find((candidate) => placement === 'CRM_COMPANY_DETAIL_TAB' || Number(table.rows.get(candidate)?.COMPANY_ID ?? 0) > 0);
    const pair = runtime.tokens.issue(ADMIN_USER_ID);
    const lang = req.query.lang === 'en' ? 'en' : 'ru';
    const action = `${binding.handler}?DOMAIN=${encodeURIComponent(runtime.state.app.domain)}&PROTOCOL=0&LANG=${lang}&APP_SID=sandbox`;
    const fields: Record<string, string> = {
      AUTH_ID: pair.accessToken, AUTH_EXPIRES: String(pair.expiresIn), REFRESH_ID: pair.refreshToken, member_id: runtime.state.app.memberId,
      status: runtime.state.app.status, PLACEMENT: placement, PLACEMENT_OPTIONS: JSON.stringify({ ID: String(id ?? '') }),
    };
    const inputs = Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`).join('');
    res.type('html').send(`<!doctype html><html><body><form id="f" method="post" action="${escape(action)}">${inputs}<noscript><button>Open</button></noscript></form><script>document.getElementById('f').submit()</script></body></html>`);
  });

  /**
   * GET /_sandbox/frame?page=/ui/portfolio&placement=DEFAULT&id=5&lang=en&user=admin|manager: the
   * portal's own page with the app inside an iframe, as Bitrix24 shows app pages and card tabs:
   * the portal POSTs the frame data into the iframe, so the app runs under the portal's origin
   * as its frame ancestor. `page` is a path on the installed app's origin; `user=manager` opens
   * it as a portal user who is not an administrator.
   */
  router.get('/_sandbox/frame', (req, res) => {
    const appOrigin = runtime.state.placements[0]?.handler ? new URL(runtime.state.placements[0].handler).origin : null;
    const raw = typeof req.query.page === 'string' ? req.query.page : '';
    // A path on the installed app, or any page on this machine (a test server of the app).
    const page = raw.startsWith('/') && !raw.startsWith('//') ? `${appOrigin}${raw}` : /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(raw) ? raw : null;
    if (!appOrigin || !page) {
      res.status(404).type('text').send(appOrigin ? 'page must be a path on the app (/ui/portfolio) or a loopback URL' : 'Install the app first.');
      return;
    }
    const placement = typeof req.query.placement === 'string' ? req.query.placement : 'DEFAULT';
    const lang = req.query.lang === 'en' ? 'en' : 'ru';
    const manager = runtime.state.users.find((user) => user.id !== ADMIN_USER_ID && user.active);
    const pair = runtime.tokens.issue(req.query.user === 'manager' && manager ? manager.id : ADMIN_USER_ID);
    const action = `${page}${page.includes('?') ? '&' : '?'}DOMAIN=${encodeURIComponent(runtime.state.app.domain)}&PROTOCOL=0&LANG=${lang}&APP_SID=sandbox`;
    const fields: Record<string, string> = {
      AUTH_ID: pair.accessToken, AUTH_EXPIRES: String(pair.expiresIn), REFRESH_ID: pair.refreshToken, member_id: runtime.state.app.memberId,
      status: runtime.state.app.status, PLACEMENT: placement, PLACEMENT_OPTIONS: JSON.stringify({ ID: typeof req.query.id === 'string' ? req.query.id : '' }),
    };
    const inputs = Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`).join('');
    const width = Number(req.query.width) > 0 ? Number(req.query.width) : 1200;
    res.type('html').send(
      `<!doctype html><html><head><meta charset="utf-8"><title>Bitrix24 sandbox</title><link rel="icon" href="data:,"></head>`
      + `<body style="margin:0;background:#eef2f4;font-family:sans-serif"><header style="padding:8px 16px;background:#2fc6f6;color:#fff">Bitrix24 sandbox · ${escape(placement)}</header>`
      + `<form id="f" method="post" target="app" action="${escape(action)}">${inputs}</form>`
      + `<iframe name="app" title="app" style="display:block;border:0;width:${width}px;height:calc(100vh - 40px);margin:0 auto;background:#fff"></iframe>`
      + `<script>document.getElementById('f').submit()</script></body></html>`,
    );
  });
  return router;
}
