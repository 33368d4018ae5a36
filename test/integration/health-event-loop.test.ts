import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { loadConfig } from '../../src/config';
import { createSilentLogger } from '../../src/logging/logger';
import { createRuntime, startServer } from '../../src/main';

/** Holds this thread's event loop for `ms`, the way a synchronous SQLite statement does. */
function hold(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

/**
 * /health tells a caller on this machine how late the process's event loop ran since a moment
 * (the events bench reads it for its burst); a caller through a proxy gets none of it.
 */
it('reports a held event loop as event-loop delay since the given moment, to a local caller only', async () => {
  const loaded = loadConfig({ env: { KAM_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'kam-health-loop-')), 'data') }, envFile: null });
  if (!loaded.ok) throw loaded.error;
  const runtime = await createRuntime(loaded.value, createSilentLogger());
  const server = await startServer(runtime, { port: 0 });
  try {
    const since = Date.now();
    hold(150);
    // The probe timer records the stall when it runs next; ask until it has (an event, not a sleep).
    let figures: { samples: number; maxMs: number | null; p50Ms: number | null; sinceMs: number } | undefined;
    for (let tries = 0; tries < 100 && !(figures && (figures.maxMs ?? 0) >= 140); tries += 1) {
      figures = (await axios.get(`${server.url}/health`, { params: { eventLoopSince: since } })).data.eventLoop;
    }
    expect(figures).toMatchObject({ sinceMs: since, samples: expect.any(Number) });
    expect(figures?.maxMs).toBeGreaterThanOrEqual(140);
    expect(figures?.p50Ms).toEqual(expect.any(Number));

    const proxied = await axios.get(`${server.url}/health`, { params: { eventLoopSince: since }, headers: { 'X-Forwarded-For': '203.0.113.9' } });
    expect(proxied.data.eventLoop).toBeUndefined();

    const bad = await axios.get(`${server.url}/health`, { params: { eventLoopSince: 'yesterday' }, validateStatus: () => true });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.data)).toContain('eventLoopSince');
  } finally {
    await server.close();
    await runtime.close();
  }
});

it('leaves a stall before the asked moment out of the figures', async () => {
  const loaded = loadConfig({ env: { KAM_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'kam-health-loop-')), 'data') }, envFile: null });
  if (!loaded.ok) throw loaded.error;
  const runtime = await createRuntime(loaded.value, createSilentLogger());
  const server = await startServer(runtime, { port: 0 });
  try {
    hold(800);
    // Wait until the stall is on record, then until a later second has begun.
    let all = (await axios.get(`${server.url}/health`)).data.eventLoop;
    while ((all.maxMs ?? 0) < 790) all = (await axios.get(`${server.url}/health`)).data.eventLoop;
    const later = Date.now() + 1_100;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    let recent = (await axios.get(`${server.url}/health`, { params: { eventLoopSince: later } })).data.eventLoop;
    while (recent.samples === 0) recent = (await axios.get(`${server.url}/health`, { params: { eventLoopSince: later } })).data.eventLoop;
    expect(recent.maxMs).toBeLessThan(790);
  } finally {
    await server.close();
    await runtime.close();
  }
});
