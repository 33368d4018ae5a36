import { Router, type Request } from 'express';
import type { Storage } from '../core/ports/storage.port';
import { KamError } from '../core/errors';
import type { JobQueue } from '../jobs/job-queue';
import type { EventLoopDelayMonitor } from './event-loop-delay';

/** How many failed jobs /health lists (`kam jobs` shows more). */
const FAILED_SHOWN = 10;

/**
 * GET /health: version, role, storage engine, whether the database schema is current, and the
 * jobs that failed for good (after their retries), newest first, and the live worker processes
 * with the job and phase each one runs (PostgreSQL; see src/jobs/worker-registry.ts). A failed job does not make
 * the process unhealthy (one installation's failure never stops the others); it is shown.
 * The failed jobs' installations and errors are the operator's business: they go only to a caller
 * on this machine that came through no proxy; anyone else (a load balancer's probe, the internet)
 * gets their number. The same caller also gets the process's event-loop delay (event-loop-delay.ts)
 * since `?eventLoopSince=<ms since the epoch>` (default: the kept history), to see what holds the
 * loop while events arrive, and the public URL it gives the CRMs.
 */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const onThisMachine = (req: Request) => LOOPBACK.test(req.socket.remoteAddress ?? '') && req.get('x-forwarded-for') === undefined && req.get('forwarded') === undefined;

/** `eventLoopSince` as ms since the epoch; absent is the whole kept history. */
function sinceOf(req: Request): number | undefined {
  const raw = req.query.eventLoopSince;
  if (raw === undefined) return undefined;
  const since = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(since)) throw new KamError('INPUT_INVALID', 'eventLoopSince wants a time in milliseconds since the epoch');
  return since;
}

export function healthRoutes(deps: { storage: Storage; version: string; queue?: JobQueue; role?: string; eventLoop?: EventLoopDelayMonitor; publicUrl?: string }): Router {
  const router = Router();
  router.get('/health', async (req, res, next) => {
    try {
      const local = onThisMachine(req);
      const eventLoop = local && deps.eventLoop ? { eventLoop: deps.eventLoop.figures(sinceOf(req)) } : {};
      const migrations = await deps.storage.migrationStatus();
      const failed = deps.queue ? await deps.queue.failed(FAILED_SHOWN) : [];
      const workers = deps.queue ? await deps.queue.workers() : [];
      res.status(migrations.current ? 200 : 503).json({
        status: migrations.current ? 'ok' : 'degraded',
        version: deps.version,
        ...(deps.role ? { role: deps.role } : {}),
        // Which process answered (one of `kam serve --processes N`), for a caller on this machine only.
        // And the address it gives the CRMs (KAM_PUBLIC_URL): a worker's setup registers handlers there,
        // so a process started without it shows its own port here (docs/operations.md).
        ...(local ? { pid: process.pid, ...(deps.publicUrl ? { publicUrl: deps.publicUrl } : {}) } : {}),
        storage: { engine: deps.storage.engine, migrationsCurrent: migrations.current, pendingMigrations: migrations.pending },
        ...(deps.queue
          ? {
              jobs: local
                ? {
                    failed: failed.map(({ kind, key, attempts, error, failedAt }) => ({ kind, key, attempts, error, failedAt })),
                    workers: workers.map(({ pid, host, heartbeatAt, jobs }) => ({ pid, host, heartbeatAt, jobs: jobs.map(({ kind, key, phase, since }) => ({ kind, key, phase, since })) })),
                  }
                : { failedCount: failed.length, workerCount: workers.length },
            }
          : {}),
        ...eventLoop,
      });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
