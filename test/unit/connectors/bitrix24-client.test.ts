import axios from 'axios';
import nock from 'nock';
import qs from 'qs';
import { KamError } from '../../../src/core/errors';
import { createBitrix24Client, type BatchCommand, type Bitrix24Client } from '../../../src/connectors/bitrix24/bitrix24-client';
import { createLeakyBucketLimiter, type Clock } from '../../../src/connectors/shared/rate-limiter';
import { createRequestMeter, type RequestMeter } from '../../../src/connectors/shared/request-meter';
import type { TokenManager } from '../../../src/connectors/shared/token-manager';
import { createSilentLogger } from '../../../src/logging/logger';

const PORTAL = 'https://portal.example';

interface Harness {
  client: Bitrix24Client;
  meter: RequestMeter;
  tokens: { accessToken: jest.Mock<Promise<string>, []>; refresh: jest.Mock<Promise<string>, [string]> };
  sleeps: number[];
  limiterSleeps: number[];
  /** Every body the portal received, in order. */
  bodies: Array<Record<string, unknown>>;
}

function harness(options: { maxRetries?: number } = {}): Harness {
  let current = 'token-old';
  const tokens = {
    accessToken: jest.fn(async () => current),
    refresh: jest.fn(async (_stale: string) => {
      current = 'token-new';
      return current;
    }),
  };
  const limiterSleeps: number[] = [];
  let now = 0;
  // The limiter's clock jumps instead of waiting: a pause after a 503 costs no real time.
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      limiterSleeps.push(ms);
      now += ms;
    },
  };
  const meter = createRequestMeter();
  const sleeps: number[] = [];
  const client = createBitrix24Client({
    clientEndpoint: `${PORTAL}/rest/`,
    http: axios.create(),
    tokens: tokens satisfies TokenManager,
    limiter: createLeakyBucketLimiter({ ratePerSecond: 1000, burst: 1000, clock }),
    meter,
    logger: createSilentLogger(),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { client, meter, tokens, sleeps, limiterSleeps, bodies: [] };
}

/** Intercepts `method` on the fake portal, recording the body of every request. */
function portal(h: Harness, method: string) {
  return nock(PORTAL)
    .post(`/rest/${method}.json`, (body: Record<string, unknown>) => {
      h.bodies.push(body);
      return true;
    });
}

/**
 * An Error instance with a code: with nock 14 + axios, `replyWithError({ code: 'ECONNRESET' })`
 * (a plain object) never settles the request, so the test would hang.
 */
const connectionReset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(() => {
  nock.enableNetConnect();
});

describe('Bitrix24 client: expired tokens', () => {
  it('on 401 expired_token refreshes once, retries once with the new token, and counts 2 requests', async () => {
    const h = harness();
    portal(h, 'crm.deal.get').reply(401, { error: 'expired_token', error_description: 'The access token provided has expired.' });
    portal(h, 'crm.deal.get').reply(200, { result: { ID: '5' } });
    await expect(h.client.call('crm.deal.get', { id: 5 })).resolves.toEqual({ result: { ID: '5' } });
    expect(h.tokens.refresh).toHaveBeenCalledTimes(1);
    expect(h.tokens.refresh).toHaveBeenCalledWith('token-old');
    expect(h.bodies.map((body) => body.auth)).toEqual(['token-old', 'token-new']);
    expect(h.bodies[1]).toMatchObject({ id: 5 });
    expect(h.meter.snapshot()).toMatchObject({ requests: 2, byMethod: { 'crm.deal.get': 2 } });
    expect(h.sleeps).toEqual([]); // no backoff for a refresh
    expect(nock.isDone()).toBe(true);
  });

  it('also refreshes on a create (idempotent: false): an expired token proves nothing happened', async () => {
    const h = harness();
    portal(h, 'crm.timeline.comment.add').reply(401, { error: 'expired_token' });
    portal(h, 'crm.timeline.comment.add').reply(200, { result: 77 });
    await expect(h.client.call('crm.timeline.comment.add', { fields: { COMMENT: 'x' } }, { idempotent: false })).resolves.toEqual({ result: 77 });
    expect(h.meter.snapshot().requests).toBe(2);
  });

  it.each([
    ['a read', 'crm.deal.get', true],
    ['a create', 'crm.activity.todo.add', false],
  ])('on %s, refreshes at most twice (the 2nd refresh spends the refresh token) and gives up after 3 requests, never backing off', async (_label, method, idempotent) => {
    const h = harness();
    // The first refresh hands out a pair another worker stored; that one is refused too.
    let current = 'token-old';
    h.tokens.accessToken.mockImplementation(async () => current);
    h.tokens.refresh.mockImplementation(async (stale) => {
      current = stale === 'token-old' ? 'token-2' : 'token-3';
      return current;
    });
    portal(h, method).times(3).reply(401, { error: 'expired_token' });
    portal(h, method).reply(200, { result: { id: 1 } });
    await expect(h.client.call(method, {}, { idempotent })).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(h.tokens.refresh.mock.calls).toEqual([['token-old'], ['token-2']]);
    expect(h.bodies.map((body) => body.auth)).toEqual(['token-old', 'token-2', 'token-3']);
    expect(h.meter.snapshot().requests).toBe(3);
    expect(h.sleeps).toEqual([]);
    expect(h.meter.snapshot().rejections).toEqual({});
  });

  it('does not refresh on 401 NO_AUTH_FOUND (a wrong token is not an expired one)', async () => {
    const h = harness();
    portal(h, 'user.current').reply(401, { error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' });
    await expect(h.client.call('user.current')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(h.tokens.refresh).not.toHaveBeenCalled();
    expect(h.meter.snapshot().requests).toBe(1);
  });
});

describe('Bitrix24 client: rate limits and retries', () => {
  it('retries 503 QUERY_LIMIT_EXCEEDED even for a create, counts the rejection, and pauses the limiter', async () => {
    const h = harness();
    portal(h, 'crm.timeline.comment.add').reply(503, { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
    portal(h, 'crm.timeline.comment.add').reply(200, { result: 12 });
    await expect(h.client.call('crm.timeline.comment.add', { fields: {} }, { idempotent: false })).resolves.toEqual({ result: 12 });
    const counts = h.meter.snapshot();
    expect(counts.requests).toBe(2);
    expect(counts.rejections).toEqual({ QUERY_LIMIT_EXCEEDED: 1 });
    expect(h.sleeps).toHaveLength(1);
    expect(h.sleeps[0]).toBeGreaterThanOrEqual(500); // backoff base
    // Everyone waits after a refusal: the next acquire sat out the pause on the limiter clock.
    expect(h.limiterSleeps.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(500);
  });

  it('retries 429 OPERATION_TIME_LIMIT and counts it under its own code', async () => {
    const h = harness();
    portal(h, 'crm.deal.list').reply(429, { error: 'OPERATION_TIME_LIMIT' });
    portal(h, 'crm.deal.list').reply(200, { result: [], total: 0 });
    await expect(h.client.call('crm.deal.list')).resolves.toEqual({ result: [], total: 0 });
    expect(h.meter.snapshot().rejections).toEqual({ OPERATION_TIME_LIMIT: 1 });
  });

  it('gives up after maxRetries retries with growing backoff', async () => {
    const h = harness({ maxRetries: 2 });
    portal(h, 'crm.deal.list').times(3).reply(503, { error: 'QUERY_LIMIT_EXCEEDED' });
    portal(h, 'crm.deal.list').reply(200, { result: [] });
    await expect(h.client.call('crm.deal.list')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(h.meter.snapshot()).toMatchObject({ requests: 3, rejections: { QUERY_LIMIT_EXCEEDED: 3 } });
    expect(h.sleeps).toHaveLength(2);
    expect(h.sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(h.sleeps[0]).toBeLessThan(1000);
    expect(h.sleeps[1]).toBeGreaterThanOrEqual(1000);
    expect(h.sleeps[1]).toBeLessThan(1500);
  });

  it('does not retry 503 OVERLOAD_LIMIT (a manual block by support)', async () => {
    const h = harness();
    portal(h, 'crm.deal.list').reply(503, { error: 'OVERLOAD_LIMIT' });
    await expect(h.client.call('crm.deal.list')).rejects.toMatchObject({ code: 'CRM_UNAVAILABLE', retryable: false });
    expect(h.meter.snapshot().requests).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  it('retries a network error on a read', async () => {
    const h = harness();
    portal(h, 'crm.deal.list').replyWithError(connectionReset());
    portal(h, 'crm.deal.list').reply(200, { result: [{ ID: '1' }] });
    await expect(h.client.call('crm.deal.list')).resolves.toEqual({ result: [{ ID: '1' }] });
    expect(h.meter.snapshot().requests).toBe(2);
  });

  it('does NOT retry a network error on a create: exactly one request, error code NETWORK', async () => {
    const h = harness();
    portal(h, 'crm.activity.todo.add').replyWithError(connectionReset());
    portal(h, 'crm.activity.todo.add').reply(200, { result: { id: 9 } });
    const error = await h.client.call('crm.activity.todo.add', {}, { idempotent: false }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KamError);
    expect(error).toMatchObject({ code: 'NETWORK', message: expect.stringContaining('ECONNRESET') });
    expect(h.meter.snapshot().requests).toBe(1);
    expect(h.bodies).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });

  it('does not retry a 500 on a create, but does on a read', async () => {
    const create = harness();
    portal(create, 'crm.timeline.comment.add').reply(500, { error: 'INTERNAL_SERVER_ERROR' });
    portal(create, 'crm.timeline.comment.add').reply(200, { result: 1 });
    await expect(create.client.call('crm.timeline.comment.add', {}, { idempotent: false })).rejects.toMatchObject({ code: 'CRM_UNAVAILABLE' });
    expect(create.meter.snapshot().requests).toBe(1);
    nock.cleanAll();

    const read = harness();
    portal(read, 'crm.deal.get').reply(500, { error: 'INTERNAL_SERVER_ERROR' });
    portal(read, 'crm.deal.get').reply(200, { result: { ID: '1' } });
    await expect(read.client.call('crm.deal.get', { id: 1 })).resolves.toEqual({ result: { ID: '1' } });
    expect(read.meter.snapshot().requests).toBe(2);
  });

  it('treats a 200 with an error body as an error (no retry for a rejection)', async () => {
    const h = harness();
    portal(h, 'crm.deal.update').reply(200, { error: 'ACCESS_DENIED', error_description: 'Access denied' });
    await expect(h.client.call('crm.deal.update', { id: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(h.meter.snapshot().requests).toBe(1);
  });

  it('counts requests under the phase they run in', async () => {
    const h = harness();
    portal(h, 'user.current').reply(200, { result: { ID: '1' } });
    portal(h, 'crm.deal.list').reply(200, { result: [] });
    await h.meter.inPhase('setup', () => h.client.call('user.current'));
    await h.meter.inPhase('sync', () => h.client.call('crm.deal.list'));
    expect(h.meter.snapshot().byPhase).toEqual({ setup: 1, sync: 1, writeBack: 0, other: 0 });
  });
});

describe('Bitrix24 client: batch', () => {
  const commands: BatchCommand[] = [
    { key: 'w0', method: 'crm.deal.list', params: { order: { ID: 'ASC' }, filter: { '>=ID': 1, '<ID': 51 }, select: ['ID', 'TITLE'], start: -1 } },
    { key: 'w1', method: 'crm.company.list', params: { filter: { '%TITLE': 'A&B = C' }, start: -1 } },
    { key: 'me', method: 'user.current', params: {} },
  ];

  it('sends all commands in ONE request as method?query strings with bracket notation', async () => {
    const h = harness();
    portal(h, 'batch').reply(200, {
      result: { result: { w0: [{ ID: '1' }], w1: [], me: { ID: '1' } }, result_error: [], result_total: { w0: 1 }, result_next: [], result_time: {} },
    });
    const outcome = await h.client.batch(commands);
    expect(h.bodies).toHaveLength(1);
    const cmd = h.bodies[0]?.cmd as Record<string, string>;
    expect(cmd).toEqual({
      // Keys are percent-encoded as well (a portal splits each pair at its first "=").
      w0: 'crm.deal.list?order%5BID%5D=ASC&filter%5B%3E%3DID%5D=1&filter%5B%3CID%5D=51&select%5B0%5D=ID&select%5B1%5D=TITLE&start=-1',
      w1: 'crm.company.list?filter%5B%25TITLE%5D=A%26B%20%3D%20C&start=-1',
      me: 'user.current',
    });
    expect(h.bodies[0]).toMatchObject({ halt: 0, auth: 'token-old' });
    // The query decodes back to the params (qs bracket notation).
    const w0 = cmd.w0 as string;
    expect(qs.parse(w0.slice(w0.indexOf('?') + 1))).toEqual({ order: { ID: 'ASC' }, filter: { '>=ID': '1', '<ID': '51' }, select: ['ID', 'TITLE'], start: '-1' });
    expect(outcome).toEqual({ results: { w0: [{ ID: '1' }], w1: [], me: { ID: '1' } }, errors: {}, totals: { w0: 1 } });
    expect(h.meter.snapshot()).toMatchObject({ requests: 1, byMethod: { batch: 1 } });
  });

  /*
   * SUSPECTED BUG (src/connectors/bitrix24/bitrix24-client.ts:68, encodeCommand uses
   * `encodeValuesOnly: true`): keys are sent raw, so `filter[>=ID]=1` contains a second '='.
   * The portal parses each command's query with PHP parse_str, which splits a pair at its FIRST
   * '=': the key becomes `filter[>` (unclosed bracket -> `filter_>`) and the value `ID]=1`, so
   * the lower bound of every window in bitrix24-sync.ts (and `>=DATE_MODIFY` in the reconcile)
   * would be silently dropped. The sandbox parses with `qs`, which special-cases `]=`, so the
   * sandbox cannot show it. The PHP SDK (http_build_query) and b24jssdk (qs.stringify defaults)
   * percent-encode keys. Not verified against a live portal. Fix: drop `encodeValuesOnly`.
   */
  it('encodes command keys so a parser that splits at the first "=" (PHP parse_str) keeps the filter', async () => {
    const h = harness();
    portal(h, 'batch').reply(200, { result: { result: {}, result_error: [] } });
    await h.client.batch(commands.slice(0, 1));
    const w0 = (h.bodies[0]?.cmd as Record<string, string>).w0 as string;
    const keys = w0
      .slice(w0.indexOf('?') + 1)
      .split('&')
      .map((pair) => decodeURIComponent(pair.slice(0, pair.indexOf('='))));
    expect(keys).toEqual(expect.arrayContaining(['filter[>=ID]', 'filter[<ID]']));
  });

  it('refuses more than 50 commands without sending anything', async () => {
    const h = harness();
    const many = Array.from({ length: 51 }, (_, i) => ({ key: `c${i}`, method: 'crm.deal.get', params: { id: i } }));
    await expect(h.client.batch(many)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(h.meter.snapshot().requests).toBe(0);
    expect(h.tokens.accessToken).not.toHaveBeenCalled();
  });

  it('sends exactly 50 commands in one request, and nothing at all for none', async () => {
    const h = harness();
    portal(h, 'batch').reply(200, { result: { result: {}, result_error: [] } });
    await h.client.batch(Array.from({ length: 50 }, (_, i) => ({ key: `c${i}`, method: 'crm.deal.get', params: { id: i } })));
    expect(Object.keys(h.bodies[0]?.cmd as object)).toHaveLength(50);
    await expect(h.client.batch([])).resolves.toEqual({ results: {}, errors: {}, totals: {} });
    expect(h.meter.snapshot().requests).toBe(1);
  });

  it('returns per-command errors from result_error and counts limit refusals inside the batch', async () => {
    const h = harness();
    portal(h, 'batch').reply(200, {
      result: {
        result: { w0: [{ ID: '1' }] },
        result_error: { w1: { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked' }, me: { error: 'ACCESS_DENIED' } },
        result_total: [],
      },
    });
    const outcome = await h.client.batch(commands, { halt: true });
    expect(h.bodies[0]).toMatchObject({ halt: 1 });
    expect(outcome.results).toEqual({ w0: [{ ID: '1' }] });
    expect(outcome.errors).toEqual({ w1: { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked' }, me: { error: 'ACCESS_DENIED' } });
    expect(outcome.totals).toEqual({});
    expect(h.meter.snapshot()).toMatchObject({ requests: 1, rejections: { OPERATION_TIME_LIMIT: 1 } });
  });

  it('a command refused for operating time holds back the next batch with that method, not one without it', async () => {
    const h = harness();
    portal(h, 'batch').reply(200, {
      result: { result: { w0: [] }, result_error: { w1: { error: 'OPERATION_TIME_LIMIT' } }, result_time: { w0: { operating_reset_at: 1 } } },
    });
    await h.client.batch(commands);
    expect(h.sleeps).toEqual([]);
    portal(h, 'batch').reply(200, { result: { result: { me: { ID: '1' } } } });
    await h.client.batch(commands.slice(2));
    expect(h.sleeps).toEqual([]);
    portal(h, 'batch').reply(200, { result: { result: { w0: [], w1: [] } } });
    await h.client.batch(commands.slice(0, 2));
    expect(h.sleeps).toHaveLength(1);
    expect(h.sleeps[0]).toBeGreaterThan(0);
    expect(h.sleeps[0]).toBeLessThanOrEqual(60_000);
  });

  it('retries the whole batch after a 503 QUERY_LIMIT_EXCEEDED', async () => {
    const h = harness();
    portal(h, 'batch').reply(503, { error: 'QUERY_LIMIT_EXCEEDED' });
    portal(h, 'batch').reply(200, { result: { result: { me: { ID: '1' } } } });
    await expect(h.client.batch(commands.slice(2))).resolves.toMatchObject({ results: { me: { ID: '1' } } });
    expect(h.meter.snapshot()).toMatchObject({ requests: 2, rejections: { QUERY_LIMIT_EXCEEDED: 1 } });
  });
});
