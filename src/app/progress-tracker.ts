/** First-sync progress per installation, for the installer page (rows synced per stream, done or not). */
export interface ProgressTracker {
  report(installationId: string, progress: { stream: string; rows: number; done: boolean }): void;
  /** `text` is for the demo's progress bar (a developer's console); the installer page gets `setupAttempt` and words it itself. */
  status(installationId: string): { progress: number; done: boolean; text: string; rows: number; setupAttempt: number | null };
}

const STREAMS = ['company', 'contact', 'deal'];

export function createProgressTracker(): ProgressTracker {
  const state = new Map<string, Map<string, { rows: number; done: boolean }>>();
  return {
    report(installationId, progress) {
      const streams = state.get(installationId) ?? new Map<string, { rows: number; done: boolean }>();
      streams.set(progress.stream, { rows: progress.rows, done: progress.done });
      state.set(installationId, streams);
    },
    status(installationId) {
      const streams = state.get(installationId);
      if (!streams) return { progress: 0, done: false, text: '', rows: 0, setupAttempt: null };
      const done = STREAMS.filter((stream) => streams.get(stream)?.done).length;
      // Setup runs as a job before the sync; while it runs (or retries), say so.
      const setup = streams.get('setup');
      const setupAttempt = setup && !setup.done ? Math.max(1, setup.rows) : null;
      const setupText = setupAttempt !== null ? `setup${setupAttempt > 1 ? ` (attempt ${setupAttempt})` : ''} · ` : '';
      const text = setupText + STREAMS.map((stream) => `${stream}: ${streams.get(stream)?.rows ?? 0}`).join(' · ');
      const rows = STREAMS.reduce((sum, stream) => sum + (streams.get(stream)?.rows ?? 0), 0);
      return { progress: done / STREAMS.length, done: done === STREAMS.length, text, rows, setupAttempt };
    },
  };
}
