import type { CrmKind } from '../core/ports/installation-store.port';
import type { Storage } from '../core/ports/storage.port';
import type { Logger } from '../logging/logger';
import type { JobQueue } from './job-queue';

/**
 * The periodic reconcile (default every 15 minutes): an incremental cycle per active
 * installation of every configured CRM, sent through the queue, so one portal is worked by one
 * job at a time (across processes on PostgreSQL) and one installation's failure never stops
 * the others.
 */
export const RECONCILE_JOB = 'reconcile';
export const CYCLE_JOB = 'cycle';

export interface ReconcileDeps {
  storage: Storage;
  queue: JobQueue;
  logger: Logger;
  /** The CRMs configured on this server (an installation of another has no connector here). */
  crms: readonly CrmKind[];
}

export async function runReconcile(deps: ReconcileDeps): Promise<number> {
  const installations = (await deps.storage.installations.list({ status: ['active'] })).filter((installation) => deps.crms.includes(installation.crm));
  for (const installation of installations) {
    await deps.queue.send(CYCLE_JOB, { installationId: installation.id, mode: 'incremental' });
  }
  deps.logger.debug('reconcile scheduled', { installations: installations.length });
  return installations.length;
}
