import { isKamError } from '../core/errors';
import type { InstallRequest, RequestCounts, VerifiedInbound } from '../core/ports/crm-connector.port';
import type { Installation } from '../core/ports/installation-store.port';
import type { JobQueue } from '../jobs/job-queue';
import { getAccountView, type AccountView, type AccountViewRequest } from './account-view';
import { connectorFor, type AppContext } from './cycle/cycle-context';
import { runCycle, type CycleOptions } from './cycle/run-cycle';
import { setUpInstallation } from './cycle/set-up-installation';
import { createInboundIntake } from './inbound/apply-inbound';
import { createPassScheduler } from './inbound/pass-scheduler';
import { createInstallationLifecycle } from './installation/installation-lifecycle';
import { readSettings } from './installation-settings';

/**
 * The app as every CRM's edge sees it: install, event intake, the sync -> evaluate -> write-back
 * cycle, the account view. It knows CRMs only through the connectors in the registry.
 */
export interface CrmAppDeps extends AppContext {
  queue: JobQueue;
  /** How long after an event the re-read starts, so a burst of events becomes one read. */
  eventDebounceMs?: number;
  /** false: events only mark entities dirty and install only sets up; the caller runs cycles (the demo). */
  autoSync?: boolean;
  onProgress?: (installationId: string, progress: { stream: string; rows: number; done: boolean }) => void;
  /** First pause before a failed setup is tried again (doubling each time); default 1 s. */
  setupRetryMs?: number;
}

const SETUP_ATTEMPTS = 4;
const SETUP_RETRY_MS = 1000;
/** Event-driven passes of one installation start at least this far apart (pass-scheduler.ts). */
const MIN_PASS_SPACING_MS = 5_000;

export function createCrmApp(deps: CrmAppDeps) {
  const { storage, queue, logger } = deps;
  const lifecycle = createInstallationLifecycle(storage.installations);
  let autoSync = deps.autoSync ?? true;

  const cycle = async (installationId: string, mode: 'full' | 'incremental', options: Pick<CycleOptions, 'asOf' | 'onPhase' | 'onRequests'> = {}) => {
    try {
      return await runCycle(deps, installationId, {
        mode,
        ...options,
        ...(deps.onProgress ? { onProgress: (progress: { stream: string; rows: number; done: boolean }) => deps.onProgress?.(installationId, progress) } : {}),
      });
    } catch (error) {
      // A connector says the CRM shut this installation out (amoCRM's 403 account block): stop it, with its reason.
      if (isKamError(error) && error.details.blockInstallation === true) {
        const reason = typeof error.details.blockReason === 'string' ? error.details.blockReason : error.message;
        await lifecycle.markBlocked(installationId, reason).catch((blockError: unknown) => logger.warn('could not mark the installation blocked', { installationId, error: blockError }));
        logger.error('installation blocked by its CRM', { installationId, reason });
      }
      throw error;
    }
  };
  const setUp = (installationId: string) => setUpInstallation(deps, installationId);
  // A cycle is a named job: whichever process works jobs runs it (a worker on PostgreSQL, this one
  // on SQLite), one per installation at a time; here, in a web process, it is only sent.
  const sendCycle = (installationId: string, mode: 'full' | 'incremental') => queue.send('cycle', { installationId, mode });
  const scheduleCycle = (installationId: string, mode: 'full' | 'incremental', delayMs = 0) => {
    if (!autoSync) return;
    queue.enqueue(`sync:${installationId}`, () => sendCycle(installationId, mode), delayMs);
  };
  const passes = createPassScheduler({
    queue,
    run: (installationId) => sendCycle(installationId, 'incremental'),
    debounceMs: deps.eventDebounceMs ?? 2000,
    minSpacingMs: MIN_PASS_SPACING_MS,
  });
  const scheduleIncremental = (installationId: string) => {
    if (autoSync) passes.schedule(installationId);
  };

  /** Stores a verified install (New -> Active), dropping a session bound to an old endpoint or old tokens. */
  const store = async (input: InstallRequest['input']): Promise<Installation> => {
    const { installation, previous } = await lifecycle.install(input, deps.defaultLang);
    if (previous?.clientEndpoint !== installation.clientEndpoint || previous.status !== 'active') connectorFor(deps.connectors, installation).forget(installation.id);
    logger.info('installation stored', { installationId: installation.id, crm: installation.crm, domain: installation.domain });
    return installation;
  };

  /**
   * Setup as a job: the installer is answered once the installation is stored and verified (a
   * portal waits about 10 s for its installer frame), and setup, idempotent, is tried again on
   * failure (a hung request, an expired token) with growing pauses; its state shows on the
   * installer page through the progress stream 'setup'. The first full pass follows it.
   */
  // Setups of one installation coalesce under one key (the installer frame, ONAPPINSTALL and
  // ONAPPUPDATE may all ask at once), so "a first full pass follows" is kept here, not in the
  // work that a later request replaces: the scale bench saw installs that never got their pass.
  const syncAfterSetUp = new Set<string>();
  const followWithFullPass = (installationId: string) => {
    if (syncAfterSetUp.delete(installationId)) scheduleCycle(installationId, 'full');
  };
  const setUpInBackground = (installationId: string, thenSync: boolean) => {
    if (thenSync) syncAfterSetUp.add(installationId);
    queue.enqueue(`setup:${installationId}`, async () => {
      for (let attempt = 1; ; attempt += 1) {
        deps.onProgress?.(installationId, { stream: 'setup', rows: attempt, done: false });
        try {
          await setUp(installationId);
          deps.onProgress?.(installationId, { stream: 'setup', rows: attempt, done: true });
          followWithFullPass(installationId);
          return;
        } catch (error) {
          if (attempt >= SETUP_ATTEMPTS) {
            // The cycle job sets up first when it must, and the queue retries it with backoff.
            logger.error('CRM setup failed; the first pass (a job with retries) sets up again', { installationId, attempts: attempt, error });
            followWithFullPass(installationId);
            return;
          }
          logger.warn('CRM setup failed; trying again', { installationId, attempt, error });
          await new Promise((resolve) => setTimeout(resolve, (deps.setupRetryMs ?? SETUP_RETRY_MS) * 2 ** (attempt - 1)));
        }
      }
    });
  };

  const intake = createInboundIntake(deps, lifecycle, {
    async install(effect) {
      const installation = await store(effect.input);
      // An install the CRM announced with no installer frame before it (the frame was refused or
      // timed out) is set up here, and its first full pass follows, as after the installer's.
      if (effect.setUp) setUpInBackground(installation.id, true);
      return installation;
    },
    scheduleSetUp: (installationId) => setUpInBackground(installationId, false),
    scheduleIncremental,
    forget: (installation) => connectorFor(deps.connectors, installation).forget(installation.id),
  });

  return {
    lifecycle,

    /** An install the CRM vouched for: stored now; setup (idempotent, retried) and then the first full cycle as jobs. */
    async install(request: InstallRequest): Promise<Installation> {
      const installation = await store({ ...request.input, settings: { lang: request.lang } });
      setUpInBackground(installation.id, true);
      return installation;
    },

    /** Stores a verified event's dirty marks: call it BEFORE answering the CRM. */
    recordInbound: (verified: VerifiedInbound) => intake.record(verified),

    /** Applies a verified event's effects (after the 2xx went out). */
    applyInbound: (verified: VerifiedInbound) => intake.apply(verified),

    /** Idempotent CRM setup; what it had to create is in `created`. */
    setUp,

    runCycle: cycle,

    /** From now on events and installs start sync cycles themselves (the demo, once its passes are done). */
    enableAutoSync() {
      autoSync = true;
    },

    /** Every CRM request this process made for the installation so far (by phase and method). */
    async requestCounts(installationId: string): Promise<RequestCounts | null> {
      const installation = await storage.installations.get(installationId);
      return installation ? connectorFor(deps.connectors, installation).session(installation).requests() : null;
    },

    accountView: (request: AccountViewRequest): Promise<AccountView> => getAccountView(deps, request),

    settingsOf(installation: Installation) {
      return readSettings(installation, deps.defaultLang, connectorFor(deps.connectors, installation).traits);
    },
  };
}

export type CrmApp = ReturnType<typeof createCrmApp>;
