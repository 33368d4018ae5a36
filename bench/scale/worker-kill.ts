import type { AppCluster } from '../../src/sandbox/demo/app-cluster';
import { noter } from '../bench-kit';
import type { AppDb } from './scale-db';

/**
 * The fault the scale bench injects into its first passes: as soon as a worker is seen writing
 * back (its row in the app's worker registry says phase writeBack), it gets SIGKILL. Another
 * worker takes its job over (worker-registry.ts) and the round goes on; afterwards the portals'
 * own state shows whether anything was written twice.
 */
export interface WorkerKill {
  pid: number;
  /** The installation whose write-back was cut. */
  installationId: string;
  /** Seconds after the round's first install. */
  atSeconds: number;
}

const WATCH_MS = 100;
const note = noter('scale');

export function startWorkerKiller(options: { db: AppDb; cluster: AppCluster; started: number }): { stop(): Promise<WorkerKill | null> } {
  let stopped = false;
  const watching = (async (): Promise<WorkerKill | null> => {
    while (!stopped) {
      const rows = await options.db.workerJobs();
      const busy = rows.find((row) => row.jobs.some((job) => job.kind === 'cycle' && job.phase === 'writeBack'));
      const job = busy?.jobs.find((candidate) => candidate.kind === 'cycle' && candidate.phase === 'writeBack');
      if (busy && job && options.cluster.workers.some((worker) => worker.pid === busy.pid)) {
        await options.cluster.kill(busy.pid);
        const kill = { pid: busy.pid, installationId: job.key, atSeconds: (Date.now() - options.started) / 1000 };
        note(`killed worker ${kill.pid} while it wrote back installation ${kill.installationId} (${kill.atSeconds.toFixed(1)} s into the round)`);
        return kill;
      }
      await new Promise((done) => setTimeout(done, WATCH_MS));
    }
    return null;
  })();
  return {
    async stop() {
      stopped = true;
      return watching;
    },
  };
}
