import { createHmac, randomBytes } from 'node:crypto';
import { KamError, fail, ok, type Result } from '../../core/errors';
import { invalidField, queryFields } from '../../core/query-field';
import type { Lang } from '../../core/i18n/format-values';
import type { EntityKind } from '../../core/model/synced';
import type { CrmInbound, InboundRequest, InstallRequest, VerifiedInbound, WidgetRequest } from '../../core/ports/crm-connector.port';
import type { Installation, InstallationStore } from '../../core/ports/installation-store.port';
import type { RateBucketStore } from '../../core/ports/rate-bucket-store.port';
import type { Logger } from '../../logging/logger';
import { secretsEqual, verifyDisconnect, verifyWebhook, verifyWidgetToken, webhookByApp } from './amocrm-inbound';
import { accountBaseUrl, type AmoCredentials, type AmoOAuth } from './amocrm-oauth';
import type { AmoSlot } from './amocrm-setup';
import { createExchangeBudget } from './amocrm-exchange-budget';

/**
 * amoCRM's inbound edge, run before any handler; every answer is a result, never a throw.
 * - Install: the OAuth redirect (`code`, `referer`, optional `state`, `from_widget`;
 *   https://developers.kommo.com/docs/authorization-public). The code is exchanged once at the
 *   referer host, only if it is on the allow-list; the account id comes from GET /api/v4/account.
 *   A `state` must be one we issued (HMAC-signed, an hour at most); an install started in amo's
 *   own UI carries none. A fresh webhook secret is sealed in the installation's application token.
 * - Events: the disconnect hook (signed) and webhooks (secret in the URL path, which the HTTP
 *   edge passes as `query.installationId` / `query.secret`).
 * - Widget: the disposable token in `X-Auth-Token`; the card from `query.entity` / `query.id`
 *   (malformed: INPUT_INVALID once the token is proven).
 */
const STATE_TTL_MS = 60 * 60 * 1000;

const text = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) ? String(value[0] ?? '') : typeof value === 'number' ? String(value) : '');
const unauthorized = (message: string) => fail(new KamError('UNAUTHORIZED', message));

/** A `state` for the grant window (our own install button): nonce, time and their HMAC. */
export function issueInstallState(clientSecret: string, nowMs = Date.now()): string {
  const payload = `${randomBytes(12).toString('base64url')}.${nowMs.toString(36)}`;
  return `${payload}.${createHmac('sha256', clientSecret).update(payload).digest('base64url')}`;
}

export function checkInstallState(state: string, clientSecret: string, nowMs = Date.now()): boolean {
  const [nonce, time, mac] = state.split('.');
  if (!nonce || !time || !mac) return false;
  const expected = createHmac('sha256', clientSecret).update(`${nonce}.${time}`).digest('base64url');
  const age = nowMs - parseInt(time, 36);
  return secretsEqual(mac, expected) && age >= 0 && age <= STATE_TTL_MS;
}

/** amocrm.ru accounts speak Russian, Kommo ones English, until the admin says otherwise. */
export function langOfHost(host: string): Lang | null {
  if (/\.amocrm\.ru(:\d+)?$/i.test(host)) return 'ru';
  if (/\.(kommo|amocrm)\.com(:\d+)?$/i.test(host)) return 'en';
  return null;
}

const CARD_KINDS: Record<string, EntityKind> = { leads: 'deal', lead: 'deal', contacts: 'contact', contact: 'contact', companies: 'company', company: 'company' };

/**
 * The card and language a widget call names, as our widget's script sends them (`entity`, `id`,
 * `lang`, manifest/amocrm/script.js): each once, as text; an entity we know and a positive id, or
 * neither (a call outside a card). Anything else is INPUT_INVALID naming the field, as the
 * Bitrix24 card tab's API answers it, never "no card" (issue 9, security 5).
 */
function widgetQuery(query: Record<string, unknown>): Result<Pick<WidgetRequest, 'card' | 'lang'>> {
  const fields = queryFields(query, ['entity', 'id', 'lang']);
  if (!fields.ok) return fields;
  const { entity, id, lang } = fields.value;
  const kind = CARD_KINDS[entity.toLowerCase()];
  if (entity !== '' && !kind) return fail(invalidField('entity', 'entity must be leads, contacts or companies'));
  if (id !== '' && !/^[1-9]\d{0,18}$/.test(id)) return fail(invalidField('id', 'id must be a numeric id'));
  if (Boolean(kind) !== (id !== '')) return fail(invalidField(kind ? 'id' : 'entity', 'entity and id name the card together'));
  return ok({ card: kind ? { kind, id } : null, lang: lang === 'ru' || lang === 'en' ? lang : null });
}

export interface AmoInboundDeps {
  installations: Pick<InstallationStore, 'get' | 'findByExternalId' | 'findVerified'>;
  credentials: AmoCredentials;
  accountHosts: RegExp;
  oauth: AmoOAuth;
  logger: Logger;
  /** The install path's OAuth exchange budgets, shared by every process (amocrm-exchange-budget.ts). */
  rateBuckets: RateBucketStore;
  /** Epoch ms for those budgets (tests drive refills by hand). */
  now?: () => number;
}

export function createAmoInbound(deps: AmoInboundDeps): CrmInbound {
  const { credentials } = deps;
  const admitExchange = createExchangeBudget(deps.rateBuckets, deps.now);
  return {
    async verifyInstall(request: InboundRequest): Promise<Result<InstallRequest>> {
      const code = text(request.query.code);
      const referer = text(request.query.referer);
      const state = text(request.query.state);
      if (!/^[A-Za-z0-9._~-]{8,4096}$/.test(code) || referer === '') return fail(new KamError('INPUT_INVALID', 'The amoCRM redirect needs `code` and `referer`'));
      if (state !== '' && !checkInstallState(state, credentials.clientSecret)) return unauthorized('The install `state` is not one we issued, or it expired');
      const baseUrl = accountBaseUrl(referer, deps.accountHosts);
      if (!baseUrl) return fail(new KamError('FORBIDDEN', `The account host ${JSON.stringify(referer)} may not install this app`));
      // Only a well-formed redirect for an allowed host spends the budget; a refused one asks amo nothing.
      if (!(await admitExchange({ source: request.source, fromWidget: request.query.from_widget !== undefined }))) {
        return fail(new KamError('RATE_LIMITED', 'Too many amoCRM install attempts; try again in a minute'));
      }
      try {
        // The code works once and for 20 minutes: exchanged here and nowhere else.
        const tokens = await deps.oauth.exchangeCode(baseUrl, code);
        const account = await deps.oauth.account(baseUrl, tokens.accessToken);
        const existing = await deps.installations.findByExternalId('amocrm', account.id);
        // A reinstall keeps its webhook secret: the destination registered at amo carries it.
        const keepSecret = Boolean(existing?.applicationToken) && existing?.status !== 'deleted';
        const host = new URL(baseUrl).host;
        return ok({
          lang: langOfHost(host),
          input: {
            crm: 'amocrm', externalId: account.id, domain: host, clientEndpoint: baseUrl, serverEndpoint: null, tokens,
            ...(keepSecret ? {} : { applicationToken: randomBytes(24).toString('base64url') }),
          },
        });
      } catch (error) {
        deps.logger.warn('amoCRM install refused', { error });
        return fail(new KamError('UNAUTHORIZED', 'amoCRM did not accept the authorization code', { cause: error }));
      }
    },

    async verifyEvent(request: InboundRequest): Promise<Result<VerifiedInbound>> {
      const { query } = request;
      // `account_id[]=` arrives as a key of its own (Express's simple query parser): still the disconnect hook's.
      if (Object.keys(query).some((key) => /^(account_id|signature)(\[|$)/.test(key))) {
        const disconnect = verifyDisconnect(query, credentials);
        if (!disconnect.ok) return disconnect;
        const installation = await deps.installations.findByExternalId('amocrm', disconnect.value.accountId);
        if (!installation || installation.status === 'deleted') return ok({ installation: null, effects: [{ type: 'ignored', reason: 'disconnect of an account we do not know' }] });
        return ok({ installation, effects: [{ type: 'uninstalled', purge: false }] });
      }
      const installationId = text(query.installationId);
      const secret = text(query.secret);
      // A copy of the installation held for seconds may accept; one that would refuse is read again.
      const seen: { result?: ReturnType<typeof verifyWebhook> } = {};
      const accepts = (installation: Installation) => (seen.result = verifyWebhook({ installation, secret, form: request.body })).ok;
      const installation = /^[A-Za-z0-9-]{1,64}$/.test(installationId) ? await deps.installations.findVerified({ id: installationId }, accepts) : null;
      const verified = seen.result?.ok && seen.result.value.installation === installation ? seen.result : verifyWebhook({ installation, secret, form: request.body });
      if (!verified.ok) return verified;
      const { marks } = verified.value;
      const appUserId = (verified.value.installation.settings.amocrm as Partial<AmoSlot> | undefined)?.appUserId ?? null;
      return ok({
        installation: verified.value.installation,
        effects: marks.length > 0 ? [{ type: 'dirty', marks, byApp: webhookByApp(request.body, appUserId) }] : [{ type: 'ignored', reason: 'a webhook with nothing we read' }],
      });
    },

    async verifyWidget(request: InboundRequest): Promise<Result<WidgetRequest>> {
      const header = request.headers['x-auth-token'];
      const token = Array.isArray(header) ? header[0] ?? '' : header ?? '';
      const identity = await verifyWidgetToken(token, {
        clientSecret: credentials.clientSecret,
        redirectUri: credentials.redirectUri,
        findInstallation: (accountId) => deps.installations.findByExternalId('amocrm', accountId),
      });
      if (!identity.ok) return identity;
      const installation = await deps.installations.get(identity.value.installationId);
      if (!installation) return unauthorized('KAM Pilot is not installed on this account');
      // Judged once the caller is proven, as the webhook's form: a stranger learns nothing from it.
      const asked = widgetQuery(request.query);
      if (!asked.ok) return asked;
      return ok({ installation, ...asked.value, user: { id: identity.value.userId, isAdmin: identity.value.isAdmin } });
    },
  };
}
