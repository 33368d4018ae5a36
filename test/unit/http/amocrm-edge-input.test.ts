import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { CrmApp } from '../../../src/app/crm-app';
import { createAmoInbound, type AmoInboundDeps } from '../../../src/connectors/amocrm/amocrm-edge';
import type { VerifiedInbound } from '../../../src/core/ports/crm-connector.port';
import type { Installation } from '../../../src/core/ports/installation-store.port';
import { amocrmRoutes } from '../../../src/http/amocrm.routes';
import { createHttpApp } from '../../../src/http/create-http-app';
import { listen, type ListeningServer } from '../../../src/http/listen';
import { createSilentLogger } from '../../../src/logging/logger';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createStorage } from '../../../src/storage/create-storage';

/**
 * Issue 9, security 5, on amoCRM's edge as on Bitrix24's: a caller who proved who they are (the
 * widget's signed token, the webhook's secret) and sent a malformed card or account id gets a 400
 * naming the field, never a 200 that read it as "no card" nor a 401 that read it as another account.
 */
const SECRET = 'integration-secret-0123456789';
const HOOK_SECRET = 'hook-secret-abcdefghijklmnop';
const ACCOUNT = '30000011';

describe('amoCRM edge: malformed input from a proven caller', () => {
  let storage: Storage;
  let server: ListeningServer;
  let installation: Installation;
  const views: unknown[] = [];
  const recorded: VerifiedInbound[] = [];

  beforeAll(async () => {
    storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
    installation = await storage.installations.upsert({
      crm: 'amocrm', externalId: ACCOUNT, domain: 'acme.amocrm.ru', clientEndpoint: 'https://acme.amocrm.ru', applicationToken: HOOK_SECRET, status: 'active',
    });
    const inbound = createAmoInbound({
      installations: storage.installations as AmoInboundDeps['installations'],
      credentials: { clientId: 'client-1', clientSecret: SECRET, redirectUri: 'https://kam.example.com/amocrm/oauth' },
      accountHosts: /\.amocrm\.ru$/, oauth: {} as AmoInboundDeps['oauth'], logger: createSilentLogger(), rateBuckets: storage.rateBuckets,
    });
    const app = {
      recordInbound: async (event: VerifiedInbound) => (recorded.push(event), event),
      applyInbound: async () => undefined,
    } as unknown as CrmApp;
    const routes = amocrmRoutes({
      app, inbound, defaultLang: 'en', accountHosts: /\.amocrm\.ru$/, grantUrl: () => 'http://grant',
      accountPageView: (async (_installation: Installation, lang: unknown, card: unknown) => (views.push({ lang, card }), { ok: true })) as never,
    });
    server = await listen(createHttpApp({ logger: createSilentLogger(), routers: [routes] }), { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await storage.close();
  });

  const token = (secret = SECRET) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ account_id: Number(ACCOUNT), user_id: 5, is_admin: false })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('https://acme.amocrm.ru').setAudience('https://kam.example.com')
      .setIssuedAt(now - 10).setExpirationTime(now + 600).sign(new TextEncoder().encode(secret));
  };
  const widget = async (query: string, secret?: string) => {
    const response = await fetch(`${server.url}/amocrm/widget/account-view?${query}`, { headers: { 'X-Auth-Token': await token(secret) } });
    return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
  };
  const webhook = async (body: string, secret = HOOK_SECRET) => {
    const response = await fetch(`${server.url}/amocrm/webhooks/${installation.id}/${secret}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
    return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
  };

  it('answers the widget\'s own call (entity, id, lang) with the card\'s view', async () => {
    expect(await widget('entity=leads&id=7&lang=ru')).toEqual({ status: 200, body: { ok: true } });
    expect(views.at(-1)).toEqual({ lang: 'ru', card: { entity: 'deal', id: '7' } });
  });

  it.each([
    ['lead=abc', 'entity and id'],
    ['lead[]=1', 'entity and id'],
    ['company=-1', 'entity and id'],
    ['lead=1&lead=2', 'entity and id'],
    ['entity=leads&id=abc', 'id must be a numeric id'],
    ['entity=companies&id=-1', 'id must be a numeric id'],
    ['entity=leads&id[]=1', 'id must be given once'],
    ['entity=leads&id=1&id=2', 'id must be given once'],
    ['entity[]=leads&id=1', 'entity must be given once'],
    ['entity=tasks&id=1', 'entity must be leads, contacts or companies'],
    ['entity=leads', 'entity and id name the card together'],
    ['id=5', 'entity and id name the card together'],
    ['entity=leads&id=1&lang[]=en', 'lang must be given once'],
  ])('answers a widget call with %s with a 400 saying why, and reads no view', async (query, reason) => {
    const before = views.length;
    const answer = await widget(query);
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('INPUT_INVALID');
    expect(answer.body.error?.message).toContain(reason);
    expect(views.length).toBe(before);
  });

  it('judges the query only for a proven caller: a forged token with a malformed card is 401', async () => {
    expect((await widget('lead[]=1', 'not-the-secret')).status).toBe(401);
  });

  it.each([
    [`account[id][]=${ACCOUNT}`],
    [`account[id]=${ACCOUNT}&account[id]=${ACCOUNT}`],
    [`account[id][x]=${ACCOUNT}`],
    ['account[id]=abc'],
    ['account[id]=-5'],
    [`account=${ACCOUNT}`],
  ])('answers a webhook with the right secret and %s with one 400 naming account[id], and records nothing', async (account) => {
    const before = recorded.length;
    const answer = await webhook(`${account}&leads[update][0][id]=1`);
    expect(answer).toEqual({ status: 400, body: { error: { code: 'INPUT_INVALID', message: 'Malformed amoCRM webhook: account[id] must be given once, a numeric id' } } });
    expect(recorded.length).toBe(before);
    // Without the secret the same form is a 401: the form is judged only once the sender is proven.
    expect((await webhook(`${account}&leads[update][0][id]=1`, 'wrong-secret')).status).toBe(401);
  });

  it.each([
    ['account_id[]=1&signature[]=00', 'account_id must be given once'],
    [`account_id=${ACCOUNT}&signature=00&signature=11`, 'signature must be given once'],
    [`account_id=${ACCOUNT}&signature=00&client_uuid[]=x`, 'client_uuid must be given once'],
  ])('answers the disconnect hook with %s with a 400 naming the field', async (query, reason) => {
    const response = await fetch(`${server.url}/amocrm/disconnect?${query}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(reason + ', as text');
  });

  it('keeps a well-formed but foreign or missing account a 401, and the genuine delivery a 200', async () => {
    expect((await webhook('account[id]=999&leads[update][0][id]=1')).status).toBe(401);
    expect((await webhook('account[subdomain]=acme&leads[update][0][id]=1')).status).toBe(401);
    expect((await webhook(`account[id]=${ACCOUNT}&account[subdomain]=acme&leads[update][0][id]=1`)).status).toBe(200);
  });
});
