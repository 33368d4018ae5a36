import { createHmac } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { RunningAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import { apiClient, startReceiver, startTiny } from './amocrm-helpers';
import type { Receiver } from './amocrm-helpers';

type Tokens = { access_token: string; refresh_token: string; expires_in: number; token_type: string };

async function token(sandbox: RunningAmoCrmSandbox, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${sandbox.url}/oauth2/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: sandbox.readyLine['clientId'], client_secret: sandbox.readyLine['clientSecret'],
      redirect_uri: sandbox.readyLine['redirectUri'], ...body,
    }),
  });
}

describe('amoCRM sandbox OAuth', () => {
  let sandbox: RunningAmoCrmSandbox;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    sandbox = await startTiny({ redirectUri: `${receiver.url}/install/amocrm` });
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });

  it('rotates refresh tokens: the spent one is revoked', async () => {
    const first = await token(sandbox, { grant_type: 'refresh_token', refresh_token: sandbox.readyLine['refreshToken'] });
    expect(first.status).toBe(200);
    const pair = (await first.json()) as Tokens;
    expect(pair).toEqual(expect.objectContaining({ token_type: 'Bearer', expires_in: 86_400 }));
    expect(pair.refresh_token).not.toBe(sandbox.readyLine['refreshToken']);

    const reuse = await token(sandbox, { grant_type: 'refresh_token', refresh_token: sandbox.readyLine['refreshToken'] });
    expect(reuse.status).toBe(401);
    expect(reuse.headers.get('content-type')).toContain('application/problem+json');
    expect(await reuse.json()).toEqual(expect.objectContaining({ hint: 'Token has been revoked', status: 401, type: 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson' }));

    expect((await apiClient(sandbox, pair.access_token).get('/api/v4/account')).status).toBe(200);
    const next = await token(sandbox, { grant_type: 'refresh_token', refresh_token: pair.refresh_token });
    expect(next.status).toBe(200);
  });

  it('refuses unknown tokens and a wrong client secret', async () => {
    const bad = await apiClient(sandbox, 'not-a-token').get('/api/v4/leads');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual(expect.objectContaining({ status: 401, title: expect.any(String) }));
    expect((await fetch(`${sandbox.url}/api/v4/leads`)).status).toBe(401);
    const wrongSecret = await token(sandbox, { grant_type: 'refresh_token', refresh_token: 'x', client_secret: 'nope' });
    expect(wrongSecret.status).toBe(401);
  });

  it('simulates the install: a code sent to the redirect URI, exchanged once with the exact redirect_uri', async () => {
    const install = await fetch(`${sandbox.url}/_sandbox/install`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state: 'csrf-123' }),
    });
    const sent = (await install.json()) as { code: string; status: number };
    expect(sent.status).toBe(200);
    const hit = receiver.requests.at(-1);
    expect(hit?.method).toBe('GET');
    const query = new URL(hit?.url ?? '', receiver.url).searchParams;
    expect(Object.fromEntries(query)).toEqual({
      code: sent.code, referer: new URL(sandbox.url).host, client_id: sandbox.readyLine['clientId'], from_widget: '1', state: 'csrf-123',
    });
    const mismatch = await token(sandbox, { grant_type: 'authorization_code', code: sent.code, redirect_uri: `${receiver.url}/install/amocrm/` });
    expect(mismatch.status).toBe(400);
    const exchanged = await token(sandbox, { grant_type: 'authorization_code', code: sent.code });
    expect(exchanged.status).toBe(200);
    const again = await token(sandbox, { grant_type: 'authorization_code', code: sent.code });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual(expect.objectContaining({ hint: 'Authorization code has been revoked' }));
  });

  it('issues a widget token that verifies with jose under the client secret and the redirect origin', async () => {
    const response = await fetch(`${sandbox.url}/_sandbox/widget-token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 2, isAdmin: false }),
    });
    const { token: jwt } = (await response.json()) as { token: string };
    const secret = new TextEncoder().encode(String(sandbox.readyLine['clientSecret']));
    const { payload, protectedHeader } = await jwtVerify(jwt, secret, {
      algorithms: ['HS256'], audience: receiver.url, issuer: sandbox.url, clockTolerance: 5,
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toEqual(expect.objectContaining({
      account_id: sandbox.readyLine['accountId'], subdomain: sandbox.readyLine['subdomain'], client_uuid: sandbox.readyLine['clientId'],
      user_id: 2, is_admin: false, jti: expect.any(String),
    }));
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(1800);
    await expect(jwtVerify(jwt, new TextEncoder().encode('other-secret'), { algorithms: ['HS256'] })).rejects.toThrow();
    await expect(jwtVerify(jwt, secret, { algorithms: ['HS256'], audience: 'https://elsewhere.example' })).rejects.toThrow();
  });
});

describe('amoCRM sandbox token lifetime, disconnect and rate limit', () => {
  it('expires access tokens after their lifetime', async () => {
    let clock = Date.parse('2026-06-30T10:00:00Z');
    const sandbox = await startTiny({ tokenTtlSeconds: 60, now: () => clock });
    try {
      const api = apiClient(sandbox);
      expect((await api.get('/api/v4/account')).status).toBe(200);
      clock += 61_000;
      const expired = await api.get('/api/v4/account');
      expect(expired.status).toBe(401);
    } finally {
      await sandbox.close();
    }
  });

  it('sends the signed disconnect hook and revokes every token', async () => {
    const receiver = await startReceiver();
    const sandbox = await startTiny();
    try {
      const response = await fetch(`${sandbox.url}/_sandbox/disconnect`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hookUrl: `${receiver.url}/hooks/amocrm/disconnect` }),
      });
      expect(response.status).toBe(200);
      const query = new URL(receiver.requests[0]?.url ?? '', receiver.url).searchParams;
      const accountId = String(sandbox.readyLine['accountId']);
      const expected = createHmac('sha256', String(sandbox.readyLine['clientSecret'])).update(`${String(sandbox.readyLine['clientId'])}|${accountId}`).digest('hex');
      expect(receiver.requests[0]?.method).toBe('GET');
      expect(query.get('account_id')).toBe(accountId);
      expect(query.get('client_uuid')).toBe(sandbox.readyLine['clientId']);
      expect(query.get('signature')).toBe(expected);
      expect((await apiClient(sandbox).get('/api/v4/account')).status).toBe(401);
      const refresh = await token(sandbox, { grant_type: 'refresh_token', refresh_token: sandbox.readyLine['refreshToken'] });
      expect(refresh.status).toBe(401);
      expect(await refresh.json()).toEqual(expect.objectContaining({ hint: 'Token has been revoked' }));
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });

  it('gives 429 to the eighth request within one second, then lets requests through again', async () => {
    let clock = Date.parse('2026-06-30T10:00:00Z');
    const sandbox = await startTiny({ rateLimit: true, now: () => clock });
    try {
      const api = apiClient(sandbox);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i += 1) {
        statuses.push((await api.get('/api/v4/leads?limit=1')).status);
        clock += 100;
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 429]);
      const limited = await api.get('/api/v4/account');
      expect(limited.status).toBe(429);
      clock += 301; // the first request is now more than a second old
      expect((await api.get('/api/v4/account')).status).toBe(200);
      const stats = (await (await fetch(`${sandbox.url}/_sandbox/stats`)).json()) as { rejections: Record<string, number>; byMethod: Record<string, number> };
      expect(stats.rejections['429']).toBe(2);
      expect(stats.byMethod['GET /api/v4/leads']).toBe(8);
    } finally {
      await sandbox.close();
    }
  });

  it('lets 7 concurrent requests through and refuses the rest with real time', async () => {
    const sandbox = await startTiny({ rateLimit: true });
    try {
      const api = apiClient(sandbox);
      const statuses = await Promise.all(Array.from({ length: 10 }, () => api.get('/api/v4/account').then((r) => r.status)));
      expect(statuses.filter((status) => status === 200)).toHaveLength(7);
      expect(statuses.filter((status) => status === 429)).toHaveLength(3);
    } finally {
      await sandbox.close();
    }
  });
});
