import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import qs from 'qs';
import { loadConfig } from '../../../src/config';
import { createSilentLogger } from '../../../src/logging/logger';
import { createRuntime, startServer, type Runtime } from '../../../src/main';
import type { ListeningServer } from '../../../src/http/listen';
import { startBitrix24Sandbox, type RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { ADMIN_USER_ID } from '../../../src/sandbox/bitrix24/portal-runtime';
import { startBitrix24OAuthServer, type RunningBitrix24OAuthServer } from '../../../src/sandbox/bitrix24/oauth-server';

/**
 * Issue 9, security 1, 2, 3 and 5 against `kam serve` with two portals B and C of one app behind
 * one OAuth server (as oauth.bitrix.info serves every portal). Squatting C's member_id with B's
 * tokens is refused and reaches C not at all, and C's own install afterwards succeeds;
 * forged updates and bogus card-tab tokens cannot spend B's rate limit or lock B's users out;
 * malformed requests get a 4xx with a reason.
 */
jest.setTimeout(60_000);

const http = axios.create({ validateStatus: () => true });
const form = { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };

let portalB: RunningBitrix24Sandbox;
let portalC: RunningBitrix24Sandbox;
let oauth: RunningBitrix24OAuthServer;
let runtime: Runtime;
let server: ListeningServer;

beforeAll(async () => {
  const app = { clientId: 'local.kaminbound.00000001', clientSecret: 'inbound-test-secret-0123456789' };
  [portalB, portalC] = await Promise.all([
    startBitrix24Sandbox({ port: 0, rateLimit: false, companies: 3, contacts: 3, deals: 3, seed: 301, app }),
    startBitrix24Sandbox({ port: 0, rateLimit: false, companies: 3, contacts: 3, deals: 3, seed: 302, app }),
  ]);
  oauth = await startBitrix24OAuthServer([portalB, portalC]);
  const config = loadConfig({
    env: {
      KAM_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'kam-inbound-')), 'data'),
      BITRIX24_CLIENT_ID: app.clientId,
      BITRIX24_CLIENT_SECRET: app.clientSecret,
      BITRIX24_OAUTH_URL: `${oauth.url}/`,
      BITRIX24_PORTAL_HOSTS: '^127\\.0\\.0\\.1:\\d+$',
    },
    envFile: null,
  });
  if (!config.ok) throw config.error;
  runtime = await createRuntime(config.value, createSilentLogger(), { autoSync: false });
  server = await startServer(runtime, { port: 0 });
});
afterAll(async () => {
  await server?.close();
  await runtime?.close();
  await Promise.all([portalB?.close(), portalC?.close(), oauth?.close()]);
});

const installFrame = (portal: RunningBitrix24Sandbox, fields: Record<string, string>) =>
  http.post(`${server.url}/bitrix24/install?${qs.stringify({ DOMAIN: portal.readyLine.domain, PROTOCOL: 0, LANG: 'en' })}`, qs.stringify(fields), form);
/** Requests that reached the portal's REST API (not its OAuth server). */
const restCalls = (portal: RunningBitrix24Sandbox) => {
  const stats = portal.runtime.stats.snapshot();
  return stats.requests - (stats.byMethod['oauth.token'] ?? 0);
};
/** The portal's admin installs the app as a portal does: the installer frame, then ONAPPINSTALL. */
const portalInstalls = async (portal: RunningBitrix24Sandbox) =>
  (await http.post(`${portal.url}/_sandbox/install`, { installUrl: `${server.url}/bitrix24/install`, eventsUrl: `${server.url}/bitrix24/events` })).data as {
    installed: boolean;
    installer: { status: number };
    event: { status: number };
  };

describe('member_id squatting (security 1)', () => {
  it("refuses B's admin installing with C's member_id, stores nothing for C and sends nothing to C", async () => {
    const pair = portalB.runtime.tokens.issue(1);
    const squat = await installFrame(portalB, { AUTH_ID: pair.accessToken, REFRESH_ID: pair.refreshToken, AUTH_EXPIRES: '1e400', member_id: String(portalC.readyLine.memberId), APPLICATION_TOKEN: 'x' });
    expect(squat.status).toBe(403);
    expect(await runtime.storage.installations.findByExternalId('bitrix24', String(portalC.readyLine.memberId))).toBeNull();
    expect(portalC.runtime.stats.snapshot().requests).toBe(0);
    // Nor can a DOMAIN claim point B's tokens at C.
    const other = portalB.runtime.tokens.issue(1);
    const moved = await installFrame(portalC, { AUTH_ID: other.accessToken, REFRESH_ID: other.refreshToken, member_id: String(portalB.readyLine.memberId) });
    expect(moved.status).toBe(403);
    expect(portalC.runtime.stats.snapshot().requests).toBe(0);
  });

  it("installs B with B's own member_id, with the tokens and endpoint the OAuth server named (AUTH_EXPIRES=1e400 is not even read)", async () => {
    const pair = portalB.runtime.tokens.issue(1);
    const install = await installFrame(portalB, { AUTH_ID: pair.accessToken, REFRESH_ID: pair.refreshToken, AUTH_EXPIRES: '1e400', member_id: String(portalB.readyLine.memberId), APPLICATION_TOKEN: String(portalB.readyLine.applicationToken) });
    expect(install.status).toBe(200);
    const stored = await runtime.storage.installations.findByExternalId('bitrix24', String(portalB.readyLine.memberId));
    expect(stored).toMatchObject({ status: 'active', clientEndpoint: `${portalB.url}/rest/`, domain: portalB.readyLine.domain });
    // The frame's refresh token was traded for a fresh pair: the one stored is not the frame's.
    expect(stored?.tokens?.refreshToken).not.toBe(pair.refreshToken);
  });

  it("installs C for real after the squat attempts, and a user of C is checked at C, never at B", async () => {
    // B's own setup, queued by its install above, is done first: from now on B must see nothing.
    await runtime.queue.idle();
    const before = restCalls(portalB);
    const install = await portalInstalls(portalC);
    expect(install).toMatchObject({ installed: true, installer: { status: 200 }, event: { status: 200 } });
    const stored = await runtime.storage.installations.findByExternalId('bitrix24', String(portalC.readyLine.memberId));
    expect(stored).toMatchObject({ status: 'active', clientEndpoint: `${portalC.url}/rest/`, domain: portalC.readyLine.domain });
    await runtime.queue.idle();
    const user = portalC.runtime.tokens.issue(2).accessToken;
    const checks = portalC.runtime.stats.snapshot().byMethod['user.current'] ?? 0;
    const tab = await http.post(`${server.url}/bitrix24/placement?LANG=en`, qs.stringify({ member_id: String(portalC.readyLine.memberId), AUTH_ID: user, PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: '{"ID":"1"}' }), {
      headers: { ...form.headers, 'X-Forwarded-For': '127.0.0.30' },
    });
    expect(tab.status).toBe(200);
    expect(portalC.runtime.stats.snapshot().byMethod['user.current'] ?? 0).toBe(checks + 1);
    expect(restCalls(portalB)).toBe(before);
  });

  it("after C's CLEAN uninstall, B's admin still cannot take C's member_id (installer or ONAPPINSTALL), and C installs again", async () => {
    const uninstall = await http.post(`${portalC.url}/_sandbox/uninstall`, { clean: true, eventsUrl: `${server.url}/bitrix24/events` });
    expect(uninstall.data.events[0].status).toBe(200);
    const memberC = String(portalC.readyLine.memberId);
    // A CLEAN uninstall purges C: its member_id is free.
    expect(await runtime.storage.installations.findByExternalId('bitrix24', memberC)).toBeNull();
    const cCalls = portalC.runtime.stats.snapshot().requests;
    const frame = portalB.runtime.tokens.issue(1);
    expect((await installFrame(portalB, { AUTH_ID: frame.accessToken, REFRESH_ID: frame.refreshToken, member_id: memberC })).status).toBe(403);
    const pair = portalB.runtime.tokens.issue(1);
    const squat = qs.stringify({
      event: 'ONAPPINSTALL', data: { VERSION: '1', LANGUAGE_ID: 'en' },
      auth: { member_id: memberC, application_token: 'squatter', access_token: pair.accessToken, refresh_token: pair.refreshToken, domain: portalB.readyLine.domain, client_endpoint: `${portalB.url}/rest/` },
    });
    expect((await http.post(`${server.url}/bitrix24/events`, squat, { headers: { ...form.headers, 'X-Forwarded-For': '127.0.0.31' } })).status).toBe(403);
    expect(portalC.runtime.stats.snapshot().requests).toBe(cCalls);
    expect(await runtime.storage.installations.findByExternalId('bitrix24', memberC)).toBeNull();
    expect(await portalInstalls(portalC)).toMatchObject({ installed: true, installer: { status: 200 }, event: { status: 200 } });
    const again = await runtime.storage.installations.findByExternalId('bitrix24', memberC);
    expect(again).toMatchObject({ status: 'active', clientEndpoint: `${portalC.url}/rest/` });
    expect(again?.applicationToken).not.toBe('squatter');
    await runtime.queue.idle();
  });
});

describe('app update without ONAPPUPDATE (real-portal 1)', () => {
  it('the admin opening the installer stores the new application token and binds tabs and events again', async () => {
    await http.post(`${portalB.url}/_sandbox/behaviour`, { appUpdateEvent: false });
    const update = await http.post(`${portalB.url}/_sandbox/update`, { eventsUrl: `${server.url}/bitrix24/events`, installUrl: `${server.url}/bitrix24/install` });
    await http.post(`${portalB.url}/_sandbox/behaviour`, { appUpdateEvent: true });
    expect(update.data).toMatchObject({ events: [], installer: { status: 200 } });
    const stored = await runtime.storage.installations.findByExternalId('bitrix24', String(portalB.readyLine.memberId));
    expect(stored?.applicationToken).toBe(update.data.applicationToken);
    await runtime.queue.idle();
    const state = portalB.state();
    expect(state.placements.map((placement) => placement.placement).sort()).toEqual(['CRM_COMPANY_DETAIL_TAB', 'CRM_DEAL_DETAIL_TAB']);
    expect(state.events.map((binding) => binding.event)).toEqual(expect.arrayContaining(['ONCRMDEALUPDATE', 'ONAPPUNINSTALL']));
    portalB.readyLine.applicationToken = update.data.applicationToken;
  });
});

describe('forged requests do not spend the portal (security 2, 3)', () => {
  const memberB = () => String(portalB.readyLine.memberId);

  it('forged ONAPPUPDATEs never reach the portal: proven at the OAuth server only, a flood gets 429', async () => {
    const before = restCalls(portalB);
    const answers = [];
    for (let i = 0; i < 20; i += 1) {
      const forged = qs.stringify({ event: 'ONAPPUPDATE', data: { VERSION: '2' }, auth: { member_id: memberB(), application_token: `forged-${i}`, access_token: `bogus-${i}`, refresh_token: `bogus-${i}`, domain: portalB.readyLine.domain } });
      answers.push((await http.post(`${server.url}/bitrix24/events`, forged, { headers: { ...form.headers, 'X-Forwarded-For': '127.0.0.40' } })).status);
    }
    expect(answers.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(answers.slice(10).every((status) => status === 429)).toBe(true);
    // Without a refresh token there is nothing to prove it with: refused, no call at all.
    const bare = qs.stringify({ event: 'ONAPPUPDATE', data: { VERSION: '2' }, auth: { member_id: memberB(), application_token: 'forged-bare', access_token: 'bogus-bare', domain: portalB.readyLine.domain } });
    expect((await http.post(`${server.url}/bitrix24/events`, bare, { headers: { ...form.headers, 'X-Forwarded-For': '127.0.0.41' } })).status).toBe(401);
    expect(restCalls(portalB)).toBe(before);
  });

  it("refuses an ONAPPUPDATE for B that carries C's genuine tokens (the OAuth server names C)", async () => {
    const tokenBefore = (await runtime.storage.installations.findByExternalId('bitrix24', memberB()))?.applicationToken;
    const pair = portalC.runtime.tokens.issue(1);
    const update = qs.stringify({ event: 'ONAPPUPDATE', data: { VERSION: '2' }, auth: { member_id: memberB(), application_token: 'taken-over', access_token: pair.accessToken, refresh_token: pair.refreshToken, domain: portalB.readyLine.domain } });
    expect((await http.post(`${server.url}/bitrix24/events`, update, { headers: { ...form.headers, 'X-Forwarded-For': '127.0.0.42' } })).status).toBe(401);
    expect((await runtime.storage.installations.findByExternalId('bitrix24', memberB()))?.applicationToken).toBe(tokenBefore);
  });

  it('a bogus-token flood on the card tab from one address leaves a genuine user (other address) working', async () => {
    const placement = (token: string, ip: string) =>
      http.post(`${server.url}/bitrix24/placement?LANG=en`, qs.stringify({ member_id: memberB(), AUTH_ID: token, PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: 'null' }), {
        headers: { ...form.headers, 'X-Forwarded-For': ip },
      });
    const flood = [];
    for (let i = 0; i < 30; i += 1) flood.push((await placement(`bogus-${i}`, '127.0.0.9')).status);
    expect(flood.filter((status) => status === 429).length).toBeGreaterThan(0);
    expect(flood.every((status) => status === 401 || status === 429)).toBe(true);
    const genuine = portalB.runtime.tokens.issue(2).accessToken;
    const tab = await placement(genuine, '127.0.0.10');
    // PLACEMENT_OPTIONS=null is read as "no card", not a crash.
    expect(tab.status).toBe(200);
    // The same bogus token again costs nothing: remembered as refused.
    const calls = portalB.runtime.stats.snapshot().byMethod['user.current'] ?? 0;
    expect((await placement('bogus-0', '127.0.0.11')).status).toBe(401);
    expect(portalB.runtime.stats.snapshot().byMethod['user.current'] ?? 0).toBe(calls);
  });

  it("sends any portal user from the app's main page (not the installer) to the portfolio page with the same frame context (real-portal 7)", async () => {
    const user = portalB.runtime.tokens.issue(2).accessToken;
    const frame = qs.stringify({ member_id: memberB(), AUTH_ID: user, PLACEMENT: 'DEFAULT' });
    const page = await http.post(`${server.url}/bitrix24/app?LANG=ru`, frame, { headers: { ...form.headers, 'X-Forwarded-For': '127.0.0.20' }, maxRedirects: 0 });
    // 307: the browser posts the same form (member_id, AUTH_ID) on to the portfolio page.
    expect(page.status).toBe(307);
    expect(page.headers.location).toBe('/ui/portfolio?LANG=ru');
    expect(String(page.data)).not.toContain('installFinish');
    const portfolio = await http.post(`${server.url}${String(page.headers.location)}`, frame, { headers: { ...form.headers, 'X-Forwarded-For': '127.0.0.20' } });
    // The portfolio page accepts the carried frame (an unbuilt front end answers 503, a refused frame 401).
    expect(portfolio.status).not.toBe(401);
    if (portfolio.status === 200) {
      expect(String(portfolio.data)).toContain('&quot;page&quot;:&quot;portfolio&quot;');
      expect(portfolio.headers['content-security-policy']).toContain(`frame-ancestors http://${String(portalB.readyLine.domain)}`);
    } else {
      expect(String(portfolio.data)).toContain('npm run build');
    }
    const refused = await http.post(`${server.url}/bitrix24/app?LANG=en`, qs.stringify({ member_id: memberB(), AUTH_ID: 'bogus-main', PLACEMENT: 'DEFAULT' }), { headers: { ...form.headers, 'X-Forwarded-For': '127.0.0.21' }, maxRedirects: 0 });
    expect(refused.status).toBe(401);
  });

  it('has stored the dirty mark by the time it answers an event (reliability 4)', async () => {
    const installation = await runtime.storage.installations.findByExternalId('bitrix24', memberB());
    if (!installation) throw new Error('B not installed');
    const event = qs.stringify({ event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: '777' } }, auth: { member_id: memberB(), application_token: String(portalB.readyLine.applicationToken), domain: portalB.readyLine.domain, user_id: '2' } });
    const answer = await http.post(`${server.url}/bitrix24/events`, event, form);
    expect(answer.status).toBe(200);
    // Read at once, without waiting for anything: the mark was written before the 2xx.
    const marks = await runtime.storage.syncState.peekDirty(installation.id, 1000);
    expect(marks).toContainEqual(expect.objectContaining({ kind: 'deal', crmId: '777', action: 'upsert' }));
  });

  it('forged ONAPPINSTALLs for unknown member_ids never reach a portal: the OAuth server refuses their tokens, a flood gets 429', async () => {
    const [restB, restC] = [restCalls(portalB), restCalls(portalC)];
    const answers = [];
    for (let i = 0; i < 14; i += 1) {
      const forged = qs.stringify({ event: 'ONAPPINSTALL', data: { VERSION: '1' }, auth: { member_id: `nobody${i}`, application_token: `forged-${i}`, access_token: `bogus-${i}`, refresh_token: `bogus-${i}`, domain: portalB.readyLine.domain } });
      answers.push((await http.post(`${server.url}/bitrix24/events`, forged, { headers: { ...form.headers, 'X-Forwarded-For': '127.0.0.50' } })).status);
    }
    expect(answers.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(answers.slice(10).every((status) => status === 429)).toBe(true);
    expect([restCalls(portalB), restCalls(portalC)]).toEqual([restB, restC]);
  });

  it('refuses a frame or installer post that repeats its identifying fields with 400, before any call', async () => {
    const rest = restCalls(portalB);
    const exchanges = portalB.runtime.stats.snapshot().byMethod['oauth.token'] ?? 0;
    const headers = { headers: { ...form.headers, 'X-Forwarded-For': '127.0.0.60' } };
    const tab = await http.post(`${server.url}/bitrix24/placement?LANG=en`, `member_id[]=${memberB()}&AUTH_ID=bogus-array`, headers);
    expect(tab.status).toBe(400);
    expect(String(tab.data)).toContain('<p data-testid="refused">The CRM sent a malformed request. Open the page from the CRM again.</p>');
    // The same refusal in the portal user's language, from the catalogue.
    const ruTab = await http.post(`${server.url}/bitrix24/placement?LANG=ru`, `member_id[]=${memberB()}&AUTH_ID=bogus-array`, headers);
    expect([ruTab.status, String(ruTab.data)]).toEqual([400, expect.stringContaining('<html lang="ru">')]);
    expect(String(ruTab.data)).toContain('CRM прислала неверный запрос');
    expect((await http.post(`${server.url}/bitrix24/placement?LANG=en`, `member_id=${memberB()}&AUTH_ID=a&AUTH_ID=b`, headers)).status).toBe(400);
    const install = await http.post(`${server.url}/bitrix24/install?DOMAIN=${String(portalB.readyLine.domain)}&DOMAIN=evil.example&PROTOCOL=0`, qs.stringify({ AUTH_ID: 'x', REFRESH_ID: 'y', member_id: memberB() }), headers);
    expect(install.status).toBe(400);
    expect(restCalls(portalB)).toBe(rest);
    expect(portalB.runtime.stats.snapshot().byMethod['oauth.token'] ?? 0).toBe(exchanges);
  });

  it("tells a manager who opens the installer, in the portal's language, that only an administrator installs; nothing internal shown", async () => {
    const user = portalB.runtime.state.users.find((candidate) => candidate.active && candidate.id !== ADMIN_USER_ID);
    const headers = { headers: { ...form.headers, 'X-Forwarded-For': '127.0.0.70' } };
    for (const [lang, sentence] of [['ru', 'Установить KAM Pilot может только администратор портала.'], ['en', 'Only a portal administrator can install KAM Pilot.']] as const) {
      const query = qs.stringify({ DOMAIN: portalB.readyLine.domain, PROTOCOL: 0, LANG: lang });
      // A fresh pair each time: a refresh token works once.
      const manager = portalB.runtime.tokens.issue(user?.id ?? 0);
      const page = await http.post(`${server.url}/bitrix24/install?${query}`, qs.stringify({ AUTH_ID: manager.accessToken, REFRESH_ID: manager.refreshToken, member_id: memberB() }), headers);
      expect(page.status).toBe(403);
      expect(String(page.data)).toContain(`<html lang="${lang}">`);
      expect(String(page.data)).toContain(`<p>${sentence}</p>`);
    }
    // A forged DOMAIN: the reason a person reads names no host, token or field.
    const forged = await http.post(`${server.url}/bitrix24/install?DOMAIN=evil.example&PROTOCOL=0&LANG=en`, qs.stringify({ AUTH_ID: 'a', REFRESH_ID: 'b', member_id: memberB() }), headers);
    expect(forged.status).toBe(403);
    expect(String(forged.data)).toContain('<p>This KAM Pilot server does not serve your portal or account. Ask whoever set KAM Pilot up.</p>');
    expect(String(forged.data)).not.toMatch(/evil\.example|member_id|may not install this app/);
  });

  it('answers an authenticated event with a malformed id with 400, and marks nothing', async () => {
    const installation = await runtime.storage.installations.findByExternalId('bitrix24', memberB());
    const before = installation ? await runtime.storage.syncState.countDirty(installation.id) : -1;
    const event = qs.stringify({ event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: 'abc' } }, auth: { member_id: memberB(), application_token: String(portalB.readyLine.applicationToken), domain: portalB.readyLine.domain } });
    const answer = await http.post(`${server.url}/bitrix24/events`, event, form);
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.data)).toContain('FIELDS.ID');
    expect(installation ? await runtime.storage.syncState.countDirty(installation.id) : -1).toBe(before);
  });
});
