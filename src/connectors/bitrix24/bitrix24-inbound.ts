import { KamError, fail, ok, type Result } from '../../core/errors';
import type { Lang } from '../../core/i18n/format-values';
import type { EntityKind } from '../../core/model/synced';
import type { CrmInbound, InboundEffect, InboundRequest, InstallRequest, VerifiedInbound, WidgetRequest } from '../../core/ports/crm-connector.port';
import type { FrameCheckStore } from '../../core/ports/frame-check-store.port';
import type { Installation, InstallationStore } from '../../core/ports/installation-store.port';
import { perMinute, type RateBucketStore } from '../../core/ports/rate-bucket-store.port';
import { dirtyMarkOf, parseBitrix24Event, type Bitrix24Event } from './bitrix24-event';
import { createFrameCheck } from './bitrix24-frame-check';
import { checkInstall } from './bitrix24-install-check';
import { systemLaneClock, type LaneClock } from '../shared/check-lane';
import { secretsEqual } from './bitrix24-verify';
import type { PortalIdentity } from './portal-identity';

/**
 * Bitrix24's inbound edge, run before any handler: events by member_id + application_token
 * (constant time; https://apidocs.bitrix24.com/api-reference/events/safe-event-handlers.html),
 * the installer frame and ONAPPINSTALL by the OAuth server's word on whose tokens they carry and
 * the portal's on whether they are an administrator's (bitrix24-install-check.ts), ONAPPUPDATE
 * (a new application token) by the OAuth server's word alone, card frames by asking the portal at
 * our stored (proven) endpoint whether the user's token is good. Every call a request can cause
 * is checked cheaply first and limited (per source, and OAuth exchanges in all). Every answer is
 * a result, never a throw.
 */
export interface Bitrix24InboundDeps {
  installations: Pick<InstallationStore, 'findByExternalId' | 'findVerified'>;
  /** What the portal said of card-frame tokens, shared by every process (hashes, never tokens). */
  frameVerdicts: FrameCheckStore;
  /** The budgets an unproven request spends (OAuth exchanges, frame checks), shared by every process. */
  rateBuckets: RateBucketStore;
  /** Epoch ms and timers for the frame checks' lanes (tests drive one by hand). */
  clock?: LaneClock;
  portalHosts: RegExp;
  /** One REST call with a token someone handed us, at an endpoint we chose. */
  callWithToken<T>(endpoint: string, method: string, token: string): Promise<T>;
  /** Who a refresh token belongs to, as our OAuth server says (spends it; the fresh pair comes back). */
  identify(refreshToken: string): Promise<PortalIdentity>;
  /** The frame user check, counted against the portal's own limiter and meter. */
  checkFrameUser(installation: Installation, accessToken: string): Promise<void>;
}

/**
 * OAuth exchanges an unproven request may cause (an install, an update), per source address and
 * in all, per minute: a flood from many addresses cannot get our client throttled at the OAuth
 * server, on which every portal's token refresh depends. Token buckets in the database, so the
 * bound is one for all web processes (issue 12): 60 at once after a quiet minute, then one a
 * second (a source: 10, then one every 6 s).
 */
const EXCHANGES_PER_SOURCE = perMinute(10);
const EXCHANGES = perMinute(60);

const text = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) ? String(value[0] ?? '') : typeof value === 'number' ? String(value) : '');
/** LANG=ru|en as asked; any other language gets English; none, null (the installation's own). */
export const bitrix24Lang = (value: unknown): Lang | null => {
  const lang = text(value).toLowerCase();
  return lang === 'ru' || lang === 'en' ? lang : lang ? 'en' : null;
};
/**
 * A field a portal sends once, as one string: a repeated or bracketed one (`member_id[]=...`) is
 * no portal's request, so it is refused as malformed before anything is looked up or asked.
 */
const single = (value: unknown): string | null => (value === undefined ? '' : typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null);
const malformed = (fields: Record<string, unknown>) => {
  const bad = Object.entries(fields).filter(([, value]) => single(value) === null).map(([name]) => name);
  return bad.length ? fail(new KamError('INPUT_INVALID', `${bad.join(', ')} must each be sent once, as text`)) : null;
};
const CARDS: Record<string, EntityKind> = { CRM_DEAL_DETAIL_TAB: 'deal', CRM_COMPANY_DETAIL_TAB: 'company', CRM_CONTACT_DETAIL_TAB: 'contact' };
const unauthorized = (message: string) => fail(new KamError('UNAUTHORIZED', message));

export function createBitrix24Inbound(deps: Bitrix24InboundDeps): CrmInbound {
  const clock = deps.clock ?? systemLaneClock;
  const now = clock.now;
  const buckets = deps.rateBuckets;
  const frameCheck = createFrameCheck(deps.checkFrameUser, { verdicts: deps.frameVerdicts, buckets, now, lane: { clock } });

  const busy = () => fail(new KamError('RATE_LIMITED', 'Too many install or update attempts; try again in a minute'));
  // Each attempt costs an exchange at the OAuth server: refused first from a flooding source, then in all.
  const admitExchange = async (source: string | undefined) =>
    (await buckets.take(`bitrix24:exchange-source:${source ?? 'unknown'}`, EXCHANGES_PER_SOURCE, now())) && buckets.take('bitrix24:exchange', EXCHANGES, now());
  const verifyClaim = async (claim: Parameters<typeof checkInstall>[1], source: string | undefined): Promise<Result<InstallRequest>> => {
    if (!(await admitExchange(source))) return busy();
    return checkInstall({ portalHosts: deps.portalHosts, identify: deps.identify, callWithToken: deps.callWithToken }, claim);
  };
  const proveByOAuth = async (refreshToken: string, source: string | undefined): Promise<Result<PortalIdentity>> => {
    if (!(await admitExchange(source))) return busy();
    try {
      return ok(await deps.identify(refreshToken));
    } catch {
      return unauthorized('The Bitrix24 OAuth server did not accept the update token');
    }
  };

  /**
   * Known portal and matching application token, or a verifiable install or update. The
   * installation may come from the store's short-lived copy, but only to accept: a copy that would
   * refuse is read again (the token may have been rotated by another process).
   */
  const provenInstallation = async (event: Bitrix24Event, request: InboundRequest): Promise<Result<Installation | null>> => {
    // Asked of the cached copy and again below: the verdict on one copy is worked out once (two hashes per event, not four).
    const verdicts = new WeakMap<Installation, boolean>();
    const signedBy = (installation: Installation): boolean => {
      let verdict = verdicts.get(installation);
      if (verdict === undefined) {
        verdict = installation.applicationToken !== null && secretsEqual(installation.applicationToken, event.auth.application_token) && installation.status !== 'deleted';
        verdicts.set(installation, verdict);
      }
      return verdict;
    };
    const installation = await deps.installations.findVerified({ crm: 'bitrix24', externalId: event.auth.member_id }, signedBy);
    if (installation?.applicationToken) {
      if (signedBy(installation)) return ok(installation);
      if (event.event === 'ONAPPINSTALL' && installation.status === 'deleted') return ok(null);
      // An update brings a NEW application token, so it cannot match: it is proven as an install
      // is, by its refresh token at OUR OAuth server, whose answer must name this member_id
      // (ONAPPUPDATE carries a full auth block: https://apidocs.bitrix24.com/api-reference/common/events/on-app-update.html).
      // The portal itself is never asked, so a forged update costs it nothing.
      if (event.event === 'ONAPPUPDATE' && installation.status !== 'deleted') {
        if (!event.auth.refresh_token) return unauthorized('ONAPPUPDATE without auth[refresh_token] cannot be proven');
        const proof = await proveByOAuth(event.auth.refresh_token, request.source);
        if (!proof.ok) return proof;
        return proof.value.memberId === installation.externalId ? ok(installation) : unauthorized('The update token belongs to another portal');
      }
      return unauthorized('Unknown portal or wrong application token');
    }
    if (event.event === 'ONAPPINSTALL' && event.auth.access_token) return ok(installation);
    return unauthorized('Unknown portal or wrong application token');
  };

  const endpointUrl = (raw: string | undefined): URL | null => {
    try {
      return raw ? new URL(raw) : null;
    } catch {
      return null;
    }
  };

  const effectsOf = async (event: Bitrix24Event, installation: Installation | null, request: InboundRequest): Promise<Result<InboundEffect[]>> => {
    if (event.event === 'ONAPPINSTALL') {
      const { auth } = event;
      const client = endpointUrl(auth.client_endpoint);
      if (!auth.refresh_token) return fail(new KamError('INPUT_INVALID', 'ONAPPINSTALL without auth[refresh_token]'));
      const claim = await verifyClaim({
        domain: auth.domain ?? client?.host ?? '',
        secure: client ? client.protocol === 'https:' : true,
        memberId: auth.member_id,
        refreshToken: auth.refresh_token,
        applicationToken: auth.application_token,
        lang: bitrix24Lang(event.data.LANGUAGE_ID),
      }, request.source);
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
      const proven = await provenInstallation(parsed.value, request);
      if (!proven.ok) return proven;
      // The source address (for the exchange limits) is only read by a request that may cost an exchange.
      const effects = await effectsOf(parsed.value, proven.value, request);
      return effects.ok ? ok({ installation: proven.value, effects: effects.value }) : effects;
    },

    async verifyInstall(request: InboundRequest): Promise<Result<InstallRequest>> {
      const { query, body } = request;
      const refused = malformed({ DOMAIN: query.DOMAIN ?? body.DOMAIN, PROTOCOL: query.PROTOCOL ?? body.PROTOCOL, member_id: body.member_id, AUTH_ID: body.AUTH_ID, REFRESH_ID: body.REFRESH_ID, APPLICATION_TOKEN: body.APPLICATION_TOKEN });
      if (refused) return refused;
      // AUTH_ID and AUTH_EXPIRES are not read: the tokens we keep come from our OAuth server.
      const claim = {
        domain: text(query.DOMAIN ?? body.DOMAIN),
        secure: text(query.PROTOCOL ?? body.PROTOCOL) !== '0',
        memberId: text(body.member_id),
        refreshToken: text(body.REFRESH_ID),
        applicationToken: text(body.APPLICATION_TOKEN) || null,
        lang: bitrix24Lang(query.LANG ?? body.LANG),
      };
      if (!claim.domain || !claim.memberId || !text(body.AUTH_ID) || !claim.refreshToken) {
        return fail(new KamError('INPUT_INVALID', 'DOMAIN, member_id, AUTH_ID and REFRESH_ID are required'));
      }
      const verified = await verifyClaim(claim, request.source);
      return verified.ok ? ok({ ...verified.value, input: { ...verified.value.input, settings: { lang: claim.lang } } }) : verified;
    },

    async verifyWidget(request: InboundRequest): Promise<Result<WidgetRequest>> {
      const { query, body } = request;
      const refused = malformed({ member_id: body.member_id, AUTH_ID: body.AUTH_ID });
      if (refused) return refused;
      const installation = await deps.installations.findByExternalId('bitrix24', text(body.member_id));
      if (!installation || installation.status === 'deleted' || !installation.clientEndpoint) return unauthorized('Unknown portal');
      const checked = await frameCheck(installation, text(body.AUTH_ID), request.source);
      if (!checked.ok) return checked;
      let options: Record<string, unknown> = {};
      try {
        // Any JSON may come (null, a number, a list): only an object has an ID.
        const parsed: unknown = JSON.parse(text(body.PLACEMENT_OPTIONS) || '{}');
        options = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
      } catch {
        options = {};
      }
      const kind = CARDS[text(body.PLACEMENT)];
      const id = text(options.ID);
      return ok({ installation, card: kind && /^\d+$/.test(id) ? { kind, id } : null, lang: bitrix24Lang(query.LANG ?? body.LANG) });
    },
  };
}
