import { Router } from 'express';
import type { Config } from './config';
import type { Storage } from './core/ports/storage.port';
import { createBitrix24Service, type Bitrix24Service } from './app/bitrix24/bitrix24-service';
import { createProgressTracker, type ProgressTracker } from './app/progress-tracker';
import { createBitrix24Connector } from './connectors/bitrix24/bitrix24-connector';
import { bitrix24Routes } from './http/bitrix24.routes';
import { healthRoutes } from './http/health.routes';
import { createHttpApp } from './http/create-http-app';
import { listen, type ListeningServer } from './http/listen';
import { createJobQueue, type JobQueue } from './jobs/job-queue';
import { scheduleReconcile } from './jobs/reconcile.job';
import type { Logger } from './logging/logger';
import { createStorage } from './storage/create-storage';
import { loadOrCreateEncryptionKey } from './storage/crypto/encryption-key';
import { APP_VERSION } from './version';

/**
 * The composition root: the only place that picks concrete adapters (storage engine,
 * connectors, queue) and wires them into the use cases and the HTTP routes.
 */
export interface Runtime {
  config: Config;
  logger: Logger;
  storage: Storage;
  queue: JobQueue;
  progress: ProgressTracker;
  /** Present when Bitrix24 credentials are configured. */
  bitrix24: Bitrix24Service | null;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** false: the caller drives sync cycles itself (the demo); events only mark entities dirty. */
  autoSync?: boolean;
  /** Start the periodic reconcile (default: true for `kam serve`). */
  schedule?: boolean;
}

export async function createRuntime(config: Config, logger: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  const key = loadOrCreateEncryptionKey({ configuredKey: config.storage.encryptionKey, keyFile: config.storage.keyFile });
  if (!key.ok) throw key.error;
  const storage = await createStorage({
    databaseUrl: config.storage.databaseUrl,
    sqliteFile: config.storage.sqliteFile,
    encryptionKey: key.value,
  });
  logger.info('storage ready', { engine: storage.engine });
  const queue = createJobQueue({ concurrency: config.jobs.concurrency, logger });
  const progress = createProgressTracker();
  const { clientId, clientSecret } = config.bitrix24;
  const bitrix24 =
    clientId && clientSecret
      ? createBitrix24Service({
          storage,
          queue,
          logger,
          publicUrl: config.http.publicUrl,
          portalHosts: config.bitrix24.portalHosts,
          defaultLang: config.defaultLang,
          autoSync: options.autoSync ?? true,
          onProgress: (installationId, report) => progress.report(installationId, report),
          connector: createBitrix24Connector({
            settings: { clientId, clientSecret, oauthUrl: config.bitrix24.oauthUrl, ratePerSecond: config.bitrix24.ratePerSecond, burst: config.bitrix24.burst },
            storage,
            logger,
          }),
        })
      : null;
  if (!bitrix24) logger.warn('Bitrix24 is not configured (BITRIX24_CLIENT_ID / BITRIX24_CLIENT_SECRET): its routes answer 503');
  const reconcile =
    bitrix24 && (options.schedule ?? false)
      ? scheduleReconcile({ storage, queue, logger, cronExpression: config.jobs.reconcileCron, runIncremental: (id) => bitrix24.runCycle(id, 'incremental') })
      : null;
  return {
    config,
    logger,
    storage,
    queue,
    progress,
    bitrix24,
    async close() {
      reconcile?.stop();
      await queue.close();
      await storage.close();
    },
  };
}

export async function startServer(runtime: Runtime, options: { port?: number } = {}): Promise<ListeningServer> {
  const routers = [healthRoutes({ storage: runtime.storage, version: APP_VERSION })];
  if (runtime.bitrix24) {
    routers.push(
      bitrix24Routes({ service: runtime.bitrix24, storage: runtime.storage, defaultLang: runtime.config.defaultLang, progress: (id) => runtime.progress.status(id) }),
    );
  } else {
    const unconfigured = Router();
    unconfigured.all('/bitrix24/{*rest}', (_req, res) => {
      res.status(503).json({ error: { code: 'CONFIG_INVALID', message: 'Bitrix24 is not configured on this server (BITRIX24_CLIENT_ID, BITRIX24_CLIENT_SECRET)' } });
    });
    routers.push(unconfigured);
  }
  const app = createHttpApp({ logger: runtime.logger, routers });
  return listen(app, { host: runtime.config.http.host, port: options.port ?? runtime.config.http.port });
}
