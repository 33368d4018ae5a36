import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { loadConfig } from '../../src/config';
import { createSilentLogger } from '../../src/logging/logger';
import { createRuntime, startServer } from '../../src/main';

/** /health shows the jobs that failed for good, without calling the process unhealthy. */
it('lists a failed job under jobs.failed with its kind, installation and error, and stays ok', async () => {
  const loaded = loadConfig({ env: { KAM_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'kam-health-')), 'data') }, envFile: null });
  if (!loaded.ok) throw loaded.error;
  const runtime = await createRuntime(loaded.value, createSilentLogger());
  const server = await startServer(runtime, { port: 0 });
  try {
    runtime.queue.handle('cycle', async () => {
      throw new Error('portal answered 500');
    });
    await runtime.queue.send('cycle', { installationId: 'inst-1', mode: 'incremental' });
    await runtime.queue.idle();
    const health = await axios.get(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(health.data).toMatchObject({
      status: 'ok',
      role: 'all',
      jobs: { failed: [{ kind: 'cycle', key: 'inst-1', attempts: 1, error: 'portal answered 500', failedAt: expect.any(String) }] },
    });
    // Through a proxy (the internet), only how many: no installation, no error text.
    const proxied = await axios.get(`${server.url}/health`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    expect(proxied.status).toBe(200);
    expect(proxied.data.jobs).toEqual({ failedCount: 1, workerCount: 0 });
    expect(JSON.stringify(proxied.data)).not.toContain('inst-1');
  } finally {
    await server.close();
    await runtime.close();
  }
});
