import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type { PortalRuntime } from './portal-runtime';
import { ADMIN_USER_ID } from './portal-runtime';

/**
 * Install, update and uninstall as a portal performs them.
 * - Install: the installer page gets the frame POST (query DOMAIN, PROTOCOL, LANG, APP_SID;
 *   form AUTH_ID, AUTH_EXPIRES, REFRESH_ID, SERVER_ENDPOINT, member_id, status, PLACEMENT,
 *   PLACEMENT_OPTIONS, APPLICATION_TOKEN, APPLICATION_SCOPE: docs:api-reference/widgets/_includes/widget_data)
 *   and, given eventsUrl, ONAPPINSTALL (docs:api-reference/common/events/on-app-install).
 *   No browser runs the installer's JavaScript here, so the install counts as finished when the
 *   installer answered 2xx with a page that calls `installFinish` (BX24.installFinish() or
 *   B24Frame.installFinish()): the nearest observable stand-in. Without installUrl the app is
 *   an API-only app, installed by the event alone (docs:settings/app-installation/mass-market-apps/installation-callback).
 * - Update: new version, new application_token, event handlers and placements dropped
 *   (docs:api-reference/common/events/on-app-update, docs:api-reference/events/event-bind).
 *   ONAPPUPDATE goes out only with behaviour.appUpdateEvent (reportedly not sent for apps with
 *   an installer: bitrix-tools/b24-rest-docs#370); given installUrl, the admin then opens the
 *   app and its installer frame gets the new APPLICATION_TOKEN.
 * - Uninstall: tokens revoked first, then ONAPPUNINSTALL with data[CLEAN] and an auth block
 *   with no tokens (docs:api-reference/common/events/on-app-uninstall).
 */
function lifecycleAuth(runtime: PortalRuntime): Record<string, string> {
  const pair = runtime.tokens.issue(ADMIN_USER_ID);
  return {
    ...runtime.events.authBlock(ADMIN_USER_ID, false),
    access_token: pair.accessToken, expires: String(pair.expires), expires_in: String(pair.expiresIn),
    scope: runtime.state.app.scope, user_id: String(ADMIN_USER_ID), refresh_token: pair.refreshToken,
  };
}

function handlersFor(runtime: PortalRuntime, event: string, extra: unknown): string[] {
  const bound = runtime.state.eventBindings.filter((b) => b.event === event).map((b) => b.handler);
  return [...new Set([...(typeof extra === 'string' && extra !== '' ? [extra] : []), ...bound])];
}

/** The admin opens the app: its installer page gets the frame POST. */
async function openInstaller(runtime: PortalRuntime, installUrl: string) {
  const { app } = runtime.state;
  const pair = runtime.tokens.issue(ADMIN_USER_ID);
  const answer = await runtime.events.post(installUrl, {
    AUTH_ID: pair.accessToken, AUTH_EXPIRES: String(pair.expiresIn), REFRESH_ID: pair.refreshToken,
    SERVER_ENDPOINT: `${runtime.baseUrl()}/rest/`, member_id: app.memberId, status: app.status,
    PLACEMENT: 'DEFAULT', PLACEMENT_OPTIONS: '{}', APPLICATION_TOKEN: app.applicationToken, APPLICATION_SCOPE: app.scope,
  }, { DOMAIN: new URL(runtime.baseUrl()).host, PROTOCOL: '0', LANG: 'ru', APP_SID: randomBytes(16).toString('hex') });
  const ok = answer.status !== null && answer.status >= 200 && answer.status < 300;
  return { status: answer.status, calledInstallFinish: ok && /installFinish\s*\(/.test(answer.body), ...(answer.error ? { error: answer.error } : {}) };
}

export function createInstallRouter(runtime: PortalRuntime, appUrl: string | undefined): Router {
  const router = Router();
  const { app } = runtime.state;

  router.post('/_sandbox/install', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const installUrl = typeof body.installUrl === 'string' ? body.installUrl : body.eventsUrl ? undefined : appUrl;
    const eventsUrl = typeof body.eventsUrl === 'string' ? body.eventsUrl : undefined;
    if (!installUrl && !eventsUrl) {
      res.status(400).json({ error: 'INPUT_INVALID', error_description: 'installUrl or eventsUrl is required' });
      return;
    }
    let installer: { status: number | null; calledInstallFinish: boolean; error?: string } | null = null;
    if (installUrl) {
      installer = await openInstaller(runtime, installUrl);
      app.installed = installer.calledInstallFinish;
    } else {
      app.installed = true;
    }
    let event: { url: string; status: number | null; error?: string } | null = null;
    if (eventsUrl) {
      const answer = await runtime.events.post(eventsUrl, {
        event: 'ONAPPINSTALL', data: { VERSION: String(app.version), ACTIVE: 'Y', INSTALLED: app.installed ? 'Y' : 'N', LANGUAGE_ID: 'ru' },
        ts: String(Math.floor(runtime.now() / 1000)), auth: lifecycleAuth(runtime),
      });
      event = { url: eventsUrl, status: answer.status, ...(answer.error ? { error: answer.error } : {}) };
    }
    if (app.installed) app.installedAt = runtime.now();
    res.json({ installed: app.installed, installer, event, memberId: app.memberId, applicationToken: app.applicationToken });
  });

  router.post('/_sandbox/update', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const previous = app.version;
    app.version += 1;
    app.applicationToken = randomBytes(16).toString('hex');
    runtime.state.eventBindings = [];
    runtime.state.placements = [];
    const urls = typeof body.eventsUrl === 'string' && runtime.state.behaviour.appUpdateEvent ? [body.eventsUrl] : [];
    const statuses = await Promise.all(urls.map((url) => runtime.events.post(url, {
      event: 'ONAPPUPDATE', data: { VERSION: String(app.version), PREVIOUS_VERSION: String(previous), LANGUAGE_ID: 'ru' },
      ts: String(Math.floor(runtime.now() / 1000)), auth: lifecycleAuth(runtime),
    })));
    const installer = typeof body.installUrl === 'string' ? await openInstaller(runtime, body.installUrl) : null;
    res.json({ version: app.version, applicationToken: app.applicationToken, events: statuses.map((s, i) => ({ url: urls[i], status: s.status })), installer });
  });

  router.post('/_sandbox/uninstall', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const clean = body.clean === true || body.clean === 1 || body.clean === '1';
    const urls = handlersFor(runtime, 'ONAPPUNINSTALL', body.eventsUrl);
    const auth = runtime.events.authBlock(ADMIN_USER_ID, false);
    // API access ends before the event goes out, as on a portal.
    runtime.tokens.revokeAll();
    app.installed = false;
    app.installedAt = null;
    runtime.state.eventBindings = [];
    runtime.state.placements = [];
    if (clean) runtime.state.appOptions = {};
    const statuses = await Promise.all(urls.map((url) => runtime.events.post(url, {
      event: 'ONAPPUNINSTALL', data: { LANGUAGE_ID: 'ru', CLEAN: clean ? '1' : '0' }, ts: String(Math.floor(runtime.now() / 1000)), auth,
    })));
    res.json({ installed: false, events: statuses.map((s, i) => ({ url: urls[i], status: s.status })) });
  });
  return router;
}
