import { KamError, fail, ok, type Result } from '../../core/errors';
import type { Lang } from '../../core/i18n/format-values';
import type { EntityKind } from '../../core/model/synced';
import type { CrmInbound, InboundEffect, InboundRequest, InstallRequest, VerifiedInbound, WidgetRequest } from '../../core/ports/crm-connector.port';
import type { Installation, InstallationStore } from '../../core/ports/installation-store.port';
import { dirtyMarkOf, parseBitrix24Event, type Bitrix24Event } from './bitrix24-event';
import { createFrameCheck } from './bitrix24-frame-check';
import { portalEndpoint, secretsEqual } from './bitrix24-verify';

/**
 * Bitrix24's inbound edge, run before any handler: events by member_id + application_token
 * (constant time; https://apidocs.bitrix24.com/api-reference/events/safe-event-handlers.html),
 * the installer frame and ONAPPINSTALL by asking the portal at an endpoint we build from an
 * allowed host whether the token is an administrator's, card frames by asking the portal at our
 * stored endpoint whether the user's token is good. Every answer is a result, never a throw.
 */
export interface Bitrix24InboundDeps {
  installations: Pick<InstallationStore, 'findByExternalId'>;
  portalHosts: RegExp;
  /** One REST call with a token someone handed us, at an endpoint we chose. */
  callWithToken<T>(endpoint: string, method: string, token: string): Promise<T>;
  /** The frame user check, counted against the portal's own limiter and meter. */
  checkFrameUser(installation: Installation, accessToken: string): Promise<void>;
}

interface InstallClaim {
  domain: string;
  secure: boolean;
  memberId: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  applicationToken: string | null;
  lang: Lang | null;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) ? String(value[0] ?? '') : typeof value === 'number' ? String(value) : '');
/** LANG=ru|en as asked; any other language gets English; none, null (the installation's own). */
export const bitrix24Lang = (value: unknown): Lang | null => {
  const lang = text(value).toLowerCase();
  return lang === 'ru' || lang === 'en' ? lang : lang ? 'en' : null;
};
const CARDS: Record<string, EntityKind> = { CRM_DEAL_DETAIL_TAB: 'deal', CRM_COMPANY_DETAIL_TAB: 'company', CRM_CONTACT_DETAIL_TAB: 'contact' };
const unauthorized = (message: string) => fail(new KamError('UNAUTHORIZED', message));

export function createBitrix24Inbound(deps: Bitrix24InboundDeps): CrmInbound {
  const frameCheck = createFrameCheck(deps.checkFrameUser);

  /** The portal must vouch for the token, and only an administrator installs apps. */
  const verifyClaim = async (claim: InstallClaim): Promise<Result<InstallRequest>> => {
    const endpoint = portalEndpoint(claim.domain, claim.secure, deps.portalHosts);
    if (!endpoint) return fail(new KamError('FORBIDDEN', `Portal host ${JSON.stringify(claim.domain)} may not install this app`));
    const existing = await deps.installations.findByExternalId('bitrix24', claim.memberId);
    // A member_id stays bound to its portal, deleted or not: its kept data is that portal's.
    if (existing && existing.domain !== claim.domain.toLowerCase()) return fail(new KamError('FORBIDDEN', 'This member_id belongs to another portal'));
    try {
      // Any user's frame carries a token: a user must not be able to re-install over us.
      const admin = await deps.callWithToken<boolean>(endpoint, 'user.admin', claim.accessToken);
      if (admin !== true) return fail(new KamError('FORBIDDEN', 'Only a portal administrator can install KAM Pilot'));
    } catch (error) {
      return fail(new KamError('UNAUTHORIZED', 'The portal did not accept the install token', { cause: error }));
    }
    // The application token belongs to the portal's install and update events; once we hold one,
    // a frame does not replace it (ONAPPUPDATE does, after its own check).
    const keepToken = existing?.applicationToken && existing.status !== 'deleted';
    return ok({
      lang: claim.lang,
      input: {
        crm: 'bitrix24',
        externalId: claim.memberId,
        domain: claim.domain.toLowerCase(),
        clientEndpoint: endpoint,
        serverEndpoint: null,
        ...(claim.applicationToken && !keepToken ? { applicationToken: claim.applicationToken } : {}),
        tokens: { accessToken: claim.accessToken, refreshToken: claim.refreshToken, expiresAt: new Date(Date.now() + claim.expiresIn * 1000).toISOString() },
      },
    });
  };

  /** Known portal and matching application token, or a verifiable install or update. */
  const provenInstallation = async (event: Bitrix24Event): Promise<Result<Installation | null>> => {
    const installation = await deps.installations.findByExternalId('bitrix24', event.auth.member_id);
    if (installation?.applicationToken) {
      if (secretsEqual(installation.applicationToken, event.auth.application_token) && installation.status !== 'deleted') return ok(installation);
      if (event.event === 'ONAPPINSTALL' && installation.status === 'deleted') return ok(null);
      // An update brings a NEW application token: it is proven by its access token working on
      // the portal we already know (our stored endpoint, never one from the request).
      if (event.event === 'ONAPPUPDATE' && installation.status !== 'deleted' && event.auth.access_token && installation.clientEndpoint) {
        try {
          await deps.callWithToken(installation.clientEndpoint, 'app.info', event.auth.access_token);
          return ok(installation);
        } catch {
          return unauthorized('The portal did not accept the update token');
        }
      }
      return unauthorized('Unknown portal or wrong application token');
    }
    if (event.event === 'ONAPPINSTALL' && event.auth.access_token) return ok(installation);
    return unauthorized('Unknown portal or wrong application token');
  };

  const effectsOf = async (event: Bitrix24Event, installation: Installation | null): Promise<Result<InboundEffect[]>> => {
    if (event.event === 'ONAPPINSTALL') {
      const { auth } = event;
      const client = auth.client_endpoint ? new URL(auth.client_endpoint) : null;
      const claim = await verifyClaim({
        domain: auth.domain ?? client?.host ?? '',
        secure: client ? client.protocol === 'https:' : true,
        memberId: auth.member_id,
        accessToken: auth.access_token ?? '',
        refreshToken: auth.refresh_token ?? '',
        expiresIn: auth.expires_in ?? 3600,
        applicationToken: auth.application_token,
        lang: bitrix24Lang(event.data.LANGUAGE_ID),
      });
      if (!claim.ok) return claim;
      // The installer frame usually came first and set the portal up already.
      return ok([{ type: 'install', input: { ...claim.value.input, settings: { lang: claim.value.lang } }, setUp: !installation }]);
    }
    if (!installation) return ok([{ type: 'ignored', reason: `${event.event} for a portal we do not know` }]);
    if (event.event === 'ONAPPUPDATE') return ok([{ type: 'updated', applicationToken: event.auth.application_token }]);
    if (event.event === 'ONAPPUNINSTALL') return ok([{ type: 'uninstalled', purge: text(event.data.CLEAN ?? '0') === '1' }]);
    const mark = dirtyMarkOf(event);
    if (mark instanceof KamError) return fail(mark);
    if (!mark) return ok([{ type: 'ignored', reason: `${event.event} is not an event we act on` }]);
    const appUserId = (installation.settings.bitrix24 as { appUserId?: unknown } | undefined)?.appUserId;
    return ok([{ type: 'dirty', marks: [mark], byApp: typeof appUserId === 'string' && event.auth.user_id === appUserId }]);
  };

  return {
    async verifyEvent(request: InboundRequest): Promise<Result<VerifiedInbound>> {
      const parsed = parseBitrix24Event(request.body);
      if (!parsed.ok) return parsed;
      const proven = await provenInstallation(parsed.value);
      if (!proven.ok) return proven;
      const effects = await effectsOf(parsed.value, proven.value);
      return effects.ok ? ok({ installation: proven.value, effects: effects.value }) : effects;
    },

    async verifyInstall(request: InboundRequest): Promise<Result<InstallRequest>> {
      const { query, body } = request;
      const claim = {
        domain: text(query.DOMAIN ?? body.DOMAIN),
        secure: text(query.PROTOCOL ?? body.PROTOCOL) !== '0',
        memberId: text(body.member_id),
        accessToken: text(body.AUTH_ID),
        refreshToken: text(body.REFRESH_ID),
        expiresIn: Number(text(body.AUTH_EXPIRES)) || 3600,
        applicationToken: text(body.APPLICATION_TOKEN) || null,
        lang: bitrix24Lang(query.LANG ?? body.LANG),
      };
      if (!claim.domain || !claim.memberId || !claim.accessToken || !claim.refreshToken) {
        return fail(new KamError('INPUT_INVALID', 'DOMAIN, member_id, AUTH_ID and REFRESH_ID are required'));
      }
      const verified = await verifyClaim(claim);
      return verified.ok ? ok({ ...verified.value, input: { ...verified.value.input, settings: { lang: claim.lang } } }) : verified;
    },

    async verifyWidget(request: InboundRequest): Promise<Result<WidgetRequest>> {
      const { query, body } = request;
      const installation = await deps.installations.findByExternalId('bitrix24', text(body.member_id));
      if (!installation || installation.status === 'deleted' || !installation.clientEndpoint) return unauthorized('Unknown portal');
      const checked = await frameCheck(installation, text(body.AUTH_ID));
      if (!checked.ok) return checked;
      let options: Record<string, unknown> = {};
      try {
        options = JSON.parse(text(body.PLACEMENT_OPTIONS) || '{}') as Record<string, unknown>;
      } catch {
        options = {};
      }
      const kind = CARDS[text(body.PLACEMENT)];
      const id = text(options.ID);
      return ok({ installation, card: kind && /^\d+$/.test(id) ? { kind, id } : null, lang: bitrix24Lang(query.LANG ?? body.LANG) });
    },
  };
}
