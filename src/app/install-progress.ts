import type { Storage } from '../core/ports/storage.port';

const STREAMS = ['company', 'contact', 'deal'] as const;

export interface InstallProgress {
  /** Share of the streams whose first full pass has finished (0..1). */
  progress: number;
  done: boolean;
  rows: number;
  /** Rows stored so far per stream. */
  streams: Record<(typeof STREAMS)[number], number>;
  /** While the setup job runs (or retries): its attempt, 1 on the first; null once it is done or when this process does not run it. */
  setupAttempt: number | null;
}

/**
 * The first sync's progress for the installer page, read from the database (sync cursors and
 * stored rows), not from the memory of the process that syncs: on PostgreSQL a worker syncs
 * while a web process, maybe another one than served the page, answers the page's polls.
 * `setupAttempt` is what the process running the setup says of it (its retries). Figures only:
 * the installer page words them in the installation's language (src/ui/installer.page.ts).
 */
export async function readInstallProgress(storage: Storage, installationId: string, setupAttempt: number | null = null): Promise<InstallProgress> {
  const cursors = await storage.syncState.listCursors(installationId);
  const finished = new Set(cursors.filter((cursor) => cursor.fullCompletedAt !== null).map((cursor) => cursor.stream));
  const counts = await Promise.all(STREAMS.map((stream) => storage.entities.count(installationId, stream)));
  const done = STREAMS.filter((stream) => finished.has(stream)).length;
  return {
    progress: done / STREAMS.length,
    done: done === STREAMS.length,
    rows: counts.reduce((sum, count) => sum + count, 0),
    streams: { company: counts[0] ?? 0, contact: counts[1] ?? 0, deal: counts[2] ?? 0 },
    setupAttempt,
  };
}
