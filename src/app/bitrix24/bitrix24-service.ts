import { createHash } from 'node:crypto';
import { KamError, fail, ok, type Result } from '../../core/errors';
import type { Installation } from '../../core/ports/installation-store.port';
import type { Storage } from '../../core/ports/storage.port';
import type { Bitrix24Connector } from '../../connectors/bitrix24/bitrix24-connector';
import type { Bitrix24Event } from '../../connectors/bitrix24/bitrix24-event';
import { dirtyMarkOf } from '../../connectors/bitrix24/bitrix24-event';
import type { JobQueue } from '../../jobs/job-queue';
import type { Logger } from '../../logging/logger';
import { CONTACT_ACCOUNT_PREFIX } from '../../core/model/synced';
import { echoKey } from '../write-back';
import { readSettings } from './installation-settings';
import { portalEndpoint, secretsEqual } from './verify';
import { runBitrix24Cycle, setupInstallation, type CycleReport } from './bitrix24-cycle';

/**
 * The Bitrix24 side of the app: install (installer frame and ONAPPINSTALL), event intake,
 * frame-user checks for the card tab, and the sync -> evaluate -> write-back cycle.
 */
export interface Bitrix24ServiceDeps {
  storage: Storage;
  connector: Bitrix24Connector;
  queue: JobQueue;
  logger: Logger;
  publicUrl: string;
  portalHosts: RegExp;
  defaultLang: 'ru' | 'en';
  /** How long after an event the re-read starts, so a burst of events becomes one read. */
  eventDebounceMs?: number;
  /** false: events only mark entities dirty and install only sets up; the caller runs cycles (the demo). */
  autoSync?: boolean;
  onProgress?: (installationId: string, progress: { stream: string; rows: number; done: boolean }) => void;
}

export interface FrameInstallInput {
  domain: string;
  secure: boolean;
  memberId: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  applicationToken: string | null;
  lang: string | null;
}

/** Token check results: a positive time = accepted until then; a negative one = refused until then. */
const userCheckCache = new Map<string, number>();
const USER_CHECK_TTL_MS = 5 * 60_000;
const USER_CHECK_CACHE_MAX = 10_000;
const FAILED_CHECK_TTL_MS = 30_000;
/** At most this many uncached frame checks per portal in any 10 seconds. */
const FRAME_CHECKS_PER_WINDOW = 20;
const FRAME_CHECK_WINDOW_MS = 10_000;

/** Admits at most `limit` events per key in any window, refusing (not queueing) the rest. */
function createAdmission(limit: number, windowMs: number) {
  const seen = new Map<string, number[]>();
  return {
    admit(key: string): boolean {
      const now = Date.now();
      const recent = (seen.get(key) ?? []).filter((at) => at > now - windowMs);
      if (recent.length >= limit) {
        seen.set(key, recent);
        return false;
      }
      recent.push(now);
      seen.set(key, recent);
      return true;
    },
  };
}
const frameChecks = createAdmission(FRAME_CHECKS_PER_WINDOW, FRAME_CHECK_WINDOW_MS);
const ECHO_WINDOW_MS = 5 * 60_000;

export function createBitrix24Service(deps: Bitrix24ServiceDeps) {
  const { storage, connector, logger } = deps;

  let autoSync = deps.autoSync ?? true;
  /** What a cycle needs, for one installation (progress reported under its id). */
  const cycleDeps = (installationId: string) => ({
    storage: deps.storage,
    connector: deps.connector,
    logger: deps.logger,
    publicUrl: deps.publicUrl,
    defaultLang: deps.defaultLang,
    installationId,
    ...(deps.onProgress ? { onProgress: (progress: { stream: string; rows: number; done: boolean }) => deps.onProgress?.(installationId, progress) } : {}),
  });
  const scheduleIncremental = (installationId: string) =>
    autoSync &&
    deps.queue.enqueue(`sync:${installationId}`, async () => {
      await runBitrix24Cycle({ ...cycleDeps(installationId), mode: 'incremental' });
    }, deps.eventDebounceMs ?? 2000);

  /** Stores the installation with verified tokens, sets the portal up, then syncs in the background. */
  const install = async (input: FrameInstallInput): Promise<Result<Installation>> => {
    const endpoint = portalEndpoint(input.domain, input.secure, deps.portalHosts);
    if (!endpoint) return fail(new KamError('FORBIDDEN', `Portal host ${JSON.stringify(input.domain)} may not install this app`));
    const existing = await storage.installations.findByExternalId('bitrix24', input.memberId);
    // A member_id stays bound to its portal, deleted or not: its kept data is that portal's.
    if (existing && existing.domain !== input.domain.toLowerCase()) {
      return fail(new KamError('FORBIDDEN', 'This member_id belongs to another portal'));
    }
    try {
      // The portal itself must vouch for the token, and only an administrator installs apps
      // (any user's frame carries a token: a user must not be able to re-install over us).
      const admin = await connector.callWithToken<boolean>(endpoint, 'user.admin', input.accessToken);
      if (admin !== true) return fail(new KamError('FORBIDDEN', 'Only a portal administrator can install KAM Pilot'));
    } catch (error) {
      return fail(new KamError('UNAUTHORIZED', 'The portal did not accept the install token', { cause: error }));
    }
    // The application token belongs to the portal's install and update events; once we hold one,
    // a frame does not replace it (ONAPPUPDATE does, after its own check).
    const keepToken = existing?.applicationToken && existing.status !== 'deleted';
    const installation = await storage.installations.upsert({
      crm: 'bitrix24',
      externalId: input.memberId,
      domain: input.domain.toLowerCase(),
      clientEndpoint: endpoint,
      serverEndpoint: null,
      ...(input.applicationToken && !keepToken ? { applicationToken: input.applicationToken } : {}),
      tokens: { accessToken: input.accessToken, refreshToken: input.refreshToken, expiresAt: new Date(Date.now() + input.expiresIn * 1000).toISOString() },
      status: 'active',
      // Settings are the admin's: a reinstall or a late ONAPPINSTALL never resets them.
      ...(existing ? {} : { settings: { lang: input.lang === 'en' ? 'en' : input.lang === 'ru' ? 'ru' : deps.defaultLang } }),
    });
    if (existing?.status === 'blocked' || existing?.status === 'deleted') await storage.installations.setStatus(installation.id, 'active', null);
    if (existing?.clientEndpoint !== endpoint || existing.status !== 'active') connector.forget(installation.id);
    logger.info('Bitrix24 installation stored', { installationId: installation.id, domain: installation.domain });
    return ok(installation);
  };

  /**
   * Our tier/score write comes back as ONCRMCOMPANYUPDATE by the user our token acts as. Such an
   * event within ECHO_WINDOW_MS of our write to that company carries nothing new: skip the re-read.
   * Any other user's change, or a change long after our write, is read as usual.
   */
  const isEcho = async (installation: Installation, event: Bitrix24Event, mark: { kind: string; crmId: string; action: string }) => {
    if ((mark.kind !== 'company' && mark.kind !== 'contact') || mark.action !== 'upsert') return false;
    const appUserId = readSettings(installation, deps.defaultLang).bitrix24?.appUserId;
    if (!appUserId || event.auth.user_id !== appUserId) return false;
    const key = echoKey(mark.kind === 'contact' ? `${CONTACT_ACCOUNT_PREFIX}${mark.crmId}` : mark.crmId);
    const writtenAt = (await storage.writeState.getMany(installation.id, [key])).get(key);
    return typeof writtenAt === 'string' && Date.now() - Date.parse(writtenAt) < ECHO_WINDOW_MS;
  };

  return {
    install,

    /** Setup (idempotent) right away, the first full cycle in the background. */
    async installAndSetUp(input: FrameInstallInput): Promise<Result<Installation>> {
      const stored = await install(input);
      if (!stored.ok) return stored;
      await setupInstallation(cycleDeps(stored.value.id));
      if (autoSync) {
        deps.queue.enqueue(`sync:${stored.value.id}`, async () => {
          await runBitrix24Cycle({ ...cycleDeps(stored.value.id), mode: 'full' });
        });
      }
      return stored;
    },

    /** Edge check of an event: known portal and matching application token, or a verifiable install. */
    async verifyEvent(event: Bitrix24Event): Promise<Result<Installation | null>> {
      const installation = await storage.installations.findByExternalId('bitrix24', event.auth.member_id);
      if (installation?.applicationToken) {
        if (secretsEqual(installation.applicationToken, event.auth.application_token) && installation.status !== 'deleted') return ok(installation);
        if (event.event === 'ONAPPINSTALL' && installation.status === 'deleted') return ok(null);
        // An update brings a NEW application token: it is proven by its access token working on
        // the portal we already know (our stored endpoint, never one from the request).
        if (event.event === 'ONAPPUPDATE' && installation.status !== 'deleted' && event.auth.access_token && installation.clientEndpoint) {
          try {
            await connector.callWithToken(installation.clientEndpoint, 'app.info', event.auth.access_token);
            return ok(installation);
          } catch {
            return fail(new KamError('UNAUTHORIZED', 'The portal did not accept the update token'));
          }
        }
        return fail(new KamError('UNAUTHORIZED', 'Unknown portal or wrong application token'));
      }
      if (event.event === 'ONAPPINSTALL' && event.auth.access_token) return ok(installation);
      return fail(new KamError('UNAUTHORIZED', 'Unknown portal or wrong application token'));
    },

    /** Runs after the 2xx went out: events are never retried by Bitrix24, so nothing here may throw away work. */
    async handleEvent(event: Bitrix24Event, installation: Installation | null): Promise<void> {
      if (event.event === 'ONAPPINSTALL') {
        const auth = event.auth;
        const client = auth.client_endpoint ? new URL(auth.client_endpoint) : null;
        const result = await install({
          domain: auth.domain ?? client?.host ?? '',
          secure: client ? client.protocol === 'https:' : true,
          memberId: auth.member_id,
          accessToken: auth.access_token ?? '',
          refreshToken: auth.refresh_token ?? '',
          expiresIn: auth.expires_in ?? 3600,
          applicationToken: auth.application_token,
          lang: typeof event.data.LANGUAGE_ID === 'string' ? event.data.LANGUAGE_ID : null,
        });
        if (!result.ok) logger.warn('ONAPPINSTALL refused', { reason: result.error.message, memberId: auth.member_id });
        else if (!installation) await setupInstallation(cycleDeps(result.value.id));
        return;
      }
      if (!installation) return;
      if (event.event === 'ONAPPUPDATE') {
        await storage.installations.setApplicationToken(installation.id, event.auth.application_token);
        // Bitrix24 drops handlers and placements on update: bind them again.
        deps.queue.enqueue(`setup:${installation.id}`, () => setupInstallation(cycleDeps(installation.id)).then(() => undefined));
        return;
      }
      if (event.event === 'ONAPPUNINSTALL') {
        const clean = String(event.data.CLEAN ?? '0') === '1';
        connector.forget(installation.id);
        if (clean) await storage.installations.purge(installation.id);
        else await storage.installations.setStatus(installation.id, 'deleted', 'uninstalled from the portal');
        logger.info('Bitrix24 app uninstalled', { installationId: installation.id, purged: clean });
        return;
      }
      const mark = dirtyMarkOf(event);
      if (mark instanceof KamError) throw mark;
      if (!mark) return;
      if (await isEcho(installation, event, mark)) return;
      await storage.syncState.markDirty(installation.id, [mark]);
      scheduleIncremental(installation.id);
    },

    /** The card tab's caller: a known portal and a user token that portal accepts (asked at our stored endpoint). */
    async verifyFrameUser(memberId: string, accessToken: string): Promise<Result<Installation>> {
      const installation = await storage.installations.findByExternalId('bitrix24', memberId);
      if (!installation || installation.status === 'deleted' || !installation.clientEndpoint) {
        return fail(new KamError('UNAUTHORIZED', 'Unknown portal'));
      }
      const cacheKey = createHash('sha256').update(`${installation.id}:${accessToken}`).digest('hex');
      const checked = userCheckCache.get(cacheKey);
      if (checked && checked > Date.now()) return ok(installation);
      if (checked && checked < 0 && -checked > Date.now()) return fail(new KamError('UNAUTHORIZED', 'The portal did not accept the frame token'));
      // Uncached checks spend the portal's own rate limit: a few a second per portal, no more.
      if (!frameChecks.admit(installation.id)) return fail(new KamError('RATE_LIMITED', 'Too many card-tab checks for this portal; try again in a moment'));
      try {
        const portal = connector.portal(installation);
        await connector.callWithToken(installation.clientEndpoint, 'user.current', accessToken, portal.limiter, portal.meter);
      } catch (error) {
        // Remembered briefly, so a flood of bad tokens costs the portal nothing more.
        userCheckCache.set(cacheKey, -(Date.now() + FAILED_CHECK_TTL_MS));
        return fail(new KamError('UNAUTHORIZED', 'The portal did not accept the frame token', { cause: error }));
      }
      if (userCheckCache.size >= USER_CHECK_CACHE_MAX) {
        const now = Date.now();
        for (const [key, until] of userCheckCache) if (Math.abs(until) <= now) userCheckCache.delete(key);
        if (userCheckCache.size >= USER_CHECK_CACHE_MAX) userCheckCache.clear();
      }
      userCheckCache.set(cacheKey, Date.now() + USER_CHECK_TTL_MS);
      return ok(installation);
    },

    /** Idempotent portal setup (fields, card tabs, events); what it had to create is in `created`. */
    setUp(installationId: string) {
      return setupInstallation(cycleDeps(installationId));
    },

    runCycle(installationId: string, mode: 'full' | 'incremental', options: { asOf?: string } = {}): Promise<CycleReport> {
      return runBitrix24Cycle({ ...cycleDeps(installationId), mode, ...options });
    },

    /** From now on events and installs start sync cycles themselves (the demo, once its passes are done). */
    enableAutoSync() {
      autoSync = true;
    },

    /** Every CRM request this process made for the installation so far (by phase and method). */
    async requestCounts(installationId: string) {
      const installation = await storage.installations.get(installationId);
      return installation ? connector.portal(installation).meter.snapshot() : null;
    },

    settingsOf(installation: Installation) {
      return readSettings(installation, deps.defaultLang);
    },
  };
}

export type Bitrix24Service = ReturnType<typeof createBitrix24Service>;
