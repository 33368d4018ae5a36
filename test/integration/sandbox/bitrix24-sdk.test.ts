import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generatePortfolio } from '../../../src/sandbox/portfolio/generate';
import type { RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { startBitrix24Sandbox } from '../../../src/sandbox/bitrix24';

/**
 * Fidelity: the official @bitrix24/b24jssdk 2.2.0, unchanged, against the sandbox. Each
 * scenario runs in a child process (see bitrix24-sdk-scenarios.ts for why).
 */
const run = promisify(execFile);
const ROOT = join(__dirname, '../../..');
const portfolio = generatePortfolio({ seed: 7, companies: 300, contacts: 900, deals: 3000, anchorDate: '2025-06-30' });

async function sdk<T>(scenario: string, sandbox: RunningBitrix24Sandbox): Promise<T> {
  const { stdout } = await run(join(ROOT, 'node_modules/.bin/tsx'), [join(__dirname, 'bitrix24-sdk-scenarios.ts'), scenario, JSON.stringify(sandbox.readyLine)], { cwd: ROOT, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as T;
}

async function stats(sandbox: RunningBitrix24Sandbox): Promise<{ rejections: Record<string, number>; byMethod: Record<string, number> }> {
  return (await fetch(`${sandbox.url}/_sandbox/stats`)).json() as never;
}

describe('Bitrix24 sandbox with the official SDK', () => {
  let sandbox: RunningBitrix24Sandbox;
  beforeAll(async () => {
    sandbox = await startBitrix24Sandbox({ port: 0, portfolio, rateLimit: false });
  });
  afterAll(() => sandbox.close());

  it('callList returns exactly the seeded deals, by the fast >ID cursor', async () => {
    const result = await sdk<{ ok: boolean; ids: number[]; amounts: number[] }>('callList', sandbox);
    expect(result.ok).toBe(true);
    expect(result.ids).toEqual(portfolio.deals.map((deal) => deal.id));
    expect(result.amounts).toEqual(portfolio.deals.slice(0, 20).map((deal) => deal.amount));
    expect((await stats(sandbox)).byMethod['crm.deal.list']).toBe(61);
  });

  it('fetchList over crm.item.list yields every company', async () => {
    const result = await sdk<{ ids: number[] }>('fetchItems', sandbox);
    expect(result.ids).toEqual(portfolio.companies.map((company) => company.id));
  });

  it('batch.make returns each command result', async () => {
    const result = await sdk<{ ok: boolean; deal: { ID: string }; stages: Array<{ STATUS_ID: string; SEMANTICS: string | null }> }>('batch', sandbox);
    expect(result.ok).toBe(true);
    expect(result.deal.ID).toBe('5');
    expect(result.stages.find((stage) => stage.STATUS_ID === 'C1:WON')?.SEMANTICS).toBe('S');
  });

  it('B24Hook works through the incoming-webhook URL', async () => {
    expect(await sdk<{ id: string }>('hook', sandbox)).toEqual({ id: '1' });
  });
});

describe('SDK token refresh against the sandbox OAuth server', () => {
  let sandbox: RunningBitrix24Sandbox;
  afterAll(() => sandbox.close());

  it('refreshes on expired_token, hands the new pair to its callback and retries', async () => {
    let clock = Date.now();
    sandbox = await startBitrix24Sandbox({ port: 0, portfolio, rateLimit: false, tokenTtlSeconds: 60, now: () => clock });
    const ready = sandbox.readyLine as { accessToken: string; refreshToken: string; clientId: string; clientSecret: string };
    clock += 61_000;
    const result = await sdk<{ id: string; pairs: Array<{ access: string; refresh: string }> }>('refresh', sandbox);
    expect(result.id).toBe('1');
    expect(result.pairs).toHaveLength(1);
    expect(result.pairs[0]?.access).not.toBe(ready.accessToken);
    expect(result.pairs[0]?.refresh).not.toBe(ready.refreshToken);
    const counted = await stats(sandbox);
    expect(counted.rejections.expired_token).toBe(1);
    expect(counted.byMethod['oauth.token']).toBe(1);
    const reuse = await fetch(`${sandbox.url}/oauth/token/?grant_type=refresh_token&client_id=${ready.clientId}&client_secret=${ready.clientSecret}&refresh_token=${ready.refreshToken}`);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('SDK limiter against the sandbox leaky bucket', () => {
  let sandbox: RunningBitrix24Sandbox;
  afterAll(() => sandbox.close());

  it('rides out 503 QUERY_LIMIT_EXCEEDED when the portal bucket is smaller than the SDK assumes', async () => {
    sandbox = await startBitrix24Sandbox({ port: 0, portfolio, rateLimit: true, limits: { burst: 8, drainPerSecond: 20 } });
    expect(await sdk<{ ok: number }>('burst', sandbox)).toEqual({ ok: 16 });
    expect((await stats(sandbox)).rejections.QUERY_LIMIT_EXCEEDED).toBeGreaterThan(0);
  });
});
