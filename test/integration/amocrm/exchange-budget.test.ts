import { PassThrough } from 'node:stream';
import axios from 'axios';
import nock from 'nock';
import { createAmoInbound } from '../../../src/connectors/amocrm/amocrm-edge';
import { AMO_EXCHANGES } from '../../../src/connectors/amocrm/amocrm-exchange-budget';
import { createAmoOAuth } from '../../../src/connectors/amocrm/amocrm-oauth';
import type { CrmApp } from '../../../src/app/crm-app';
import type { Result } from '../../../src/core/errors';
import type { CrmInbound } from '../../../src/core/ports/crm-connector.port';
import type { Storage } from '../../../src/core/ports/storage.port';
import { amocrmRoutes } from '../../../src/http/amocrm.routes';
import { createHttpApp } from '../../../src/http/create-http-app';
import { listen } from '../../../src/http/listen';
import { createLogger, createSilentLogger } from '../../../src/logging/logger';
import { sharedDatabases } from '../../support/shared-database';

/**
 * Issue 12 / issue 9: the amoCRM Redirect URI exchanges a code at amo's OAuth server only within
 * budgets kept in the database, so two web processes on one database spend one budget between
 * them: 60 exchanges at once, then one a second, in all; 10 a minute per address for browser
 * redirects; amo's own widget-install calls (`from_widget`, one address for every account) meet
 * the overall budget only. amo's OAuth server is nock, which counts what reached it; time is a
 * hand-set clock.
 */
const CREDENTIALS = { clientId: 'client-1', clientSecret: 'integration-secret-0123456789', redirectUri: 'https://kam.example.com/amocrm/oauth' };
const HOSTS = /^[a-z0-9-]+\.amocrm\.ru$/;

/** amo's OAuth servers for *.amocrm.ru: every code is bogus (invalid_grant); counts the exchanges. */
function amoOAuthServer() {
  const seen: string[] = [];
  const scope = nock(/^https:\/\/[a-z0-9-]+\.amocrm\.ru(:443)?$/)
    .persist()
    .post('/oauth2/access_token')
    .reply(function reply() {
      seen.push(String(this.req.headers.host));
      return [400, { hint: 'Authorization code has been revoked', title: 'Bad request', status: 400 }];
    });
  return { seen, done: () => scope.persist(false) };
}

const inboundOf = (storage: Storage, now: () => number, logger = createSilentLogger()): CrmInbound =>
  createAmoInbound({
    installations: storage.installations,
    credentials: CREDENTIALS,
    accountHosts: HOSTS,
    oauth: createAmoOAuth({ http: axios.create({ timeout: 5_000 }), credentials: CREDENTIALS }),
    logger,
    rateBuckets: storage.rateBuckets,
    now,
  });

const code = (result: Result<unknown>) => (result.ok ? 'ok' : result.error.code);
const tally = (codes: string[]) => codes.reduce<Record<string, number>>((all, c) => ({ ...all, [c]: (all[c] ?? 0) + 1 }), {});

describe.each(sharedDatabases('amo-exchange'))('amoCRM install exchanges shared by two web processes: %s', (_name, engine) => {
  let drop: () => Promise<void>;
  const handles: Storage[] = [];
  let amo: ReturnType<typeof amoOAuthServer>;
  let clock = 0;
  let web: CrmInbound[];

  beforeAll(async () => {
    const opened = await engine();
    drop = opened.drop;
    handles.push(await opened.open(), await opened.open());
  });
  beforeEach(() => {
    amo = amoOAuthServer();
    // An hour on from the last test, every bucket is full again.
    clock += 3_600_000;
    web = handles.map((storage) => inboundOf(storage, () => clock));
  });
  afterEach(() => {
    amo.done();
    nock.cleanAll();
  });
  afterAll(async () => {
    await Promise.all(handles.map((handle) => handle.close()));
    await drop();
  });

  const redirect = (i: number, source: string, extra: Record<string, string> = {}) =>
    web[i % 2]!.verifyInstall({ query: { code: `bogus-code-${i}`, referer: `acct${i}.amocrm.ru`, ...extra }, body: {}, headers: {}, source });

  it('widget installs from amo\'s one address: 60 exchanges across both processes, the rest refused before amo is asked', async () => {
    // 70 marketplace installs at once, all from the address amo's servers call from, half through each process.
    const answers = await Promise.all(Array.from({ length: 70 }, (_, i) => redirect(i, '198.51.100.7', { from_widget: '1' })));
    expect(tally(answers.map(code))).toEqual({ UNAUTHORIZED: 60, RATE_LIMITED: 10 });
    // amo saw exactly the admitted ones; no per-address cap held genuine marketplace installs at 10.
    expect(amo.seen).toHaveLength(60);
    // A second later one more is due, through whichever process asks first, and only one.
    clock += AMO_EXCHANGES.intervalMs;
    expect([code(await redirect(70, '198.51.100.7', { from_widget: '1' })), code(await redirect(71, '198.51.100.7', { from_widget: '1' }))]).toEqual(['UNAUTHORIZED', 'RATE_LIMITED']);
    expect(amo.seen).toHaveLength(61);
  });

  it('browser redirects: 10 a minute from one address between both processes; another address still gets through', async () => {
    const fromOne: string[] = [];
    for (let i = 0; i < 14; i += 1) fromOne.push(code(await redirect(i, '203.0.113.5')));
    expect(tally(fromOne)).toEqual({ UNAUTHORIZED: 10, RATE_LIMITED: 4 });
    expect(code(await redirect(20, '203.0.113.6'))).toBe('UNAUTHORIZED');
    expect(amo.seen).toHaveLength(11);
    // Six seconds on, that address has one more.
    clock += 6_000;
    expect([code(await redirect(21, '203.0.113.5')), code(await redirect(22, '203.0.113.5'))]).toEqual(['UNAUTHORIZED', 'RATE_LIMITED']);
    expect(amo.seen).toHaveLength(12);
  });

  it('a redirect refused for what it is (malformed, a foreign host, a forged state) spends nothing and asks amo nothing', async () => {
    const refused = await Promise.all([
      web[0]!.verifyInstall({ query: { code: 'short', referer: 'a.amocrm.ru' }, body: {}, headers: {}, source: '203.0.113.9' }),
      web[1]!.verifyInstall({ query: { code: 'bogus-code-x', referer: 'evil.example.com' }, body: {}, headers: {}, source: '203.0.113.9' }),
      web[0]!.verifyInstall({ query: { code: 'bogus-code-y', referer: 'a.amocrm.ru', state: 'a.b.c' }, body: {}, headers: {}, source: '203.0.113.9' }),
    ]);
    expect(refused.map(code)).toEqual(['INPUT_INVALID', 'FORBIDDEN', 'UNAUTHORIZED']);
    expect(amo.seen).toEqual([]);
    // The address's 10 are all still there.
    const after: string[] = [];
    for (let i = 0; i < 11; i += 1) after.push(code(await redirect(100 + i, '203.0.113.9')));
    expect(tally(after)).toEqual({ UNAUTHORIZED: 10, RATE_LIMITED: 1 });
  });
});

describe('amoCRM Redirect URI over the budget: what the reader sees and what the log keeps', () => {
  it('answers 429 with the install page in the reader\'s language, no internal text, asks amo nothing and logs one bounded refusal line', async () => {
    const [, open] = sharedDatabases('amo-exchange-page')[0]!;
    const database = await open();
    const storage = await database.open();
    const amo = amoOAuthServer();
    const lines: Array<Record<string, unknown>> = [];
    const logStream = new PassThrough();
    const refusalLogged = new Promise<void>((resolve) => {
      logStream.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        if (lines.some((line) => line.message === 'inbound request refused')) resolve();
      });
    });
    const logger = createLogger({ level: 'debug', format: 'json', stream: logStream });
    const now = 1_800_000_000_000;
    const inbound = inboundOf(storage, () => now, logger);
    const routes = amocrmRoutes({
      app: {} as CrmApp, inbound, defaultLang: 'en', accountHosts: HOSTS, grantUrl: () => 'http://grant', accountPageView: (async () => ({})) as never,
    });
    const server = await listen(createHttpApp({ logger, routers: [routes] }), { host: '127.0.0.1', port: 0 });
    try {
      // Another process spent the whole budget a moment ago.
      for (let i = 0; i < AMO_EXCHANGES.burst; i += 1) await storage.rateBuckets.take('amocrm:exchange', AMO_EXCHANGES, now);
      const answer = await fetch(`${server.url}/amocrm/oauth?code=bogus-code-1&referer=acme.amocrm.ru&from_widget=1`, { headers: { 'accept-language': 'ru-RU,ru;q=0.9' } });
      const page = await answer.text();
      expect(answer.status).toBe(429);
      expect(page).toContain('Слишком много попыток. Попробуйте через минуту.');
      expect(page).not.toMatch(/RATE_LIMITED|amocrm:exchange|Too many amoCRM/);
      expect(amo.seen).toEqual([]);
      await refusalLogged;
      expect(lines.filter((line) => line.message === 'inbound request refused')).toEqual([
        expect.objectContaining({ route: '/amocrm/oauth', code: 'RATE_LIMITED', reason: 'Too many amoCRM install attempts; try again in a minute' }),
      ]);
      expect(JSON.stringify(lines)).not.toContain('bogus-code-1');
    } finally {
      amo.done();
      nock.cleanAll();
      await server.close();
      await storage.close();
      await database.drop();
    }
  });
});
