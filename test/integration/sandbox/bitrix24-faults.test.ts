import type { RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { startBitrix24Sandbox } from '../../../src/sandbox/bitrix24';

/** Fault injection and the operating-time limit, seen from a raw client. */
let sandbox: RunningBitrix24Sandbox;
let token: string;

beforeAll(async () => {
  sandbox = await startBitrix24Sandbox({ port: 0, rateLimit: true, companies: 30, deals: 300, seed: 5, anchorDate: '2025-06-30', hangMs: 300, limits: { burst: 1000, operatingLimitSeconds: 1 } });
  token = String(sandbox.readyLine.accessToken);
});
afterAll(() => sandbox.close());

const setFaults = (spec: string) => fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ spec }) });

it('answers 500, cuts and hangs as configured at runtime', async () => {
  await setFaults('500=1');
  const failed = await fetch(`${sandbox.url}/rest/user.current?auth=${token}`);
  expect(failed.status).toBe(500);
  expect(await failed.json()).toEqual({ error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' });
  await setFaults('cut=1');
  await expect(fetch(`${sandbox.url}/rest/user.current?auth=${token}`).then((res) => res.json())).rejects.toThrow();
  await setFaults('hang=1');
  // A hung request is held with no answer (unlike a cut, which closes at once) until hangMs ends it.
  let settled = false;
  const hung = fetch(`${sandbox.url}/rest/user.current?auth=${token}`).then((res) => res.text()).finally(() => (settled = true));
  while (sandbox.runtime.hung.size === 0) await new Promise((resolve) => setImmediate(resolve));
  expect(settled).toBe(false);
  await expect(hung).rejects.toThrow();
  expect(sandbox.runtime.hung.size).toBe(0);
  expect((await setFaults('nonsense=1')).status).toBe(400);
  await setFaults('expire=1');
  const expired = await fetch(`${sandbox.url}/rest/user.current?auth=${token}`);
  expect(expired.status).toBe(401);
  expect(((await expired.json()) as { error: string }).error).toBe('expired_token');
  await setFaults('');
});

it('refuses a method past its operating time with 429 while other methods work', async () => {
  const fresh = await fetch(`${sandbox.url}/oauth/token/`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: String(sandbox.readyLine.clientId), client_secret: String(sandbox.readyLine.clientSecret), refresh_token: String(sandbox.readyLine.refreshToken) }),
  });
  const pair = (await fresh.json()) as { access_token: string; expires_in: number; member_id: string };
  expect(pair).toMatchObject({ expires_in: 3600, member_id: sandbox.readyLine.memberId });
  let status = 200;
  let operating = 0;
  for (let i = 0; i < 100 && status === 200; i += 1) {
    const res = await fetch(`${sandbox.url}/rest/crm.deal.list?auth=${pair.access_token}&select[]=*`);
    status = res.status;
    const body = (await res.json()) as { time?: { operating: number }; error?: string };
    if (status === 200) operating = body.time?.operating ?? 0;
    else expect(body.error).toBe('OPERATION_TIME_LIMIT');
  }
  expect(status).toBe(429);
  expect(operating).toBeGreaterThan(0.5);
  expect((await fetch(`${sandbox.url}/rest/user.current?auth=${pair.access_token}`)).status).toBe(200);
});
