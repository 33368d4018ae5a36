import axios from 'axios';
import { createBitrix24Client, REQUEST_TIMEOUT_MS } from '../../../src/connectors/bitrix24/bitrix24-client';
import type { RateLimiter } from '../../../src/connectors/shared/rate-limiter';
import { createRequestMeter } from '../../../src/connectors/shared/request-meter';
import { createSilentLogger } from '../../../src/logging/logger';
import { startBitrix24Sandbox, type RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';

/**
 * Real-portal 6 of issue 9, against the sandbox portal: a method past its operating time
 * (429 OPERATION_TIME_LIMIT) waits until `operating_reset_at` of its last good answer while other
 * methods go on, and the portal's queue is never paused (https://apidocs.bitrix24.com/limits.html).
 */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('Bitrix24 client: operating-time limit, per method', () => {
  let sandbox: RunningBitrix24Sandbox;
  let clock = Date.now();
  beforeAll(async () => {
    sandbox = await startBitrix24Sandbox({ port: 0, rateLimit: true, companies: 40, contacts: 80, deals: 400, seed: 9, now: () => clock, limits: { operatingLimitSeconds: 0.05 } });
  });
  afterAll(() => sandbox.close());

  it('suspends only the refused method until operating_reset_at; the others go on and nobody pauses the portal', async () => {
    const sleeps: number[] = [];
    const asleep = deferred();
    const wake = deferred();
    const pauses: number[] = [];
    const limiter: RateLimiter = { acquire: async () => undefined, pause: (ms) => pauses.push(ms) };
    const token = String(sandbox.readyLine.accessToken);
    const http = axios.create();
    const timeouts: Array<number | undefined> = [];
    http.interceptors.request.use((config) => {
      timeouts.push(config.timeout);
      return config;
    });
    const client = createBitrix24Client({
      clientEndpoint: `${sandbox.url}/rest/`,
      http,
      tokens: { accessToken: async () => token, refresh: async () => token },
      limiter,
      meter: createRequestMeter(),
      logger: createSilentLogger(),
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        asleep.resolve();
        await wake.promise;
        clock += ms;
      },
    });

    const first = await client.call<unknown[]>('crm.deal.list', { select: ['ID'], start: 0 });
    expect(first.result).toHaveLength(50);
    const resetAtMs = (sandbox.runtime.limits.operating('crm.deal.list').resetAt);
    const refusedAt = clock;

    const listing = client.call<unknown[]>('crm.deal.list', { select: ['ID'], start: 50 });
    await asleep.promise;
    // The list is waiting on its own budget; other methods still answer at once.
    await expect(client.call('crm.status.list', { filter: { ENTITY_ID: 'INDUSTRY' } })).resolves.toMatchObject({ result: expect.any(Array) });
    await expect(client.call('user.current')).resolves.toMatchObject({ result: { ID: '1' } });
    wake.resolve();
    await expect(listing).resolves.toMatchObject({ result: expect.any(Array) });

    expect(sleeps).toEqual([resetAtMs - refusedAt]);
    expect(pauses).toEqual([]);
    expect(sandbox.runtime.stats.snapshot()).toMatchObject({ byMethod: { 'crm.deal.list': 3, 'crm.status.list': 1, 'user.current': 1 }, rejections: { OPERATION_TIME_LIMIT: 1 } });
    // The portal allows 60 s per request: every request was given a little more than that.
    expect(REQUEST_TIMEOUT_MS).toBeGreaterThan(60_000);
    expect(new Set(timeouts)).toEqual(new Set([REQUEST_TIMEOUT_MS]));
    expect(client.portalOffset?.()).toBe('+03:00');
  });
});
