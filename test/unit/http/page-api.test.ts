import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KamError, fail, ok } from '../../../src/core/errors';
import type { Installation } from '../../../src/core/ports/installation-store.port';
import { apiRoutes, type PageUseCases } from '../../../src/http/api.routes';
import { createHttpApp } from '../../../src/http/create-http-app';
import { listen, type ListeningServer } from '../../../src/http/listen';
import { createCallerVerifier, type Bitrix24FrameChecks } from '../../../src/http/page-caller';
import { pagesRoutes } from '../../../src/http/pages.routes';
import { createSilentLogger } from '../../../src/logging/logger';

/** The page API and page shells at the HTTP edge: who may call, what a missing use case answers, what bad input gets. */
const installation = {
  id: 'i1', crm: 'bitrix24', externalId: 'member-1', domain: 'portal.bitrix24.ru', clientEndpoint: 'https://portal.bitrix24.ru/rest/',
  status: 'active', settings: {},
} as unknown as Installation;
const ADMIN = 'admin-token';
const USER = 'user-token';

describe('page API and page shells', () => {
  let server: ListeningServer;
  const checks: Bitrix24FrameChecks & { adminAsked: number } = {
    adminAsked: 0,
    async verifyFrameUser(memberId, token) {
      return memberId === 'member-1' && (token === ADMIN || token === USER) ? ok(installation) : fail(new KamError('UNAUTHORIZED', 'The portal did not accept the frame token'));
    },
    async isAdmin(_installation, token) {
      checks.adminAsked += 1;
      return token === ADMIN;
    },
  };
  const seen: unknown[] = [];
  const useCases: PageUseCases = {
    portfolio: async (caller, query) => {
      seen.push({ installation: caller.installation.id, ...query });
      return { period: { granularity: query.period, start: '2026-07-01', end: '2026-09-30' } } as never;
    },
  };

  beforeAll(async () => {
    const uiDir = mkdtempSync(join(tmpdir(), 'kam-ui-'));
    mkdirSync(join(uiDir, 'assets'));
    writeFileSync(join(uiDir, 'index.html'), '<!doctype html><html lang="en"><head><title>x</title></head><body><div id="app"></div></body></html>');
    writeFileSync(join(uiDir, 'assets', 'app.js'), 'console.log(1)');
    const verifier = createCallerVerifier({ bitrix24: checks });
    const app = createHttpApp({ logger: createSilentLogger(), routers: [pagesRoutes({ verifier, defaultLang: 'ru', uiDir }), apiRoutes({ verifier, defaultLang: 'ru', useCases })] });
    server = await listen(app, { host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close());

  const call = (path: string, token: string | null, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { ...(token ? { 'X-Kam-Member-Id': 'member-1', 'X-Kam-Auth': token } : {}), ...(init.headers ?? {}) } });

  it('refuses a call without frame credentials, or with a token the portal does not accept, before any use case runs', async () => {
    const none = await call('/api/portfolio?period=quarter', null);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { message: string; code: string } }).error.message).toBe('member_id and AUTH_ID are required');
    expect((await call('/api/portfolio', 'forged')).status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('hands a verified caller and the parsed period to the use case', async () => {
    const response = await call('/api/portfolio?period=month&asOf=2026-10-31', USER);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(seen.at(-1)).toEqual({ installation: 'i1', period: 'month', asOf: '2026-10-31' });
  });

  it('names the bad query field with a 400', async () => {
    const response = await call('/api/portfolio?period=week', USER);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'INPUT_INVALID', message: 'period must be month, quarter or year', fields: { period: 'period must be month, quarter or year' } } });
    expect((await call('/api/portfolio?asOf=31.10.2026', USER)).status).toBe(400);
  });

  it('refuses a repeated query field with a 400 naming it, not silently the default', async () => {
    const calls = seen.length;
    const repeated = await call('/api/portfolio?period=month&period=year', USER);
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toMatchObject({ error: { code: 'INPUT_INVALID', fields: { period: 'period must be given once, as text' } } });
    expect((await call('/api/portfolio?asOf=2026-01-01&asOf=2026-02-01', USER)).status).toBe(400);
    expect(seen.length).toBe(calls);
  });

  // Express 5's simple parser keeps `period[]=month` as a key of its own: it used to read as no period at all.
  it.each([
    ['/api/portfolio?period[]=month', 'period'],
    ['/api/portfolio?period[x]=month', 'period'],
    ['/api/portfolio?asOf[]=2026-01-01', 'asOf'],
    ['/api/portfolio?period=month&asOf%5B%5D=2026-01-01', 'asOf'],
    ['/api/report.csv?period=month&lang[]=en', 'lang'],
    ['/api/report.xlsx?lang=en&lang=ru', 'lang'],
    ['/api/report.xlsx?period[]=year', 'period'],
    ['/api/account-view?deal[]=5', 'deal'],
    ['/api/account-view?deal=5&company[]=6', 'company'],
    ['/api/account-view?contact=1&contact=2', 'contact'],
    ['/api/account-view?deal=abc', 'deal'],
    ['/api/account-view?company=-1', 'company'],
    ['/api/account-view?deal=5&company=6', 'entity'],
    ['/api/account-view', 'entity'],
  ])('answers %s with a 400 naming %s, before any use case or availability check', async (path, field) => {
    const calls = seen.length;
    const response = await call(path, USER);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; fields: Record<string, string> } };
    expect(body.error.code).toBe('INPUT_INVALID');
    expect(Object.keys(body.error.fields)).toEqual([field]);
    expect(seen.length).toBe(calls);
  });

  it('answers 503 with a clear message where the use case is not wired, and never invents data', async () => {
    const response = await call('/api/account-view?deal=5', USER);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { message: string; code: string } }).error.message).toBe('The account view is not available on this server yet');
    expect((await call('/api/report.xlsx?period=quarter', USER)).status).toBe(503);
  });

  it('keeps the settings to administrators (user.admin), asked once per token', async () => {
    const refused = await call('/api/settings', USER);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string; code: string } }).error.code).toBe('FORBIDDEN');
    const before = checks.adminAsked;
    expect((await call('/api/settings', ADMIN)).status).toBe(503);
    expect((await call('/api/settings/history', ADMIN)).status).toBe(503);
    expect(checks.adminAsked - before).toBe(1);
  });

  it('refuses a settings body that is not a JSON object with a 400 (a list used to read as an empty draft)', async () => {
    for (const path of ['/api/settings', '/api/settings/preview']) {
      const list = await call(path, ADMIN, { method: 'POST', body: '[]', headers: { 'Content-Type': 'application/json' } });
      expect(list.status).toBe(400);
      expect(((await list.json()) as { error: { fields: Record<string, string> } }).error.fields).toEqual({ body: 'The settings must be sent as a JSON object' });
      for (const body of ['"x"', 'null', '5']) expect((await call(path, ADMIN, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } })).status).toBe(400);
    }
  });

  it('serves a page shell only to a verified frame, framed by the portal alone, with the context in a meta tag', async () => {
    const form = new URLSearchParams({ member_id: 'member-1', AUTH_ID: USER, PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: '{"ID":"42"}' });
    const page = await fetch(`${server.url}/ui/card?LANG=en`, { method: 'POST', body: form });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain('frame-ancestors https://portal.bitrix24.ru');
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("'unsafe-inline' 'unsafe-eval'");
    const html = await page.text();
    expect(html).toContain('<html lang="en">');
    const context = JSON.parse(/name="kam-context" content="([^"]*)"/.exec(html)![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
    expect(context).toEqual({ page: 'card', crm: 'bitrix24', lang: 'en', auth: { memberId: 'member-1', authId: USER }, entity: { type: 'deal', id: '42' } });
    const forged = await fetch(`${server.url}/ui/card`, { method: 'POST', body: new URLSearchParams({ member_id: 'member-1', AUTH_ID: 'forged' }) });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await forged.text()).toContain('CRM не подтвердила, кто вы. Обновите страницу CRM и откройте KAM Pilot из неё заново.');
    expect((await fetch(`${server.url}/ui/assets/app.js`)).status).toBe(200);
  });

  it('answers the amoCRM widget\'s fallback address with a page that says, in the reader\'s language, why nothing shows', async () => {
    for (const [lang, words] of [['ru', 'открывается только из виджета amoCRM'], ['en', 'opens from the amoCRM widget only']] as const) {
      const response = await fetch(`${server.url}/amocrm/portfolio?lang=${lang}`);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toContain('frame-ancestors *');
      const html = await response.text();
      expect(html).toContain(`<html lang="${lang}">`);
      expect(html).toContain(words);
      // The same notice page as the other refusals: a heading from the catalogue, the sentence under it.
      expect(html).toContain(lang === 'ru' ? '<h1>KAM Pilot недоступен</h1>' : '<h1>KAM Pilot is not available</h1>');
    }
  });

  it('refuses amoCRM callers clearly while no amoCRM verifier is wired', async () => {
    const response = await fetch(`${server.url}/api/portfolio`, { headers: { 'X-Kam-Crm': 'amocrm', Authorization: 'Bearer x' } });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { message: string; code: string } }).error.message).toBe('amoCRM is not connected on this server yet');
  });
});

describe('page shells on a server whose pages are not built', () => {
  let server: ListeningServer;
  beforeAll(async () => {
    const checks: Bitrix24FrameChecks = { verifyFrameUser: async () => ok(installation), isAdmin: async () => true };
    const verifier = createCallerVerifier({ bitrix24: checks });
    const uiDir = mkdtempSync(join(tmpdir(), 'kam-ui-empty-'));
    server = await listen(createHttpApp({ logger: createSilentLogger(), routers: [pagesRoutes({ verifier, defaultLang: 'en', uiDir })] }), { host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close());
  const open = (query: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/ui/settings${query}`, { method: 'POST', headers, body: new URLSearchParams({ member_id: 'member-1', AUTH_ID: 'token' }) });

  it('answers 503 with a page in the reader\'s language (the CRM\'s LANG, else Accept-Language), the command in a note for the server\'s administrator', async () => {
    const ru = await open('?LANG=ru');
    expect(ru.status).toBe(503);
    expect(ru.headers.get('content-type')).toMatch(/^text\/html/);
    const ruPage = await ru.text();
    expect(ruPage).toContain('<html lang="ru">');
    expect(ruPage).toContain('Страницы KAM Pilot на этом сервере ещё не установлены.');
    expect(ruPage).toContain('Для администратора сервера: выполните npm run build и перезапустите сервер.');
    const en = await open('?LANG=en', { 'Accept-Language': 'ru-RU,ru;q=0.9' });
    expect(await en.text()).toMatch(/<html lang="en">.*The KAM Pilot pages are not installed on this server yet\..*run npm run build/s);
    expect(await (await open('', { 'Accept-Language': 'ru-RU,ru;q=0.9,en;q=0.5' })).text()).toMatch(/<html lang="ru">.*Страницы KAM Pilot/s);
    expect(await (await open('')).text()).toMatch(/<html lang="en">.*The KAM Pilot pages/s);
  });
});
