import qs from 'qs';
import type { CrmApp } from '../../../src/app/crm-app';
import { frameBusy } from '../../../src/connectors/bitrix24/bitrix24-frame-check';
import { fail } from '../../../src/core/errors';
import type { CrmInbound } from '../../../src/core/ports/crm-connector.port';
import { bitrix24Routes } from '../../../src/http/bitrix24.routes';
import { createHttpApp } from '../../../src/http/create-http-app';
import { listen, type ListeningServer } from '../../../src/http/listen';
import { createSilentLogger } from '../../../src/logging/logger';

/**
 * A card-tab or app frame the connector could not check in time (issue 9, security 3) gets a short
 * page in the user's language that posts the same frame again by itself: never a 5xx, nothing
 * internal shown, the frame's fields carried (escaped), the refresh token never.
 */
let server: ListeningServer;
beforeAll(async () => {
  const inbound = { verifyWidget: async () => fail(frameBusy(4_000)) } as unknown as CrmInbound;
  const routes = bitrix24Routes({ app: {} as CrmApp, inbound, defaultLang: 'en', progress: async () => { throw new Error('not asked here'); } });
  server = await listen(createHttpApp({ logger: createSilentLogger(), routers: [routes] }), { host: '127.0.0.1', port: 0 });
});
afterAll(() => server.close());

const frame = { member_id: 'm"1', AUTH_ID: 'tok<en>', PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: '{"ID":"7"}', REFRESH_ID: 'refresh-secret' };
const post = (path: string) => fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: qs.stringify(frame) });

describe('frame busy page', () => {
  it('answers 429 with a page in the user language that posts the same frame to the same address again', async () => {
    const answer = await post('/bitrix24/placement?DOMAIN=b.example&PROTOCOL=1&LANG=ru&APP_SID=abc');
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('4');
    const page = await answer.text();
    expect(page).toContain('<html lang="ru">');
    expect(page).toContain('Страница откроется сама через несколько секунд');
    expect(page).toContain('action="/bitrix24/placement?DOMAIN=b.example&amp;PROTOCOL=1&amp;LANG=ru&amp;APP_SID=abc"');
    expect(page).toContain('name="AUTH_ID" value="tok&lt;en&gt;"');
    expect(page).toContain('name="member_id" value="m&quot;1"');
    expect(page).toContain('name="PLACEMENT_OPTIONS" value="{&quot;ID&quot;:&quot;7&quot;}"');
    expect(page).not.toContain('refresh-secret');
    expect(page).not.toContain('frameBusy');
    // It posts itself after the delay asked, with a script the page's policy allows by nonce.
    const nonce = /script-src 'nonce-([^']+)'/.exec(answer.headers.get('content-security-policy') ?? '')?.[1];
    expect(page).toContain(`<script nonce="${String(nonce)}">`);
    expect(page).toContain('}, 4000);');
  });

  it('speaks English to an English portal, on the app page too', async () => {
    const page = await (await post('/bitrix24/app?LANG=en')).text();
    expect(page).toContain('This page will open by itself in a few seconds.');
    expect(page).toContain('action="/bitrix24/app?LANG=en"');
    expect(page).not.toMatch(/[а-яё]/i);
  });
});
