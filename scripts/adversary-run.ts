/**
 * The adversarial run of issue 9 against a real `kam serve` process (docs/security.md): two
 * Bitrix24 sandbox portals B and C of one app behind one OAuth server, an amoCRM sandbox, and
 * `kam serve` with a fresh data directory and JSON logs at debug level. Every attack prints its
 * status and the requests it caused at each CRM; then every log line is searched for the
 * secrets by value and the database files are stat'ed. Run: `npx tsx scripts/adversary-run.ts`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import qs from 'qs';
import { FRAME_LANE } from '../src/connectors/bitrix24/bitrix24-frame-check';
import { startBitrix24Sandbox } from '../src/sandbox/bitrix24';
import { startBitrix24OAuthServer } from '../src/sandbox/bitrix24/oauth-server';
import { startAmoCrmSandbox } from '../src/sandbox/amocrm';

const FORM = 'application/x-www-form-urlencoded';
interface Row { attack: string; expected: string; status: string; outbound: string; ok: boolean }
const rows: Row[] = [];

async function main(): Promise<void> {
  const app = { clientId: 'local.kamadversary.00000001', clientSecret: 'adversary-client-secret-0123456789abcdef' };
  const [b, c, amo] = await Promise.all([
    startBitrix24Sandbox({ port: 0, rateLimit: true, companies: 5, contacts: 5, deals: 10, seed: 901, app }),
    startBitrix24Sandbox({ port: 0, rateLimit: true, companies: 5, contacts: 5, deals: 10, seed: 902, app }),
    startAmoCrmSandbox({ port: 0, rateLimit: true, companies: 5, contacts: 5, deals: 10, seed: 903 } as never),
  ]);
  const oauth = await startBitrix24OAuthServer([b, c]);
  const dataDir = join(mkdtempSync(join(tmpdir(), 'kam-adversary-')), 'data');
  const child = spawn(process.execPath, ['bin/kam.js', 'serve', '--port', '0'], {
    env: {
      ...process.env, NODE_ENV: 'production', KAM_DATA_DIR: dataDir, KAM_LOG_FORMAT: 'json', KAM_LOG_LEVEL: 'debug',
      BITRIX24_CLIENT_ID: app.clientId, BITRIX24_CLIENT_SECRET: app.clientSecret, BITRIX24_OAUTH_URL: `${oauth.url}/`,
      BITRIX24_PORTAL_HOSTS: '^127\\.0\\.0\\.1:\\d+$', AMOCRM_CLIENT_ID: String(amo.readyLine.clientId),
      AMOCRM_CLIENT_SECRET: String(amo.readyLine.clientSecret), AMOCRM_ACCOUNT_HOSTS: '^127\\.0\\.0\\.1:\\d+$',
      // No scheduled reconcile during the run (default every 15 min): its calls at B and C would be counted to an attack.
      KAM_RECONCILE_CRON: '0 0 1 1 *',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`kam serve exited ${code}: ${log.slice(-2000)}`)));
  });

  /** REST requests at B, C and amo, and exchanges at the OAuth server (B's and C's). */
  const outbound = async () => {
    const stats = await Promise.all([b.url, c.url, amo.url].map(async (base) => (await (await fetch(`${base}/_sandbox/stats`)).json()) as { requests: number; byMethod: Record<string, number> }));
    const oauthOf = (i: number) => stats[i]?.byMethod['oauth.token'] ?? 0;
    return [...stats.map((stat, i) => stat.requests - oauthOf(i)), oauthOf(0) + oauthOf(1)];
  };
  // Redirects are not followed: a checked card frame answers 307 to /ui/card, which checks it again.
  const post = async (path: string, body: string | Buffer, headers: Record<string, string> = { 'Content-Type': FORM }, ip?: string) => {
    const response = await fetch(`${url}${path}`, { method: 'POST', body, headers: { ...headers, ...(ip ? { 'X-Forwarded-For': ip } : {}) }, redirect: 'manual' });
    await response.arrayBuffer();
    return response.status;
  };
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, { headers, redirect: 'manual' });
    await response.arrayBuffer();
    return response.status;
  };
  /** One attack: runs, checks its statuses, and counts what it caused at B, C and amo. */
  const attack = async (name: string, expected: string, run: () => Promise<number[]>, good: (statuses: number[]) => boolean, maxOutbound = 0) => {
    const before = await outbound();
    const statuses = await run();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = await outbound();
    const delta = after.map((n, i) => n - (before[i] ?? 0));
    const total = delta.slice(0, 3).reduce((a, n) => a + n, 0);
    const summary = [...new Set(statuses)].map((s) => `${s}×${statuses.filter((x) => x === s).length}`).join(' ');
    rows.push({ attack: name, expected, status: summary, outbound: `B ${delta[0]}, C ${delta[1]}, amo ${delta[2]}, oauth ${delta[3]}`, ok: good(statuses) && total <= maxOutbound && statuses.every((s) => s < 500) });
  };

  const memberB = String(b.readyLine.memberId);
  const memberC = String(c.readyLine.memberId);
  // B installs for real (installer frame, then ONAPPINSTALL), as a portal does.
  const installB = (await (await fetch(`${b.url}/_sandbox/install`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ installUrl: `${url}/bitrix24/install`, eventsUrl: `${url}/bitrix24/events` }) })).json()) as { installed: boolean };
  if (!installB.installed) throw new Error('B did not install');
  /** Background work (setup, sync and the passes after an install or a genuine event) is over: no CRM heard anything for 3 s. */
  const quiet = async () => {
    for (let last = '', now = String(await outbound()); now !== last; ) {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      [last, now] = [now, String(await outbound())];
    }
  };
  await quiet();
  const modes = () => readdirSync(dataDir).map((name) => `${name} ${(statSync(join(dataDir, name)).mode & 0o777).toString(8)}`).join(', ');
  const liveModes = modes();
  const appTokenB = String(b.readyLine.applicationToken);
  const event = (fields: Record<string, unknown>) => qs.stringify(fields);
  const installFrame = (portal: typeof b, fields: Record<string, string>) => post(`/bitrix24/install?${qs.stringify({ DOMAIN: portal.readyLine.domain, PROTOCOL: 0, LANG: 'en' })}`, qs.stringify(fields));
  const is4xx = (s: number[]) => s.every((x) => x >= 400 && x < 500);

  // Security 5: malformed bodies.
  const deep = `auth[member_id]=${memberB}&a${'[x]'.repeat(40)}=1`;
  await attack('events: 2,001 parameters', '413', async () => [await post('/bitrix24/events', Array.from({ length: 2001 }, (_, i) => `p${i}=1`).join('&'))], is4xx);
  await attack('events: nesting 40 deep', '400', async () => [await post('/bitrix24/events', deep)], is4xx);
  await attack('events: charset=utf-16', '415', async () => [await post('/bitrix24/events', 'a=1', { 'Content-Type': `${FORM}; charset=utf-16` })], is4xx);
  await attack('events: charset=koi8-r', '415', async () => [await post('/bitrix24/events', 'a=1', { 'Content-Type': `${FORM}; charset=koi8-r` })], is4xx);
  await attack('events: bad gzip', '400', async () => [await post('/bitrix24/events', 'not gzip', { 'Content-Type': FORM, 'Content-Encoding': 'gzip' })], is4xx);
  await attack('events: Content-Encoding: zstd-x', '415', async () => [await post('/bitrix24/events', 'a=1', { 'Content-Type': FORM, 'Content-Encoding': 'zstd-x' })], is4xx);
  await attack('events: gzip bomb (10 MB of zeros)', '413', async () => [await post('/bitrix24/events', gzipSync(Buffer.alloc(10_000_000, 'a')), { 'Content-Type': FORM, 'Content-Encoding': 'gzip' })], is4xx);
  await attack('events: JSON body', '400/401', async () => [await post('/bitrix24/events', JSON.stringify({ event: 'ONCRMDEALUPDATE', auth: { member_id: memberB, application_token: appTokenB } }), { 'Content-Type': 'application/json' })], is4xx);
  await attack('events: no body', '400', async () => [await post('/bitrix24/events', '')], is4xx);
  await attack('events: 200 KB event name', '401', async () => [await post('/bitrix24/events', event({ event: 'X'.repeat(200_000), auth: { member_id: memberB, application_token: 'forged' } }))], is4xx);
  await attack('events: auth is a string', '400', async () => [await post('/bitrix24/events', 'event=ONCRMDEALUPDATE&auth=abc')], is4xx);
  await attack('events: auth[member_id] twice (array)', '400', async () => [await post('/bitrix24/events', `event=ONCRMDEALUPDATE&auth[member_id]=${memberB}&auth[member_id]=x&auth[application_token]=${appTokenB}`)], is4xx);
  await attack('events: data[FIELDS][ID]=abc, valid token', '400', async () => [await post('/bitrix24/events', event({ event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: 'abc' } }, auth: { member_id: memberB, application_token: appTokenB } }))], is4xx);
  await attack('events: data[FIELDS][ID][]=1, valid token', '400', async () => [await post('/bitrix24/events', `event=ONCRMDEALUPDATE&data[FIELDS][ID][]=1&auth[member_id]=${memberB}&auth[application_token]=${appTokenB}`)], is4xx);
  await attack('events: data is a string, valid token', '400', async () => [await post('/bitrix24/events', `event=ONCRMDEALUPDATE&data=x&auth[member_id]=${memberB}&auth[application_token]=${appTokenB}`)], is4xx);
  await attack('events: __proto__ keys', '4xx', async () => [await post('/bitrix24/events', `event=ONCRMDEALUPDATE&__proto__[x]=1&constructor[prototype][y]=1&auth[member_id]=${memberB}&auth[application_token]=forged`)], is4xx);
  await attack('install: AUTH_EXPIRES=1e400, no REFRESH_ID', '400', async () => [await installFrame(b, { AUTH_ID: 'x', AUTH_EXPIRES: '1e400', member_id: memberB })], is4xx);
  await attack('install: DOMAIN not a portal host', '403', async () => [await post('/bitrix24/install?DOMAIN=evil.example&PROTOCOL=1', qs.stringify({ AUTH_ID: 'x', REFRESH_ID: 'y', member_id: memberB }))], is4xx);
  await attack('install: DOMAIN twice (array)', '4xx', async () => [await post(`/bitrix24/install?DOMAIN=${String(b.readyLine.domain)}&DOMAIN=evil&PROTOCOL=0`, qs.stringify({ AUTH_ID: 'x', REFRESH_ID: 'y', member_id: memberB }))], is4xx, 1);
  await attack('placement: PLACEMENT_OPTIONS=null, bogus token', '401', async () => [await post('/bitrix24/placement', qs.stringify({ member_id: memberB, AUTH_ID: 'bogus-null', PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: 'null' }), undefined, '10.0.0.1')], is4xx, 1);
  await attack('placement: member_id as array', '401', async () => [await post('/bitrix24/placement', `member_id[]=${memberB}&AUTH_ID=x`)], is4xx);
  await attack('status link: forged signature', '401', async () => [await get('/bitrix24/install/status?i=1&s=00')], is4xx);
  await attack('status link: i as array', '401', async () => [await get('/bitrix24/install/status?i[]=1&s[]=00')], is4xx);
  await attack('aborted request mid-body', 'nothing logged as error', async () => {
    const net = await import('node:net');
    const { port } = new URL(url);
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST /bitrix24/events HTTP/1.1\r\nHost: x\r\nContent-Type: ${FORM}\r\nContent-Length: 5000\r\n\r\nevent=ON`);
        setTimeout(() => { socket.destroy(); resolve(); }, 100);
      });
    });
    return [0];
  }, () => true);

  // Security 2: forged lifecycle events.
  await attack('40 forged ONAPPUPDATE (known member_id, random tokens, no refresh token)', '401, no call', async () => {
    const out = [];
    for (let i = 0; i < 40; i += 1) out.push(await post('/bitrix24/events', event({ event: 'ONAPPUPDATE', data: { VERSION: '9' }, auth: { member_id: memberB, application_token: `forged${i}`, access_token: `bogus${i}`, domain: b.readyLine.domain } })));
    return out;
  }, is4xx, 5);
  await attack('20 forged ONAPPUPDATE with random refresh tokens', '401, then 429; never the portal', async () => {
    const out = [];
    for (let i = 0; i < 20; i += 1) out.push(await post('/bitrix24/events', event({ event: 'ONAPPUPDATE', data: { VERSION: '9' }, auth: { member_id: memberB, application_token: `forged${i}`, access_token: `bogus${i}`, refresh_token: `bogus${i}`, domain: b.readyLine.domain } }), undefined, '10.0.0.5'));
    return out;
  }, is4xx);
  await attack('40 forged ONAPPINSTALL (unknown member_ids, random tokens)', '401/429, only our OAuth server asked', async () => {
    const out = [];
    for (let i = 0; i < 40; i += 1) out.push(await post('/bitrix24/events', event({ event: 'ONAPPINSTALL', data: { VERSION: '1' }, auth: { member_id: `m${i}`, application_token: `forged${i}`, access_token: `bogus${i}`, refresh_token: `bogus${i}`, domain: b.readyLine.domain } }), undefined, '10.0.0.2'));
    return out;
  }, is4xx, 20);
  await attack('forged ONAPPUNINSTALL (known member_id, wrong token)', '401', async () => [await post('/bitrix24/events', event({ event: 'ONAPPUNINSTALL', data: { CLEAN: '1' }, auth: { member_id: memberB, application_token: 'forged' } }))], is4xx);

  // Security 1: squatting C's member_id with B's tokens, then C's genuine install.
  await attack("squat: B's admin installs with C's member_id (installer)", '403, nothing at C', async () => {
    const pair = b.runtime.tokens.issue(1);
    return [await installFrame(b, { AUTH_ID: pair.accessToken, REFRESH_ID: pair.refreshToken, member_id: memberC, APPLICATION_TOKEN: 'x' })];
  }, is4xx, 2);
  await attack("squat: ONAPPINSTALL with B's tokens and C's member_id", '403, nothing at C', async () => {
    const pair = b.runtime.tokens.issue(1);
    return [await post('/bitrix24/events', event({ event: 'ONAPPINSTALL', data: { VERSION: '1' }, auth: { member_id: memberC, application_token: 'x', access_token: pair.accessToken, refresh_token: pair.refreshToken, domain: b.readyLine.domain, client_endpoint: `${b.url}/rest/` } }), undefined, '10.0.0.3')];
  }, is4xx, 2);
  await attack("C's genuine install after the squats", '200, C installed', async () => {
    const answer = (await (await fetch(`${c.url}/_sandbox/install`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ installUrl: `${url}/bitrix24/install`, eventsUrl: `${url}/bitrix24/events` }) })).json()) as { installed: boolean; installer: { status: number }; event: { status: number } };
    return [answer.installer.status, answer.event.status, answer.installed ? 200 : 0];
  }, (s) => s.every((x) => x === 200), 1000);

  // Security 3: card-tab flood with B's member_id while genuine users keep working.
  const cached = b.runtime.tokens.issue(1).accessToken;
  await post('/bitrix24/placement', qs.stringify({ member_id: memberB, AUTH_ID: cached, PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: '{"ID":"1"}' }), undefined, '10.1.0.1');
  await attack('card-tab flood: 200 random AUTH_IDs from one address', '401/429, few user.current', async () => {
    const out = [];
    for (let i = 0; i < 200; i += 1) out.push(await post('/bitrix24/placement', qs.stringify({ member_id: memberB, AUTH_ID: `flood${i}`, PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: '{"ID":"1"}' }), undefined, '10.9.9.9'));
    return out;
  }, is4xx, 25);
  await attack('card-tab flood: 60 random AUTH_IDs from 60 addresses', '401', async () => {
    const out = [];
    for (let i = 0; i < 60; i += 1) out.push(await post('/bitrix24/placement', qs.stringify({ member_id: memberB, AUTH_ID: `spread${i}`, PLACEMENT: 'CRM_DEAL_DETAIL_TAB' }), undefined, `10.8.0.${i}`));
    return out;
  }, is4xx, 60);
  // Concurrent, one bogus token per address: each would cost a user.current through the portal's limiter,
  // so a genuine user who arrives meanwhile must not wait behind all of them (Bitrix24 gives a frame 10 s).
  // The portal's frame-check lane bounds what the flood costs: its burst, then one a second (over the 10 s at most), and the genuine check.
  await attack('card-tab flood: 200 concurrent AUTH_IDs from 200 addresses, a genuine user meanwhile', '401 or 429 (retry page); genuine 307 within 10 s', async () => {
    const flood = Promise.all(Array.from({ length: 200 }, (_, i) => post('/bitrix24/placement', qs.stringify({ member_id: memberB, AUTH_ID: `burst${i}`, PLACEMENT: 'CRM_DEAL_DETAIL_TAB' }), undefined, `10.7.${i >> 8}.${i & 255}`)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    // The user's frame does what a browser does with the retry page (frame-retry.page.ts): it posts
    // the same fields again after 2 s, until the tab opens; Bitrix24 gives the frame 10 s in all.
    const userToken = b.runtime.tokens.issue(2).accessToken;
    const tries: number[] = [];
    let genuine = 0;
    for (;;) {
      genuine = await post('/bitrix24/placement', qs.stringify({ member_id: memberB, AUTH_ID: userToken, PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: '{"ID":"1"}' }), undefined, '10.1.0.4');
      tries.push(genuine);
      if (genuine !== 429 || Date.now() - started > 8_000) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    const waited = Date.now() - started;
    console.log(`genuine user during the concurrent flood: ${tries.join(' then ')} after ${waited} ms`);
    return [...(await flood), genuine === 307 && waited <= 10_000 ? 307 : 0];
  }, (s) => s.at(-1) === 307, FRAME_LANE.burst + (FRAME_LANE.perMinute / 60) * 10 + 1);
  await attack('genuine user, cached token, after the floods', '307 to /ui/card', async () => [await post('/bitrix24/placement', qs.stringify({ member_id: memberB, AUTH_ID: cached, PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: '{"ID":"1"}' }), undefined, '10.1.0.1')], (s) => s[0] === 307);
  await attack('genuine user, new token, after the floods', '307 to /ui/card', async () => [await post('/bitrix24/placement', qs.stringify({ member_id: memberB, AUTH_ID: b.runtime.tokens.issue(2).accessToken, PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: '{"ID":"1"}' }), undefined, '10.1.0.2')], (s) => s[0] === 307, 2);
  await attack("user of C with C's member_id: token goes to C only", '307, B 0', async () => [await post('/bitrix24/placement', qs.stringify({ member_id: memberC, AUTH_ID: c.runtime.tokens.issue(2).accessToken, PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: '{"ID":"1"}' }), undefined, '10.1.0.3')], (s) => s[0] === 307, 2);

  // The pages' API with a genuine admin frame of B: malformed queries and bodies.
  const admin = b.runtime.tokens.issue(1).accessToken;
  const api = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${url}${path}`, { ...init, headers: { 'X-Kam-Member-Id': memberB, 'X-Kam-Auth': admin, 'X-Forwarded-For': '10.3.0.1', ...(init.headers as Record<string, string> | undefined) } });
    await response.arrayBuffer();
    return response.status;
  };
  const jsonPost = (path: string, body: string) => api(path, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
  for (const [path, expected] of [
    ['/api/portfolio?asOf=0001-01-01', '200/400'], ['/api/portfolio?asOf=9999-12-31', '200/400'], ['/api/portfolio?asOf=2026-02-31', '200/400'],
    ['/api/portfolio?period[]=month', '400'], ['/api/portfolio?asOf[]=2026-01-01', '400'], ['/api/account-view?deal=abc', '400'],
    ['/api/account-view?deal=99999999999999999999999', '400/404'], ['/api/account-view?deal[]=1', '400'], ['/api/account-view?contact=-1', '400'],
    ['/api/report.xlsx?asOf=1900-01-01', '200/400'], ['/api/report.csv?period=decade', '400'], ['/api/settings/history', '200'],
    ['/api/report.csv?lang[]=en', '400'], ['/api/account-view?deal=1&deal=2', '400'], ['/api/account-view?deal=1&company[]=2', '400'],
  ] as const) await attack(`api (genuine admin): GET ${path}`, expected, async () => [await api(path)], (st) => st.every((x) => expected.split('/').includes(String(x))), 5);
  for (const [name, body] of [
    ['invalid JSON', '{"a":'], ['JSON null', 'null'], ['JSON array', '[]'], ['JSON string', '"x"'], ['deep JSON (50,000 levels)', `${'['.repeat(50_000)}${']'.repeat(50_000)}`],
    ['criteria: null', '{"criteria":null}'], ['weights as strings', '{"criteria":{"weights":{"revenue":"x"}}}'], ['__proto__ pollution', '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'],
  ] as const) {
    await attack(`api (genuine admin): POST /api/settings/preview ${name}`, '400', async () => [await jsonPost('/api/settings/preview', body)], (st) => st.every((x) => x < 500), 5);
    await attack(`api (genuine admin): POST /api/settings ${name}`, '400', async () => [await jsonPost('/api/settings', body)], (st) => st.every((x) => x < 500), 5);
  }
  await attack('api: JSON body charset=utf-16', '415', async () => [await api('/api/settings/preview', { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json; charset=utf-16' } })], is4xx, 5);
  await attack('api: X-Kam-Auth of B with member_id of C', '401, nothing at C', async () => [await api('/api/portfolio', { headers: { 'X-Kam-Member-Id': memberC } })], is4xx, 1);
  await attack('ui: /ui/card with 101 form fields', '413', async () => [await post('/ui/card', Array.from({ length: 101 }, (_, i) => `p${i}=1`).join('&'))], is4xx);
  await attack('ui: /ui/portfolio with member_id[]', '401', async () => [await post('/ui/portfolio', `member_id[]=${memberB}&AUTH_ID=x`, undefined, '10.3.0.2')], is4xx, 1);

  // amoCRM edge, with the account installed through amo's own redirect.
  const amoId = String(amo.readyLine.accountId);
  const amoPost = (path: string, body: unknown) => fetch(`${amo.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<Record<string, unknown>>);
  const amoInstall = await amoPost('/_sandbox/install', { redirectUri: `${url}/amocrm/oauth` });
  if (amoInstall.status !== 200) throw new Error(`amo install: ${JSON.stringify(amoInstall)}`);
  for (let i = 0; i < 100 && !((await (await fetch(`${amo.url}/_sandbox/state`)).json()) as { webhooks: unknown[] }).webhooks.length; i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
  await quiet();
  const hook = new URL(((await (await fetch(`${amo.url}/_sandbox/state`)).json()) as { webhooks: Array<{ destination: string }> }).webhooks[0]?.destination ?? '');
  const [, , , installationId = '', secret = ''] = hook.pathname.split('/');
  const { SignJWT } = await import('jose');
  const widgetToken = (claims: Record<string, unknown>, key = String(amo.readyLine.clientSecret), exp = Math.floor(Date.now() / 1000) + 600) =>
    new SignJWT({ account_id: Number(amoId), user_id: 1, is_admin: true, ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer(amo.url).setAudience(new URL(url).origin).setExpirationTime(exp).sign(new TextEncoder().encode(key));
  // The query our widget's script sends (manifest/amocrm/script.js: entity, id, lang).
  const widget = async (token: string, query = 'entity=leads&id=1') => get(`/amocrm/widget/account-view?${query}`, { 'X-Auth-Token': token, Origin: amo.url });
  await attack('amo webhook: known installation, wrong secret', '401', async () => [await post(`/amocrm/webhooks/${installationId}/wrong`, `account[id]=${amoId}&leads[update][0][id]=1`)], is4xx);
  await attack('amo webhook: right secret, another account[id]', '401', async () => [await post(`/amocrm/webhooks/${installationId}/${secret}`, 'account[id]=999&leads[update][0][id]=1')], is4xx);
  await attack('amo webhook: right secret, no account', '401', async () => [await post(`/amocrm/webhooks/${installationId}/${secret}`, 'leads[update][0][id]=1')], is4xx);
  await attack('amo webhook: right secret and account, genuine shape', '200', async () => [await post(`/amocrm/webhooks/${installationId}/${secret}`, `account[id]=${amoId}&leads[update][0][id]=1`)], (st) => st[0] === 200, 50);
  await quiet();
  await attack('amo widget: genuine token (sanity)', '200', async () => [await widget(await (await amoPost('/_sandbox/widget-token', {})).token as string)], (st) => st[0] === 200, 50);
  await quiet();
  for (const query of ['lead=abc', 'lead[]=1', 'company=-1', 'lead=1&lead=2', 'entity=leads&id=abc', 'entity=leads&id[]=1', 'entity=leads&id=1&id=2', 'entity=tasks&id=1']) {
    await attack(`amo widget (genuine token): account-view?${query}`, '400', async () => [await widget(await (await amoPost('/_sandbox/widget-token', {})).token as string, query)], (st) => st[0] === 400);
  }
  await attack('amo webhook: right secret, account[id][]', '400', async () => [await post(`/amocrm/webhooks/${installationId}/${secret}`, `account[id][]=${amoId}&leads[update][0][id]=1`)], (st) => st[0] === 400);
  await attack('amo webhook: right secret, account[id] twice', '400', async () => [await post(`/amocrm/webhooks/${installationId}/${secret}`, `account[id]=${amoId}&account[id]=${amoId}&leads[update][0][id]=1`)], (st) => st[0] === 400);
  await attack('amo webhook: right secret and account, leads[update][0][id]=abc', '400', async () => [await post(`/amocrm/webhooks/${installationId}/${secret}`, `account[id]=${amoId}&leads[update][0][id]=abc`)], (st) => st[0] === 400);
  await attack('amo widget: signed with the secret, another account_id', '401', async () => [await widget(await widgetToken({ account_id: 4242 }))], is4xx);
  await attack('amo widget: signed with the secret, expired', '401', async () => [await widget(await widgetToken({}, undefined, Math.floor(Date.now() / 1000) - 3600))], is4xx);
  await attack('amo widget: signed with another key', '401', async () => [await widget(await widgetToken({}, 'not-the-secret'))], is4xx);
  await attack('amo widget: no user_id', '401', async () => [await widget(await widgetToken({ user_id: undefined }))], is4xx);
  await attack('amo disconnect: signature of another client', '401', async () => {
    const { createHmac } = await import('node:crypto');
    const signature = createHmac('sha256', 'other-secret').update(`other|${amoId}`).digest('hex');
    return [await get(`/amocrm/disconnect?account_id=${amoId}&client_uuid=other&signature=${signature}`)];
  }, is4xx);
  await attack('amo webhook: unknown installation', '401', async () => [await post('/amocrm/webhooks/1/nope', `account[id]=${amoId}&leads[update][0][id]=1`)], is4xx);
  await attack('amo webhook: non-numeric installation id', '401', async () => [await post('/amocrm/webhooks/abc/nope', 'account[id]=1')], is4xx);
  await attack('amo webhook: 5,001 parameters', '413', async () => [await post('/amocrm/webhooks/1/nope', Array.from({ length: 5001 }, (_, i) => `p${i}=1`).join('&'))], is4xx);
  await attack('amo webhook: nesting 40 deep', '400', async () => [await post('/amocrm/webhooks/1/nope', `a${'[x]'.repeat(40)}=1`)], is4xx);
  await attack('amo webhook: charset=koi8-r', '415', async () => [await post('/amocrm/webhooks/1/nope', 'a=1', { 'Content-Type': `${FORM}; charset=koi8-r` })], is4xx);
  await attack('amo webhook: bad gzip', '400', async () => [await post('/amocrm/webhooks/1/nope', 'x', { 'Content-Type': FORM, 'Content-Encoding': 'gzip' })], is4xx);
  await attack('amo disconnect: bad signature', '401', async () => [await get(`/amocrm/disconnect?account_id=${amoId}&signature=00`)], is4xx);
  await attack('amo disconnect: arrays', '400', async () => [await get('/amocrm/disconnect?account_id[]=1&signature[]=00')], is4xx);
  await attack('amo widget: forged token (wrong key)', '401', async () => {
    const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
    const payload = Buffer.from(JSON.stringify({ account_id: amoId, user_id: 1, exp: 9_999_999_999, iss: amo.url, aud: url })).toString('base64url');
    return [await get('/amocrm/widget/account-view?entity=leads&id=1', { 'X-Auth-Token': `${header}.${payload}.AAAA` })];
  }, is4xx);
  await attack('amo widget: alg none', '401', async () => {
    const header = Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url');
    const payload = Buffer.from(JSON.stringify({ account_id: amoId, user_id: 1, exp: 9_999_999_999 })).toString('base64url');
    return [await get('/amocrm/widget/portfolio-url', { 'X-Auth-Token': `${header}.${payload}.` })];
  }, is4xx);
  await attack('amo widget: garbage token, 10 KB', '401', async () => [await get('/amocrm/widget/account-view', { 'X-Auth-Token': 'x'.repeat(10_000) })], is4xx);
  await attack('amo oauth: forged code and state', '4xx', async () => [await get(`/amocrm/oauth?code=abc&state=forged&referer=${new URL(amo.url).host}`)], is4xx);
  await attack('amo oauth: arrays', '4xx', async () => [await get('/amocrm/oauth?code[]=a&state[]=b&referer[]=c')], is4xx);
  await attack('amo oauth: referer not an amo host', '4xx', async () => [await get('/amocrm/oauth?code=abc&state=x&referer=evil.example')], is4xx);
  await attack('live report link: 50 random tokens', '404', async () => {
    const out = [];
    for (let i = 0; i < 50; i += 1) out.push(await get(`/reports/live/${i}x${'a'.repeat(40)}.csv`));
    return out;
  }, is4xx);
  await attack('live report link: 300-character name, `..`, encoded slash', '404', async () => [await get(`/reports/live/${'b'.repeat(300)}.csv`), await get('/reports/live/..%2F..%2Fsecret.key'), await get('/reports/live/%00.csv')], is4xx);
  await attack('/health through a proxy: no failed-job details', '200 with a count only', async () => {
    const response = await fetch(`${url}/health`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    const body = (await response.json()) as { jobs?: Record<string, unknown> };
    return [body.jobs && !('failed' in body.jobs) ? response.status : 0];
  }, (st) => st[0] === 200);
  await attack('pages: /api/account-view without a frame', '401', async () => [await get('/api/account-view?deal=1')], is4xx);
  await attack('pages: /ui/card with a bogus frame', '401', async () => [await post('/ui/card', qs.stringify({ member_id: memberB, AUTH_ID: 'bogus-ui' }), undefined, '10.2.0.1')], is4xx, 1);

  // After a CLEAN uninstall of C, B's admin still cannot take C's member_id; C reinstalls.
  await fetch(`${c.url}/_sandbox/uninstall`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ clean: true }) });
  await attack("squat after C's CLEAN uninstall: B's tokens, C's member_id", '403', async () => {
    const pair = b.runtime.tokens.issue(1);
    return [await installFrame(b, { AUTH_ID: pair.accessToken, REFRESH_ID: pair.refreshToken, member_id: memberC }), await post('/bitrix24/events', event({ event: 'ONAPPINSTALL', data: { VERSION: '1' }, auth: { member_id: memberC, application_token: 'x', access_token: pair.accessToken, refresh_token: b.runtime.tokens.issue(1).refreshToken, domain: b.readyLine.domain } }), undefined, '10.0.0.4')];
  }, is4xx, 4);
  await attack("C's genuine reinstall after its CLEAN uninstall", '200', async () => {
    const answer = (await (await fetch(`${c.url}/_sandbox/install`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ installUrl: `${url}/bitrix24/install`, eventsUrl: `${url}/bitrix24/events` }) })).json()) as { installed: boolean; installer: { status: number }; event: { status: number } };
    return [answer.installer.status, answer.event.status];
  }, (s) => s.every((x) => x === 200), 1000);

  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));

  // Logs: any secret by value, any 500, any error line, the longest line.
  // The amoCRM webhook secret is the last segment of the destination registered at amo (not 40 hex: named here).
  const secrets = [app.clientSecret, String(amo.readyLine.clientSecret), appTokenB, String(c.readyLine.applicationToken), cached, secret];
  const lines = log.split('\n').filter(Boolean);
  writeFileSync(join(dataDir, '..', 'serve.log'), log);
  console.log(`log kept in ${join(dataDir, '..', 'serve.log')}`);
  const leaks = lines.filter((line) => secrets.some((secret) => line.includes(secret)) || /(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])/.test(line));
  const files = [modes()];
  const dirMode = (statSync(dataDir).mode & 0o777).toString(8);
  const width = (key: keyof Row) => Math.max(...rows.map((r) => String(r[key]).length), key.length);
  for (const row of rows) console.log(`${row.ok ? 'ok  ' : 'FAIL'} | ${row.attack.padEnd(width('attack'))} | ${row.expected.padEnd(width('expected'))} | ${row.status.padEnd(width('status'))} | ${row.outbound}`);
  console.log(`log: ${lines.length} lines, longest ${Math.max(...lines.map((l) => l.length))} chars, error lines ${lines.filter((l) => l.includes('"level":"error"')).length}, lines with a secret or a 40-hex token ${leaks.length}`);
  for (const leak of leaks.slice(0, 5)) console.log(`  leak: ${leak.slice(0, 300)}`);
  for (const line of lines.filter((l) => l.includes('"level":"error"')).slice(0, 5)) console.log(`  error: ${line.slice(0, 400)}`);
  console.log(`data dir ${dirMode}; while serving: ${liveModes}; after stop: ${files.join(', ')}`);
  console.log(readFileSync(join(dataDir, '..', 'data', 'secret.key'), 'utf8').length > 0 ? 'key file present' : 'no key file');
  await Promise.all([b.close(), c.close(), amo.close(), oauth.close()]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
