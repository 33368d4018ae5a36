import type { RequestCounts } from '../core/ports/crm-connector.port';
import type { CrmKind } from '../core/ports/installation-store.port';
import type { Storage } from '../core/ports/storage.port';
import type { Logger } from '../logging/logger';
import type { JobQueue } from './job-queue';
import { CYCLE_JOB, RECONCILE_JOB, runReconcile } from './reconcile.job';

export const SETUP_JOB = 'setup';

export interface InstallationJobsDeps {
  queue: JobQueue;
  storage: Storage;
  logger: Logger;
  /** The CRMs configured on this server: the reconcile sends cycles for their installations only. */
  crms: readonly CrmKind[];
  /** One cycle; `onPhase` hears each phase start (setup, sync, evaluate, writeBack); resolves with its report. */
  runCycle(
    installationId: string,
    mode: 'full' | 'incremental',
    options: { asOf?: string; onPhase?: (phase: string, sofar: Record<string, unknown>) => void; onRequests?: (requests: RequestCounts) => Promise<void> },
  ): Promise<unknown>;
  setUp(installationId: string): Promise<unknown>;
  /** Send the reconcile on this cron schedule (roles all and worker). */
  reconcileCron?: string;
}

/**
 * The jobs a worker runs, by name, so any process may send them and any worker run them:
 * `cycle` (sync -> evaluate -> write back, one per installation at a time, telling its phase), `setup` (under a
 * database lease, so a web process setting up at install and a worker never overlap) and
 * `reconcile` (fans out one incremental cycle per active installation).
 */
export async function registerInstallationJobs(deps: InstallationJobsDeps): Promise<void> {
  const { queue } = deps;
  // The report is the job's output (pg-boss keeps it): the demo reads each pass's figures there.
  // `asOf` (optional) fixes the evaluation day, as the demo does for its seeded portfolio.
  queue.handle(CYCLE_JOB, (data, job) =>
    deps.runCycle(required(data, 'installationId'), data.mode === 'full' ? 'full' : 'incremental', {
      ...(data.asOf ? { asOf: data.asOf } : {}),
      onPhase: (phase, sofar) => job.phase(phase, sofar),
      // Kept before each CRM request goes out: a killed attempt's requests stay counted.
      onRequests: (requests) => job.progress({ requests }),
    }),
  );
  // setUp holds the installation's setup lease itself (a web process may set up at install).
  queue.handle(SETUP_JOB, async (data) => {
    await deps.setUp(required(data, 'installationId'));
  });
  queue.handle(RECONCILE_JOB, async () => {
    await runReconcile(deps);
  });
  if (deps.reconcileCron) await queue.schedule(RECONCILE_JOB, deps.reconcileCron);
}

function required(data: Readonly<Record<string, string>>, key: string): string {
  const value = data[key];
  if (!value) throw new Error(`job data lacks ${key}`);
  return value;
}
