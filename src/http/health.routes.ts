import { Router } from 'express';
import type { Storage } from '../core/ports/storage.port';

/** GET /health: version, storage engine and whether the database schema is current. */
export function healthRoutes(deps: { storage: Storage; version: string }): Router {
  const router = Router();
  router.get('/health', async (_req, res, next) => {
    try {
      const migrations = await deps.storage.migrationStatus();
      res.status(migrations.current ? 200 : 503).json({
        status: migrations.current ? 'ok' : 'degraded',
        version: deps.version,
        storage: { engine: deps.storage.engine, migrationsCurrent: migrations.current, pendingMigrations: migrations.pending },
      });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
