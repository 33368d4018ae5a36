import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { PAGE_MESSAGES } from '../../../src/core/i18n/messages.pages';
import { runDemo } from '../../../src/app/demo/run-demo';
import { bitrix24DemoDriver } from '../../../src/sandbox/demo/bitrix24.demo-driver';
import { createSilentLogger } from '../../../src/logging/logger';
import { markerIn } from '../../../src/core/ports/crm-writer.port';

/** Tokens that expire under the app's feet, and a portal that answers 500 now and then. */
jest.setTimeout(120_000);

const dataDir = () => join(mkdtempSync(join(tmpdir(), 'kam-b24f-')), 'data');
const SIZE = { companies: 40, contacts: 80, deals: 400 };

it('refreshes expired tokens single-flight, persists the new pair, and finishes the pass with the same data', async () => {
  const demo = await runDemo({ driver: bitrix24DemoDriver, ...SIZE, seed: 9, passes: 1, changes: 0, faults: 'expire=0.15,500=0.05,seed=4', dataDir: dataDir(), logger: createSilentLogger() });
  try {
    const installation = await demo.runtime.storage.installations.get(demo.installationId);
    expect(installation?.status).toBe('active');
    // Each refresh bumps the token version once; the install wrote the first pair.
    expect(installation?.tokenVersion ?? 0).toBeGreaterThan(1);
    expect(demo.passes[0]?.sync).toEqual(SIZE);
    const stats = (await axios.get(`${String(demo.sandbox.url)}/_sandbox/stats`)).data as { rejections: Record<string, number> };
    expect(Object.keys(stats.rejections).join(',')).toMatch(/expired_token|INTERNAL_SERVER_ERROR|500/);
    // No to-do was duplicated by a retried create.
    const markers = demo.sandboxHandle.state().activities.map((activity) => markerIn(activity.description)).filter(Boolean);
    expect(new Set(markers).size).toBe(markers.length);
  } finally {
    await demo.close();
  }
});

it('blocks the installation, says why, and stops calling the portal when the refresh token is refused', async () => {
  const demo = await runDemo({ driver: bitrix24DemoDriver, ...SIZE, seed: 10, passes: 1, changes: 0, dataDir: dataDir(), logger: createSilentLogger() });
  try {
    // Our refresh token is no longer good (rotated elsewhere, or the grant expired) and the
    // access token has run out: the OAuth server answers invalid_grant.
    const stored = await demo.runtime.storage.installations.get(demo.installationId);
    if (!stored?.tokens) throw new Error('no tokens');
    await demo.runtime.storage.installations.updateTokens(demo.installationId, { ...stored.tokens, refreshToken: 'spent-refresh-token' }, stored.tokenVersion);
    await axios.post(`${String(demo.sandbox.url)}/_sandbox/faults`, { spec: 'expire=1' });
    const bitrix24 = demo.runtime.app;
    if (!bitrix24) throw new Error('no service');
    await expect(bitrix24.runCycle(demo.installationId, 'incremental')).rejects.toThrow();
    const installation = await demo.runtime.storage.installations.get(demo.installationId);
    expect(installation?.status).toBe('blocked');
    expect(installation?.statusReason).toMatch(/refresh/i);
    const before = await bitrix24.requestCounts(demo.installationId);
    await expect(bitrix24.runCycle(demo.installationId, 'incremental')).rejects.toThrow(/blocked/);
    expect((await bitrix24.requestCounts(demo.installationId))?.requests).toBe(before?.requests);
    // The card tab tells the user, in their language: its API says the sync is blocked, the page says why.
    await axios.post(`${String(demo.sandbox.url)}/_sandbox/faults`, { spec: '' });
    const card = await axios.get(`${demo.app}/api/account-view?company=1`, {
      headers: { 'X-Kam-Crm': 'bitrix24', 'Accept-Language': 'ru', 'X-Kam-Member-Id': String(demo.sandbox.memberId), 'X-Kam-Auth': String(demo.sandbox.accessToken) },
      validateStatus: () => true,
    });
    expect(card.status).toBe(200);
    expect(card.data).toMatchObject({ blocked: true });
    expect(PAGE_MESSAGES.ru.blocked).toContain('Синхронизация остановлена');
  } finally {
    await demo.close();
  }
});
