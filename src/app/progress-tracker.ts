/** First-sync progress per installation, for the installer page (rows synced per stream, done or not). */
export interface ProgressTracker {
  report(installationId: string, progress: { stream: string; rows: number; done: boolean }): void;
  status(installationId: string): { progress: number; done: boolean; text: string; rows: number };
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
      if (!streams) return { progress: 0, done: false, text: '', rows: 0 };
      const done = STREAMS.filter((stream) => streams.get(stream)?.done).length;
      // Setup runs as a job before the sync; while it runs (or retries), say so.
      const setup = streams.get('setup');
      const setupText = setup && !setup.done ? `setup${setup.rows > 1 ? ` (attempt ${setup.rows})` : ''} · ` : '';
      const text = setupText + STREAMS.map((stream) => `${stream}: ${streams.get(stream)?.rows ?? 0}`).join(' · ');
      const rows = STREAMS.reduce((sum, stream) => sum + (streams.get(stream)?.rows ?? 0), 0);
      return { progress: done / STREAMS.length, done: done === STREAMS.length, text, rows };
    },
  };
}
