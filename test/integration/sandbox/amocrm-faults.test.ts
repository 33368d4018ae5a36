import type { RunningAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import { apiClient, startTiny } from './amocrm-helpers';

async function setFaults(sandbox: RunningAmoCrmSandbox, spec: string): Promise<Response> {
  return fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ spec }) });
}

describe('amoCRM sandbox faults', () => {
  let sandbox: RunningAmoCrmSandbox;
  beforeAll(async () => {
    sandbox = await startTiny({ faults: '500=1' });
  });
  afterAll(async () => sandbox.close());

  it('injects 500 and 503 as problem+json, and 429 as amo sends it: an HTML page, not JSON', async () => {
    const api = apiClient(sandbox);
    const failed = await api.get('/api/v4/leads');
    expect(failed.status).toBe(500);
    expect(failed.headers.get('content-type')).toContain('application/problem+json');
    await setFaults(sandbox, '503=1');
    expect((await api.get('/api/v4/leads')).status).toBe(503);
    await setFaults(sandbox, '429=1');
    const limited = await api.get('/api/v4/leads');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toContain('text/html');
    const body = await limited.text();
    expect(body).toContain('429 Too Many Requests');
    expect(() => JSON.parse(body) as unknown).toThrow();
    // An injected 429 is not the client's fault: it never counts toward an account block.
    const limits = (await (await fetch(`${sandbox.url}/_sandbox/limits`)).json()) as { breaches: number; blocked: boolean };
    expect(limits).toEqual(expect.objectContaining({ breaches: 0, blocked: false }));
  });

  it('cuts the connection mid-response and hangs past a client timeout', async () => {
    const api = apiClient(sandbox);
    await setFaults(sandbox, 'cut=1');
    await expect(api.get('/api/v4/leads').then((response) => response.text())).rejects.toThrow();
    await setFaults(sandbox, 'hang=1');
    await expect(fetch(`${sandbox.url}/api/v4/leads`, { headers: { authorization: `Bearer ${String(sandbox.readyLine['accessToken'])}` }, signal: AbortSignal.timeout(300) })).rejects.toThrow();
    const stats = (await (await fetch(`${sandbox.url}/_sandbox/stats`)).json()) as { rejections: Record<string, number> };
    expect(stats.rejections).toEqual(expect.objectContaining({ cut: 1, hang: 1 }));
  });

  it('expires the presented token early, so the client must refresh', async () => {
    await setFaults(sandbox, 'expire=1');
    expect((await apiClient(sandbox).get('/api/v4/account')).status).toBe(401);
    await setFaults(sandbox, '');
    expect((await apiClient(sandbox).get('/api/v4/account')).status).toBe(401);
    expect((await setFaults(sandbox, 'nonsense=2')).status).toBe(400);
  });
});
