import { Router } from 'express';
import type { Config } from './config';
import type { CrmKind } from './core/ports/installation-store.port';
import type { CrmRegistry } from './core/ports/crm-connector.port';
import type { Storage } from './core/ports/storage.port';
import { createWorkerEvaluationRunner } from './app/evaluation/evaluation-runner';
import { createCrmApp, type CrmApp } from './app/crm-app';
import { createHmac, hkdfSync } from 'node:crypto';
import { readInstallProgress } from './app/install-progress';
import { createProgressTracker, type ProgressTracker } from './app/progress-tracker';
import { createAmoCrmConnector, type AmoCrmConnector } from './connectors/amocrm/amocrm-connector';
import { createBitrix24Crm, type Bitrix24Crm } from './connectors/bitrix24/bitrix24-crm';
import { bitrix24FrameAdmin, bitrix24FrameUserId } from './connectors/bitrix24/bitrix24-frame-admin';
import { createAccountPageView } from './http/account-page-view';
import { amocrmRoutes, amocrmWebhookRoute } from './http/amocrm.routes';
import { bitrix24EventRoute, bitrix24Routes } from './http/bitrix24.routes';
import type { EventRoute } from './http/event-intake';
import { createEventLoopDelayMonitor } from './http/event-loop-delay';
import { healthRoutes } from './http/health.routes';
import { pageRouters } from './http/page-routers';
import { createPageTokens } from './http/page-tokens';
import { liveReportRoutes } from './http/reports.routes';
import { createHttpHandler } from './http/create-http-app';
import { listen, type ListeningServer } from './http/listen';
import { KamError } from './core/errors';
import { registerInstallationJobs } from './jobs/installation-jobs';
import { createJobQueue, type JobQueue } from './jobs/job-queue';
import { createPgBossQueue } from './jobs/pg-boss-queue';
import type { Logger } from './logging/logger';
import { createStorage } from './storage/create-storage';
import { loadOrCreateEncryptionKey } from './storage/crypto/encryption-key';
import { APP_VERSION } from './version';

/**
 * The composition root: the only place that picks concrete adapters (storage engine,
 * connectors, queue) and wires them into the use cases and the HTTP routes.
 */
export interface Runtime {
  role: ProcessRole;
  /** Signs links the app hands out (installer status); derived from the encryption key, so every process agrees. */
  linkSecret: Buffer;
  /** Signs the amoCRM pages' short-lived tokens; HKDF of the encryption key, so every process agrees. */
  pageTokenSecret: Buffer;
  config: Config;
  logger: Logger;
  storage: Storage;
  queue: JobQueue;
  progress: ProgressTracker;
  /** The configured CRM connectors by kind (a CRM without credentials is absent). */
  connectors: CrmRegistry;
  app: CrmApp;
  close(): Promise<void>;
}

/** all: one process does everything; web: HTTP only, sends jobs; worker: runs jobs, HTTP only /health. */
export type ProcessRole = 'all' | 'web' | 'worker';

export interface RuntimeOptions {
  /** Default all. web and worker need PostgreSQL: on SQLite one process does everything. */
  role?: ProcessRole;
  /** false: the caller drives sync cycles itself (the demo); events only mark entities dirty. */
  autoSync?: boolean;
  /** Start the periodic reconcile (default: true for `kam serve`). */
  schedule?: boolean;
  /**
   * The CRMs this process is run for: only those are warned about when not configured (the
   * Bitrix24 demo's user has no amoCRM to configure). Default: every CRM (`kam serve`).
   */
  crms?: readonly CrmKind[];
}

/** What each CRM needs configured, for the log line and the 503 of its routes. */
const CREDENTIALS: Record<CrmKind, string> = {
  bitrix24: 'BITRIX24_CLIENT_ID, BITRIX24_CLIENT_SECRET',
  amocrm: 'AMOCRM_CLIENT_ID, AMOCRM_CLIENT_SECRET',
};
const CRM_NAMES: Record<CrmKind, string> = { bitrix24: 'Bitrix24', amocrm: 'amoCRM' };

function createConnectors(config: Config, storage: Storage, logger: Logger): CrmRegistry {
  const connectors: CrmRegistry = {};
  const { clientId, clientSecret } = config.bitrix24;
  if (clientId && clientSecret) {
    connectors.bitrix24 = createBitrix24Crm({
      settings: { clientId, clientSecret, oauthUrl: config.bitrix24.oauthUrl, ratePerSecond: config.bitrix24.ratePerSecond, burst: config.bitrix24.burst },
      storage,
      logger,
      portalHosts: config.bitrix24.portalHosts,
    });
  }
  const amo = config.amocrm;
  if (amo.clientId && amo.clientSecret) {
    connectors.amocrm = createAmoCrmConnector({
      settings: { clientId: amo.clientId, clientSecret: amo.clientSecret, redirectUri: amo.redirectUri, ratePerSecond: amo.ratePerSecond, accountHosts: amo.accountHosts },
      storage,
      logger,
    });
  }
  return connectors;
}

export async function createRuntime(config: Config, logger: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  const key = loadOrCreateEncryptionKey({ configuredKey: config.storage.encryptionKey, keyFile: config.storage.keyFile });
  if (!key.ok) throw key.error;
  const storage = await createStorage({
    databaseUrl: config.storage.databaseUrl,
    sqliteFile: config.storage.sqliteFile,
    encryptionKey: key.value,
    verifiedInstallationTtlMs: config.storage.verifiedCacheMs,
    // Only a process that verifies inbound requests keeps copies of installations worth keeping warm.
    ...((options.role ?? 'all') === 'worker' ? {} : {
      hearInstallationChanges: (on: boolean, error?: unknown) => {
        if (on) logger.info('hearing installation changes from every process');
        else logger.warn('not hearing installation changes: event verification trusts its copies for the short TTL until it hears again', { error: error instanceof Error ? error.message : String(error) });
      },
    }),
  });
  logger.info('storage ready', { engine: storage.engine });
  const role = options.role ?? 'all';
  if (role !== 'all' && !config.storage.databaseUrl) {
    await storage.close();
    throw new KamError('CONFIG_INVALID', `--role ${role} needs PostgreSQL (DATABASE_URL): on SQLite one process serves and works (--role all).`);
  }
  // On PostgreSQL every process shares one pg-boss queue; only roles all and worker run its jobs.
  const queue = config.storage.databaseUrl
    ? await createPgBossQueue({
        databaseUrl: config.storage.databaseUrl, logger, concurrency: config.jobs.concurrency, work: role !== 'web', staleSeconds: config.jobs.workerStaleSeconds,
      })
    : createJobQueue({ concurrency: config.jobs.concurrency, logger });
  const progress = createProgressTracker();
  const connectors = createConnectors(config, storage, logger);
  for (const kind of options.crms ?? (Object.keys(CREDENTIALS) as CrmKind[])) {
    if (!connectors[kind]) logger.warn(`${CRM_NAMES[kind]} is not configured (${CREDENTIALS[kind]}): its routes answer 503`);
  }
  // Evaluations' CPU work runs on worker threads (started on first use), so this process keeps answering events meanwhile.
  const evaluator = createWorkerEvaluationRunner();
  const app = createCrmApp({
    storage,
    connectors,
    evaluator,
    queue,
    logger,
    publicUrl: config.http.publicUrl,
    defaultLang: config.defaultLang,
    autoSync: options.autoSync ?? config.jobs.autoSync,
    onProgress: (installationId, report) => progress.report(installationId, report),
  });
  const configured = Object.keys(connectors) as CrmKind[];
  if (configured.length > 0) {
    await registerInstallationJobs({
      queue,
      storage,
      logger,
      crms: configured,
      runCycle: (id, mode, cycleOptions) => app.runCycle(id, mode, cycleOptions),
      setUp: (id) => app.setUp(id),
      ...((options.schedule ?? false) && role !== 'web' ? { reconcileCron: config.jobs.reconcileCron } : {}),
    });
  }
  return {
    role,
    linkSecret: createHmac('sha256', key.value).update('kam-pilot link signing').digest(),
    pageTokenSecret: Buffer.from(hkdfSync('sha256', key.value, 'kam-pilot', 'amocrm page tokens', 32)),
    config,
    logger,
    storage,
    queue,
    progress,
    connectors,
    app,
    async close() {
      await queue.close();
      await evaluator.close();
      await storage.close();
    },
  };
}

/** The amoCRM pages' tokens: the widget route issues them, the page routes check them (same secret in every process). */
const amoPageTokens = (runtime: Runtime) => createPageTokens({ secret: runtime.pageTokenSecret, findInstallation: (id) => runtime.storage.installations.get(id) });

/** Each configured CRM's inbound routes; an unconfigured CRM's paths answer 503 saying what is missing. */
function crmRouters(runtime: Runtime): Router[] {
  const routers: Router[] = [];
  for (const kind of Object.keys(CREDENTIALS) as CrmKind[]) {
    const connector = runtime.connectors[kind];
    if (connector && kind === 'bitrix24') {
      routers.push(
        bitrix24Routes({
          app: runtime.app,
          inbound: connector.inbound,
          defaultLang: runtime.config.defaultLang,
          // Setup runs in the process that took the install: its note (attempts) comes from that process's tracker.
          progress: (id) => readInstallProgress(runtime.storage, id, runtime.progress.status(id).setupAttempt),
          linkSecret: runtime.linkSecret,
        }),
      );
      continue;
    }
    if (connector && kind === 'amocrm') {
      const amo = connector as AmoCrmConnector;
      routers.push(amocrmRoutes({
        app: runtime.app, inbound: amo.inbound, defaultLang: runtime.config.defaultLang, accountHosts: runtime.config.amocrm.accountHosts,
        accountPageView: createAccountPageView({ app: runtime.app, connectors: runtime.connectors, defaultLang: runtime.config.defaultLang }),
        grantUrl: (platform) => amo.grantUrl(platform), pageTokens: amoPageTokens(runtime), publicUrl: runtime.config.http.publicUrl,
      }));
      continue;
    }
    if (connector) continue;
    const unconfigured = Router();
    unconfigured.all(`/${kind}/{*rest}`, (_req, res) => {
      res.status(503).json({ error: { code: 'CONFIG_INVALID', message: `${CRM_NAMES[kind]} is not configured on this server (${CREDENTIALS[kind]})` } });
    });
    routers.push(unconfigured);
  }
  return routers;
}

/** The configured CRMs' event routes, taken before Express when plain (src/http/event-intake.ts). */
function crmEventRoutes(runtime: Runtime): EventRoute[] {
  const { bitrix24, amocrm } = runtime.connectors;
  return [...(bitrix24 ? [bitrix24EventRoute(bitrix24.inbound)] : []), ...(amocrm ? [amocrmWebhookRoute(amocrm.inbound)] : [])];
}

export async function startServer(runtime: Runtime, options: { port?: number } = {}): Promise<ListeningServer> {
  // The Bitrix24 entry is always createBitrix24Crm's (createConnectors), which also asks user.admin with a frame token.
  const bitrix24 = runtime.connectors.bitrix24 as Bitrix24Crm | undefined;
  const pages = pageRouters({
    app: runtime.app, storage: runtime.storage, connectors: runtime.connectors, defaultLang: runtime.config.defaultLang,
    ...(bitrix24 ? { bitrix24Admin: bitrix24FrameAdmin(bitrix24), bitrix24UserId: bitrix24FrameUserId(bitrix24) } : {}),
    ...(runtime.connectors.amocrm ? { amoPageTokens: amoPageTokens(runtime) } : {}),
  });
  const eventLoop = createEventLoopDelayMonitor();
  const health = healthRoutes({ storage: runtime.storage, queue: runtime.queue, role: runtime.role, version: APP_VERSION, eventLoop, publicUrl: runtime.config.http.publicUrl });
  const where = { host: runtime.config.http.host, port: options.port ?? runtime.config.http.port };
  const serve = async (routers: Router[], events: EventRoute[] = []): Promise<ListeningServer> => {
    const handler = createHttpHandler({ logger: runtime.logger, routers, trustProxy: runtime.config.http.trustProxy, events: { app: runtime.app, routes: events } });
    const server = await listen(handler, where).catch((error: unknown) => {
      eventLoop.close();
      throw error;
    });
    return { ...server, close: () => server.close().finally(() => eventLoop.close()) };
  };
  // A worker answers /health only: installs, events, pages and reports are the web processes' work.
  if (runtime.role === 'worker') return serve([health]);
  const routers = [
    health,
    liveReportRoutes({
      storage: runtime.storage,
      publicUrl: runtime.config.http.publicUrl,
      defaultLang: runtime.config.defaultLang,
      traitsOf: (kind) => runtime.connectors[kind]?.traits,
    }),
    ...crmRouters(runtime),
    ...pages,
  ];
  return serve(routers, crmEventRoutes(runtime));
}
