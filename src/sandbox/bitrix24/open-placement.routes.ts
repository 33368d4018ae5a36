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
  return router;
}
