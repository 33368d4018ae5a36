import type { Config } from './config';
import type { Storage } from './core/ports/storage.port';
import { healthRoutes } from './http/health.routes';
import { createHttpApp } from './http/create-http-app';
import { listen, type ListeningServer } from './http/listen';
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
  close(): Promise<void>;
}

export async function createRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const key = loadOrCreateEncryptionKey({ configuredKey: config.storage.encryptionKey, keyFile: config.storage.keyFile });
  if (!key.ok) throw key.error;
  const storage = await createStorage({
    databaseUrl: config.storage.databaseUrl,
    sqliteFile: config.storage.sqliteFile,
    encryptionKey: key.value,
  });
  logger.info('storage ready', { engine: storage.engine });
  return {
    config,
    logger,
    storage,
    close: () => storage.close(),
  };
}

export async function startServer(runtime: Runtime, options: { port?: number } = {}): Promise<ListeningServer> {
  const app = createHttpApp({
    logger: runtime.logger,
    routers: [healthRoutes({ storage: runtime.storage, version: APP_VERSION })],
  });
  return listen(app, { host: runtime.config.http.host, port: options.port ?? runtime.config.http.port });
}
