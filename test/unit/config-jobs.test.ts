import { loadConfig } from '../../src/config';

/** The job settings of scaled-out processes: auto-sync and how long a silent worker is trusted. */
describe('job settings', () => {
  const load = (env: Record<string, string>) => loadConfig({ env, envFile: null });

  it('defaults to events starting passes and a 30 s worker heartbeat threshold', () => {
    const result = load({});
    if (!result.ok) throw result.error;
    expect(result.value.jobs).toMatchObject({ autoSync: true, workerStaleSeconds: 30 });
  });

  it('reads KAM_AUTO_SYNC=false and KAM_WORKER_STALE_SECONDS', () => {
    const result = load({ KAM_AUTO_SYNC: 'false', KAM_WORKER_STALE_SECONDS: '5' });
    if (!result.ok) throw result.error;
    expect(result.value.jobs).toMatchObject({ autoSync: false, workerStaleSeconds: 5 });
  });

  it('refuses a value that is not true/false, and a threshold under 3 s, naming both keys', () => {
    const result = load({ KAM_AUTO_SYNC: 'yes', KAM_WORKER_STALE_SECONDS: '1' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.details.keys).toEqual(expect.arrayContaining(['KAM_AUTO_SYNC', 'KAM_WORKER_STALE_SECONDS']));
  });
});
