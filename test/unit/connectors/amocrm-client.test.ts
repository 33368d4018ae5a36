import axios from 'axios';
import nock from 'nock';
import { createAmoClient, type AmoClient } from '../../../src/connectors/amocrm/amocrm-client';
import { createAmoWriter } from '../../../src/connectors/amocrm/amocrm-writer';
import type { AmoSlot } from '../../../src/connectors/amocrm/amocrm-setup';
import { createWindowLimiter, type Clock } from '../../../src/connectors/shared/rate-limiter';
import { createRequestMeter, type RequestMeter } from '../../../src/connectors/shared/request-meter';
import { createSilentLogger } from '../../../src/logging/logger';

const ACCOUNT = 'https://acme.amocrm.ru';

interface Harness {
  client: AmoClient;
  meter: RequestMeter;
  refresh: jest.Mock<Promise<string>, [string]>;
  sleeps: number[];
  pauses: number[];
}

function harness(): Harness {
  let token = 'token-old';
  const refresh = jest.fn(async (_stale: string) => {
    token = 'token-new';
    return token;
  });
  let now = 0;
  const pauses: number[] = [];
  const clock: Clock = { now: () => now, sleep: async (ms) => { pauses.push(ms); now += ms; } };
  const sleeps: number[] = [];
  const meter = createRequestMeter();
  const client = createAmoClient({
    baseUrl: ACCOUNT, clientId: 'client-uuid', http: axios.create(),
    tokens: { accessToken: async () => token, refresh },
    limiter: createWindowLimiter({ perSecond: 7, clock }), meter, logger: createSilentLogger(),
    backoffMs: 100, random: () => 0.5,
    sleep: async (ms) => { sleeps.push(ms); },
  });
  return { client, meter, refresh, sleeps, pauses };
}

const SLOT: AmoSlot = {
  company: { tierFieldId: 11, scoreFieldId: 12, tierEnumIds: { a: 101, b: 102 } },
  contact: null, appUserId: '5', timezone: 'Europe/Moscow', currency: 'RUB', webhook: null,
};

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('amoCRM client', () => {
  it('sends the bearer token and X-Client-UUID, and reads a 204 as an empty answer', async () => {
    const h = harness();
    const scope = nock(ACCOUNT, { reqheaders: { authorization: 'Bearer token-old', 'x-client-uuid': 'client-uuid' } })
      .get((uri) => decodeURIComponent(uri) === '/api/v4/leads?limit=250&filter[id][]=1&filter[id][]=2').reply(204);
    expect(await h.client.get('/api/v4/leads', { limit: 250, filter: { id: ['1', '2'] } })).toBeNull();
    expect(scope.isDone()).toBe(true);
    expect(h.meter.snapshot().byMethod).toEqual({ 'GET /api/v4/leads': 1 });
  });

  it('reads a missing single record as absent, whether amo answers 204 or 404', async () => {
    const h = harness();
    nock(ACCOUNT).get('/api/v4/companies/7').reply(404, { title: 'Not Found', status: 404 }).get('/api/v4/companies/8').reply(204);
    expect(await h.client.get('/api/v4/companies/7', {}, { absentOk: true })).toBeNull();
    expect(await h.client.get('/api/v4/companies/8', {}, { absentOk: true })).toBeNull();
  });

  it('backs off with jitter after a 429 with an HTML body, holding every request of the account, then succeeds', async () => {
    const h = harness();
    nock(ACCOUNT).get('/api/v4/account').reply(429, '<html><body>Too Many Requests</body></html>', { 'content-type': 'text/html' })
      .get('/api/v4/account').reply(429, '')
      .get('/api/v4/account').reply(200, { id: 1 });
    expect(await h.client.get('/api/v4/account')).toEqual({ id: 1 });
    // 100 * 2^n + 0.5 * 100: exponential, with jitter on top.
    expect(h.sleeps).toEqual([150, 250]);
    expect(h.meter.snapshot().rejections).toEqual({ HTTP_429: 2 });
    expect(h.pauses.length).toBeGreaterThan(0);
  });

  it('stops at once on the 403 account block: one request, a typed error that blocks the installation', async () => {
    const h = harness();
    nock(ACCOUNT).get('/api/v4/leads').reply(403, '<html>Forbidden</html>');
    await expect(h.client.get('/api/v4/leads')).rejects.toMatchObject({ code: 'FORBIDDEN', retryable: false, details: expect.objectContaining({ vendorCode: 'ACCOUNT_BLOCKED', blockInstallation: true }) });
    expect(h.meter.snapshot().requests).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  it('refreshes a refused token once and repeats the request', async () => {
    const h = harness();
    nock(ACCOUNT).get('/api/v4/account').matchHeader('authorization', 'Bearer token-old').reply(401, { title: 'Unauthorized', status: 401 })
      .get('/api/v4/account').matchHeader('authorization', 'Bearer token-new').reply(200, { id: 2 });
    expect(await h.client.get('/api/v4/account')).toEqual({ id: 2 });
    expect(h.refresh).toHaveBeenCalledWith('token-old');
  });

  it('never sends a create twice after a 5xx, but retries a read', async () => {
    const h = harness();
    nock(ACCOUNT).post('/api/v4/tasks').reply(502, '').get('/api/v4/tasks').reply(503, '').get('/api/v4/tasks').reply(204);
    await expect(h.client.write('POST', '/api/v4/tasks', [{ text: 'x' }])).rejects.toMatchObject({ code: 'CRM_UNAVAILABLE' });
    expect(await h.client.get('/api/v4/tasks')).toBeNull();
    expect(h.meter.snapshot().requests).toBe(3);
  });

  it('follows next-page links only on the installed account', async () => {
    const h = harness();
    await expect(h.client.follow('https://evil.example/api/v4/leads?page=2')).rejects.toMatchObject({ code: 'CRM_REJECTED' });
    nock(ACCOUNT).get('/api/v4/leads').query({ page: '2', limit: '250' }).reply(200, { _embedded: { leads: [] } });
    expect(await h.client.follow(`${ACCOUNT}/api/v4/leads?page=2&limit=250`)).toEqual({ _embedded: { leads: [] } });
  });
});

describe('window limiter counting from answers', () => {
  it('lets the 8th request go only a full window after the 7th answer it waits for, however late the answers come', async () => {
    let now = 0;
    const clock: Clock = { now: () => now, sleep: async (ms) => { now += ms; } };
    const limiter = createWindowLimiter({ perSecond: 7, countFromAnswer: true, clock });
    for (let i = 0; i < 7; i += 1) await limiter.acquire();
    expect(now).toBe(0);
    // The answers come late (a slow network): the server may have counted them up to then.
    now = 400;
    for (let i = 0; i < 7; i += 1) limiter.answered?.();
    await limiter.acquire();
    expect(now).toBeGreaterThanOrEqual(1400);
  });

  it('without answers counted, the window starts at the send (the plain limiter)', async () => {
    let now = 0;
    const clock: Clock = { now: () => now, sleep: async (ms) => { now += ms; } };
    const limiter = createWindowLimiter({ perSecond: 7, clock });
    for (let i = 0; i < 7; i += 1) await limiter.acquire();
    now = 400;
    await limiter.acquire();
    expect(now).toBeGreaterThanOrEqual(1000);
    expect(now).toBeLessThan(1400);
  });
});

describe('amoCRM writer faults', () => {
  it('halves a PATCH chunk on 504 and sends the halves, and later chunks stay smaller', async () => {
    const h = harness();
    const sizes: number[] = [];
    nock(ACCOUNT).patch('/api/v4/companies').reply(504, '<html>Gateway Time-out</html>')
      .patch('/api/v4/companies').times(3).reply(200, (_uri, body) => {
        const items = body as Array<{ id: number; request_id: string }>;
        sizes.push(items.length);
        return { _embedded: { companies: items.map((item) => ({ id: item.id, request_id: item.request_id })) } };
      });
    const writer = createAmoWriter({ client: h.client, slot: SLOT, lang: 'ru', chunkSize: 4 });
    const outcome = await writer.writeFields(['1', '2', '3', '4', '5', '6'].map((id) => ({ accountId: id, tier: 'a', score: 1 })));
    expect(outcome.done.sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(sizes).toEqual([2, 2, 2]);
  });

  it('halves again inside a half that times out, sending every item exactly once', async () => {
    const h = harness();
    const sent: string[][] = [];
    // Anything over 3 items times out, as amo's gateway does on a batch too big.
    nock(ACCOUNT).patch('/api/v4/companies').times(20).reply((_uri, body) => {
      const items = body as Array<{ id: number; request_id: string }>;
      if (items.length > 3) return [504, '<html>Gateway Time-out</html>'];
      sent.push(items.map((item) => item.request_id));
      return [200, { _embedded: { companies: items.map((item) => ({ id: item.id, request_id: item.request_id })) } }];
    });
    const writer = createAmoWriter({ client: h.client, slot: SLOT, lang: 'ru', chunkSize: 8 });
    const ids = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'];
    const outcome = await writer.writeFields(ids.map((id) => ({ accountId: id, tier: 'a', score: 1 })));
    expect(outcome.done).toEqual(ids);
    expect(sent.flat()).toEqual(ids);
    expect(sent.map((chunk) => chunk.length)).toEqual([2, 2, 2, 2, 2]);
  });

  it('leaves a create whose answer was a 504 as unknown (never resent), and a validation refusal fails only the named item', async () => {
    const h = harness();
    nock(ACCOUNT).post('/api/v4/tasks').reply(504, '');
    const writer = createAmoWriter({ client: h.client, slot: SLOT, lang: 'en' });
    const todo = (key: string, accountId: string) => ({ dedupKey: key, accountId, ownerId: null, title: 'Call', description: '', dueDate: '2026-07-01' });
    const lost = await writer.createTodos([todo('k1', '1'), todo('k2', '2')]);
    expect(lost).toEqual({ done: [], failed: [], unknown: ['k1', 'k2'] });

    nock(ACCOUNT).post('/api/v4/companies/notes').reply(400, {
      title: 'Bad Request', status: 400, detail: 'Request validation failed',
      'validation-errors': [{ request_id: 'n2', errors: [{ code: 'NotSupportedChoice', path: 'entity_id', detail: 'The value you selected is not a valid choice.' }] }],
    }).post('/api/v4/companies/notes').reply(200, (_uri, body) => ({ _embedded: { notes: (body as Array<{ request_id: string }>).map((item, i) => ({ id: 900 + i, request_id: item.request_id })) } }));
    const notes = await writer.addComments([{ key: 'n1', accountId: '1', text: 'a' }, { key: 'n2', accountId: '999', text: 'b' }]);
    expect(notes.done).toEqual([{ key: 'n1', crmId: '900' }]);
    expect(notes.failed.map((item) => item.key)).toEqual(['n2']);
  });

  it('fails a tier the field has no value for, without a request', async () => {
    const h = harness();
    const writer = createAmoWriter({ client: h.client, slot: SLOT, lang: 'en' });
    const outcome = await writer.writeFields([{ accountId: '1', tier: 'z', score: 1 }]);
    expect(outcome.failed).toEqual([{ key: '1', reason: expect.stringContaining('tier z') }]);
    expect(h.meter.snapshot().requests).toBe(0);
  });
});
