import type { Storage } from '../core/ports/storage.port';

const STREAMS = ['company', 'contact', 'deal'] as const;

export interface InstallProgress {
  /** Share of the streams whose first full pass has finished (0..1). */
  progress: number;
  done: boolean;
  text: string;
  rows: number;
}

/**
 * The first sync's progress for the installer page, read from the database (sync cursors and
 * stored rows), not from the memory of the process that syncs: on PostgreSQL a worker syncs
 * while a web process, maybe another one than served the page, answers the page's polls.
 * `setupNote` is what the process running the setup says of it (its retries), put in front.
 */
export async function readInstallProgress(storage: Storage, installationId: string, setupNote = ''): Promise<InstallProgress> {
  const cursors = await storage.syncState.listCursors(installationId);
  const finished = new Set(cursors.filter((cursor) => cursor.fullCompletedAt !== null).map((cursor) => cursor.stream));
  const counts = await Promise.all(STREAMS.map((stream) => storage.entities.count(installationId, stream)));
  const done = STREAMS.filter((stream) => finished.has(stream)).length;
  return {
    progress: done / STREAMS.length,
    done: done === STREAMS.length,
    text: setupNote + STREAMS.map((stream, index) => `${stream}: ${counts[index] ?? 0}`).join(' · '),
    rows: counts.reduce((sum, count) => sum + count, 0),
  };
}
