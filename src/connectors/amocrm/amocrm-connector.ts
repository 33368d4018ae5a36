import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { KamError } from '../../core/errors';
import { AMOCRM_LINKS } from './amocrm-links';
import type { CrmConnector, CrmSession, CrmSlot, CrmTraits } from '../../core/ports/crm-connector.port';
import type { Installation } from '../../core/ports/installation-store.port';
import type { Storage } from '../../core/ports/storage.port';
import type { Logger } from '../../logging/logger';
import { createWindowLimiter, type RateLimiter } from '../shared/rate-limiter';
import { createRequestMeter, type RequestMeter } from '../shared/request-meter';
import { createTokenManager } from '../shared/token-manager';
import { createAmoClient } from './amocrm-client';
import { createAmoInbound, issueInstallState } from './amocrm-edge';
import { DEFAULT_FIELD_MAP } from './amocrm-mapper';
import { createAmoOAuth, type AmoOAuth } from './amocrm-oauth';
import { createAmoReader } from './amocrm-reader';
import { readAmoReference, readUserIds } from './amocrm-reference';
import { isAmoSetUp, setupAmoAccount, type AmoSlot } from './amocrm-setup';
import { createAmoWriter } from './amocrm-writer';

/**
 * The amoCRM connector: one session per installation in this process, each with its own
 * client, window limiter (7 requests a second per integration), token manager and meter.
 * Install = the OAuth redirect: the code is exchanged once at the account host amo named
 * (checked against the allow-list), the account id read from GET /api/v4/account, tokens and
 * a fresh webhook secret stored sealed. docs/amocrm.md tells the whole story.
 */
export interface AmoSettings {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  ratePerSecond: number;
  accountHosts: RegExp;
  /** The limiter's window, ms (amo counts per second; a slot is held until a window after the answer). */
  windowMs?: number;
  timeoutMs?: number;
  /** Backoff base after a 429, ms. */
  backoffMs?: number;
}

export const SLOT_KEY = 'amocrm';
const USERS_TTL_MS = 60 * 60 * 1000;

export const AMOCRM_TRAITS: CrmTraits = { kind: 'amocrm', defaultFieldMap: DEFAULT_FIELD_MAP, defaultCurrency: 'RUB' };

export interface AmoCrmConnector extends CrmConnector {
  oauth: AmoOAuth;
  /**
   * The grant window of our own install button, with a fresh signed `state` the redirect must
   * bring back (amoCRM's, or Kommo's, which is a separate platform).
   */
  grantUrl(platform: 'amocrm' | 'kommo'): string;
}

const GRANT_HOSTS = { amocrm: 'https://www.amocrm.ru/oauth', kommo: 'https://www.kommo.com/oauth' } as const;

const asSlot = (slot: CrmSlot | null | undefined): Partial<AmoSlot> => (slot && typeof slot === 'object' ? (slot as Partial<AmoSlot>) : {});

export function slotOf(installation: Installation): Partial<AmoSlot> {
  return asSlot(installation.settings[SLOT_KEY] as CrmSlot | undefined);
}

function fullSlot(slot: Partial<AmoSlot>): AmoSlot {
  if (!slot.company) throw new KamError('CONFLICT', 'The amoCRM account is not set up yet (no tier field)');
  return { contact: null, appUserId: null, timezone: 'Europe/Moscow', currency: 'RUB', webhook: null, ...slot, company: slot.company };
}

export function createAmoCrmConnector(deps: { settings: AmoSettings; storage: Storage; logger: Logger; http?: AxiosInstance }): AmoCrmConnector {
  const { settings, storage } = deps;
  const httpClient = deps.http ?? axios.create({
    timeout: settings.timeoutMs ?? 30_000,
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 8 }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 8 }),
  });
  // One limiter per account (base URL): the install's account call and the session share it.
  const limiters = new Map<string, RateLimiter>();
  const limiterFor = (baseUrl: string): RateLimiter => {
    const existing = limiters.get(baseUrl);
    if (existing) return existing;
    const limiter = createWindowLimiter({ perSecond: settings.ratePerSecond, windowMs: settings.windowMs ?? 1000, countFromAnswer: true });
    limiters.set(baseUrl, limiter);
    return limiter;
  };
  const oauth = createAmoOAuth({ http: httpClient, credentials: settings, beforeApiCall: (baseUrl) => limiterFor(baseUrl).acquire(), afterApiCall: (baseUrl) => limiterFor(baseUrl).answered?.() });
  const sessions = new Map<string, CrmSession>();
  // Meters outlive a rebuilt session (new tokens, reinstall), so counts stay whole.
  const meters = new Map<string, RequestMeter>();

  const createSession = (installation: Installation): CrmSession => {
    if (!installation.clientEndpoint) throw new KamError('INPUT_INVALID', `Installation ${installation.id} has no amoCRM account URL`);
    const baseUrl = installation.clientEndpoint;
    const meter = meters.get(installation.id) ?? createRequestMeter();
    meters.set(installation.id, meter);
    const limiter = limiterFor(baseUrl);
    const logger = deps.logger.child({ installationId: installation.id, crm: 'amocrm' });
    const tokens = createTokenManager({ installationId: installation.id, installations: storage.installations, exchange: (refresh) => oauth.refresh(baseUrl, refresh), logger });
    const client = createAmoClient({ baseUrl, clientId: settings.clientId, http: httpClient, tokens, limiter, meter, logger, ...(settings.backoffMs ? { backoffMs: settings.backoffMs } : {}) });
    const lang = installation.settings.lang === 'en' ? 'en' : 'ru';
    // The account's users, for the reconcile's "changed by anyone but us" filter; an hour is fresh
    // enough (a brand-new user's edits still arrive by webhook).
    let users: { at: number; ids: string[] } | null = null;
    const userIds = async (): Promise<string[]> => {
      if (!users || Date.now() - users.at > USERS_TTL_MS) users = { at: Date.now(), ids: await readUserIds(client) };
      return users.ids;
    };
    return {
      setUp: async (options) => {
        const fresh = await storage.installations.get(installation.id);
        let secret = fresh?.applicationToken ?? null;
        if (!secret) {
          secret = randomBytes(24).toString('base64url');
          await storage.installations.setApplicationToken(installation.id, secret);
        }
        const result = await setupAmoAccount({ client, installationId: installation.id, secret, options });
        return { slot: result.slot as unknown as CrmSlot, created: result.created };
      },
      async readReference() {
        const reference = await readAmoReference(client);
        users = { at: Date.now(), ids: reference.users.map((user) => user.id) };
        return reference;
      },
      reader(options) {
        const slot = asSlot(options.slot);
        return createAmoReader({
          client,
          context: { fieldMap: options.fieldMap, currency: slot.currency ?? 'RUB', timezone: slot.timezone ?? 'Europe/Moscow' },
          appUserId: slot.appUserId ?? null,
          writtenKinds: options.writtenKinds,
          userIds,
        });
      },
      writer: (slot) => createAmoWriter({ client, slot: fullSlot(asSlot(slot)), lang }),
      requests: () => meter.snapshot(),
      watchRequests: (listener) => meter.watch(listener),
      inPhase: (phase, work) => meter.inPhase(phase, work),
    };
  };

  return {
    traits: AMOCRM_TRAITS,
    links: AMOCRM_LINKS,
    oauth,
    inbound: createAmoInbound({ installations: storage.installations, credentials: settings, accountHosts: settings.accountHosts, oauth, logger: deps.logger, rateBuckets: storage.rateBuckets }),
    isSetUp: (slot, options) => isAmoSetUp(asSlot(slot), options),
    grantUrl(platform) {
      const url = new URL(GRANT_HOSTS[platform]);
      url.search = new URLSearchParams({ client_id: settings.clientId, state: issueInstallState(settings.clientSecret), mode: 'post_message' }).toString();
      return url.toString();
    },
    session(installation) {
      const existing = sessions.get(installation.id);
      if (existing) return existing;
      const session = createSession(installation);
      sessions.set(installation.id, session);
      return session;
    },
    forget(installationId) {
      sessions.delete(installationId);
    },
  };
}
