import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { KamError, fail, isKamError, ok, type Result } from '../../core/errors';
import type { CrmConnector, CrmPhase, CrmSession, CrmTraits } from '../../core/ports/crm-connector.port';
import type { Installation } from '../../core/ports/installation-store.port';
import type { Storage } from '../../core/ports/storage.port';
import type { Logger } from '../../logging/logger';
import { createWindowLimiter, type RateLimiter } from '../shared/rate-limiter';
import { createRequestMeter, type Phase, type RequestMeter } from '../shared/request-meter';
import { createTokenManager } from '../shared/token-manager';
import { createAmoClient, type AmoClient } from './amocrm-client';
import { isAccountBlocked } from './amocrm-errors';
import { DEFAULT_FIELD_MAP } from './amocrm-mapper';
import { accountBaseUrl, createAmoOAuth, type AmoOAuth } from './amocrm-oauth';
import { createAmoReader } from './amocrm-reader';
import { readAmoReference } from './amocrm-reference';
import { setupAmoAccount, type AmoSlot } from './amocrm-setup';
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
  /** The limiter's window, ms: a little over a second keeps us under amo's count despite latency. */
  windowMs?: number;
  timeoutMs?: number;
  /** Backoff base after a 429, ms. */
  backoffMs?: number;
}

export const SLOT_KEY = 'amocrm';

export const AMOCRM_TRAITS: CrmTraits = { kind: 'amocrm', defaultFieldMap: DEFAULT_FIELD_MAP, defaultCurrency: 'RUB' };

export interface AmoCrmConnector extends CrmConnector {
  /** Handles the OAuth redirect: exchanges `code` at the `referer` host and stores the installation. */
  install(input: { code: string; referer: string }): Promise<Result<Installation>>;
  oauth: AmoOAuth;
  settings: Readonly<AmoSettings>;
}

interface SessionParts {
  client: AmoClient;
  meter: RequestMeter;
  limiter: RateLimiter;
}

const meterPhase = (phase: CrmPhase): Phase => (phase === 'verify' ? 'other' : phase);

export function slotOf(installation: Installation): Partial<AmoSlot> {
  const slot = installation.settings[SLOT_KEY];
  return slot && typeof slot === 'object' ? (slot as Partial<AmoSlot>) : {};
}

export function createAmoCrmConnector(deps: { settings: AmoSettings; storage: Storage; logger: Logger; http?: AxiosInstance }): AmoCrmConnector {
  const { settings, storage } = deps;
  const httpClient = deps.http ?? axios.create({
    timeout: settings.timeoutMs ?? 30_000,
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 8 }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 8 }),
  });
  const oauth = createAmoOAuth({ http: httpClient, credentials: settings });
  const sessions = new Map<string, CrmSession>();
  // Meters outlive a rebuilt session (new tokens, reinstall), so counts stay whole.
  const meters = new Map<string, RequestMeter>();

  const parts = (installation: Installation): SessionParts => {
    if (!installation.clientEndpoint) throw new KamError('INPUT_INVALID', `Installation ${installation.id} has no amoCRM account URL`);
    const baseUrl = installation.clientEndpoint;
    const meter = meters.get(installation.id) ?? createRequestMeter();
    meters.set(installation.id, meter);
    const limiter = createWindowLimiter({ perSecond: settings.ratePerSecond, windowMs: settings.windowMs ?? 1050 });
    const logger = deps.logger.child({ installationId: installation.id, crm: 'amocrm' });
    const tokens = createTokenManager({ installationId: installation.id, installations: storage.installations, exchange: (refresh) => oauth.refresh(baseUrl, refresh), logger });
    const client = createAmoClient({ baseUrl, clientId: settings.clientId, http: httpClient, tokens, limiter, meter, logger, ...(settings.backoffMs ? { backoffMs: settings.backoffMs } : {}) });
    return { client, meter, limiter };
  };

  const createSession = (installation: Installation): CrmSession => {
    const { client, meter } = parts(installation);
    let slot = slotOf(installation);
    let blocked = false;
    const lang = installation.settings.lang === 'en' ? 'en' : 'ru';
    /** The 403 account block stops this installation at once, with a reason an admin can act on. */
    const guard = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        if (isAccountBlocked(error) && !blocked) {
          blocked = true;
          await storage.installations.setStatus(installation.id, 'blocked', 'amoCRM blocked API access to this account (too many requests); amoCRM support must lift the block');
          deps.logger.error('amoCRM account blocked; installation stopped', { installationId: installation.id });
        }
        throw error;
      }
    };
    const context = (fieldMap: Record<string, string>) => ({ fieldMap, currency: slot.currency ?? 'RUB', timezone: slot.timezone ?? 'Europe/Moscow' });
    const fullSlot = (): AmoSlot => {
      if (!slot.company) throw new KamError('CONFLICT', `Installation ${installation.id} is not set up on amoCRM yet`);
      return { contact: null, appUserId: null, timezone: 'Europe/Moscow', currency: 'RUB', webhook: null, ...slot } as AmoSlot;
    };
    return {
      setUp: (options) => guard(async () => {
        const fresh = await storage.installations.get(installation.id);
        let secret = fresh?.applicationToken ?? null;
        if (!secret) {
          secret = randomBytes(24).toString('base64url');
          await storage.installations.setApplicationToken(installation.id, secret);
        }
        const result = await setupAmoAccount({ client, installationId: installation.id, secret, options });
        slot = result.slot;
        return { slot: result.slot as unknown as Record<string, unknown>, created: result.created };
      }),
      readReference: () => guard(async () => {
        const reference = await readAmoReference(client);
        slot = { ...slot, currency: reference.baseCurrency, ...(reference.timezone ? { timezone: reference.timezone } : {}) };
        return reference;
      }),
      reader(options) {
        const reader = createAmoReader({ client, context: context(options.fieldMap) });
        return {
          readByIdsCapacity: reader.readByIdsCapacity,
          fullPages: (input) => guardGenerator(reader.fullPages(input), guard),
          changedPages: (input) => guardGenerator(reader.changedPages(input), guard),
          readByIds: (requests) => guard(() => reader.readByIds(requests)),
        };
      },
      writer() {
        const writer = createAmoWriter({ client, slot: fullSlot(), lang });
        return {
          writeFields: (writes) => guard(() => writer.writeFields(writes)),
          addComments: (writes) => guard(() => writer.addComments(writes)),
          findComments: (items) => guard(() => writer.findComments(items)),
          createTodos: (items) => guard(() => writer.createTodos(items)),
          findTodos: (items) => guard(() => writer.findTodos(items)),
          closeTodos: (items) => guard(() => writer.closeTodos(items)),
        };
      },
      requests: () => meter.snapshot(),
      inPhase: (phase, work) => meter.inPhase(meterPhase(phase), work),
    };
  };

  return {
    traits: AMOCRM_TRAITS,
    oauth,
    settings,
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
    async install(input) {
      const baseUrl = accountBaseUrl(input.referer, settings.accountHosts);
      if (!baseUrl) return fail(new KamError('FORBIDDEN', `The account host ${JSON.stringify(input.referer)} may not install this app`));
      if (!/^[A-Za-z0-9._~-]{8,2048}$/.test(input.code)) return fail(new KamError('INPUT_INVALID', 'The authorization code is malformed'));
      try {
        const tokens = await oauth.exchangeCode(baseUrl, input.code);
        const account = await oauth.account(baseUrl, tokens.accessToken);
        const existing = await storage.installations.findByExternalId('amocrm', account.id);
        const installation = await storage.installations.upsert({
          crm: 'amocrm',
          externalId: account.id,
          domain: new URL(baseUrl).host,
          clientEndpoint: baseUrl,
          serverEndpoint: null,
          tokens,
          status: 'active',
          // A reinstall keeps its webhook secret (the webhook URL at amo still carries it).
          ...(existing?.applicationToken ? {} : { applicationToken: randomBytes(24).toString('base64url') }),
        });
        sessions.delete(installation.id);
        deps.logger.info('amoCRM account installed', { installationId: installation.id, accountId: account.id });
        return ok(installation);
      } catch (error) {
        deps.logger.warn('amoCRM install failed', { error });
        return fail(isKamError(error) ? error : new KamError('INTERNAL', 'amoCRM install failed', { cause: error }));
      }
    },
  };
}

/** Wraps a page generator so its errors pass the account-block guard too. */
async function* guardGenerator<T, R>(source: AsyncGenerator<T, R>, guard: <V>(work: () => Promise<V>) => Promise<V>): AsyncGenerator<T, R> {
  for (;;) {
    const step = await guard(() => source.next());
    if (step.done) return step.value;
    yield step.value;
  }
}
