import { KamError } from '../../../src/core/errors';
import type { CrmApp } from '../../../src/app/crm-app';
import type { CrmInbound, InstallRequest } from '../../../src/core/ports/crm-connector.port';
import { amocrmRoutes } from '../../../src/http/amocrm.routes';
import { createHttpApp } from '../../../src/http/create-http-app';
import { listen } from '../../../src/http/listen';
import { createSilentLogger } from '../../../src/logging/logger';
import { frameRefusal, installRefusal, renderNoticePage } from '../../../src/ui/notice.page';

/**
 * The pages a person meets when the server refuses a CRM frame or an install, and amoCRM's
 * Redirect URI page: a catalogue sentence in the reader's language, never the error's own
 * (English, internal) message.
 */
describe('refusal and confirmation pages', () => {
  it('picks the sentence by the error code and the connector detail, never by the message', () => {
    expect(installRefusal(new KamError('FORBIDDEN', 'x', { details: { reason: 'notAdmin' } }))).toBe('notAdmin');
    expect(installRefusal(new KamError('FORBIDDEN', 'Portal host "evil" may not install this app'))).toBe('forbidden');
    expect(installRefusal(new KamError('UNAUTHORIZED', 'x'))).toBe('unauthorized');
    expect(installRefusal(new KamError('INPUT_INVALID', 'x'))).toBe('malformed');
    expect(installRefusal(new KamError('RATE_LIMITED', 'x'))).toBe('rateLimited');
    expect(installRefusal(new KamError('STORAGE', 'x'))).toBe('failed');
    expect(frameRefusal('ru', { code: 'RATE_LIMITED' })).toEqual({ status: 429, text: 'Слишком много запросов. Попробуйте через минуту.' });
    expect(frameRefusal('en', { code: 'INPUT_INVALID' })).toEqual({ status: 400, text: 'The CRM sent a malformed request. Open the page from the CRM again.' });
    expect(frameRefusal('ru', { code: 'UNAUTHORIZED' })).toEqual({ status: 401, text: 'CRM не подтвердила, кто вы. Обновите страницу CRM и откройте KAM Pilot из неё заново.' });
    expect(frameRefusal('en', { code: 'TOKEN_EXPIRED' }).status).toBe(401);
  });

  it('tells a CRM or server failure (503, nothing for the user to fix) from a caller the CRM did not confirm (401)', () => {
    for (const code of ['CRM_UNAVAILABLE', 'CRM_REJECTED', 'NETWORK'] as const) {
      expect(frameRefusal('en', { code })).toEqual({ status: 503, text: expect.stringMatching(/^The CRM could not be reached/) });
    }
    for (const code of ['STORAGE', 'INTERNAL', 'CONFIG_INVALID', 'ENCRYPTION_KEY_MISMATCH'] as const) {
      expect(frameRefusal('ru', { code })).toEqual({ status: 503, text: expect.stringMatching(/^Сервер KAM Pilot сейчас не может/) });
    }
  });

  it('escapes what it shows and carries no script', () => {
    const page = renderNoticePage({ lang: 'en', title: 'A <b>', text: '"x" & y' });
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<h1>A &lt;b&gt;</h1><p data-testid="notice">&quot;x&quot; &amp; y</p>');
    expect(page).not.toContain('<script');
  });
});

describe("amoCRM's Redirect URI page", () => {
  const serve = async (verifyInstall: CrmInbound['verifyInstall'], install: CrmApp['install']) => {
    const app = { install } as unknown as CrmApp;
    const inbound = { verifyInstall } as unknown as CrmInbound;
    const routes = amocrmRoutes({ app, inbound, defaultLang: 'en', accountHosts: /^x$/, grantUrl: () => 'http://grant', accountPageView: async () => { throw new Error('not asked here'); } });
    return listen(createHttpApp({ logger: createSilentLogger(), routers: [routes] }), { host: '127.0.0.1', port: 0 });
  };
  const request = (lang: 'ru' | 'en' | null) => ({ lang, input: { crm: 'amocrm', externalId: '1', domain: 'acme.amocrm.ru' } }) as unknown as InstallRequest;

  it("says it is connected in the account's language (amocrm.ru: Russian), from the catalogue", async () => {
    const server = await serve(async () => ({ ok: true, value: request('ru') }), async () => ({}) as never);
    try {
      const page = await fetch(`${server.url}/amocrm/oauth?code=c&referer=acme.amocrm.ru`);
      const body = await page.text();
      expect([page.status, body]).toEqual([200, expect.stringContaining('<html lang="ru">')]);
      expect(body).toContain('<h1>KAM Pilot подключён к amoCRM</h1><p data-testid="amo-connect">Окно можно закрыть.</p>');
    } finally {
      await server.close();
    }
  });

  it("words a refusal in the browser's language with a sentence for people, and a failed install as a page, not JSON", async () => {
    const refused = await serve(async () => ({ ok: false, error: new KamError('FORBIDDEN', 'The account host "evil.example" may not install this app') }), async () => ({}) as never);
    try {
      const page = await fetch(`${refused.url}/amocrm/oauth?code=c&referer=evil.example`, { headers: { 'Accept-Language': 'ru-RU,ru;q=0.9,en;q=0.8' } });
      const body = await page.text();
      expect([page.status, body]).toEqual([403, expect.stringContaining('<h1>Не удалось подключить KAM Pilot</h1>')]);
      expect(body).toContain('Этот сервер KAM Pilot не обслуживает ваш портал или аккаунт.');
      expect(body).not.toMatch(/evil\.example|may not install/);
    } finally {
      await refused.close();
    }
    const failing = await serve(async () => ({ ok: true, value: request(null) }), async () => {
      throw new KamError('STORAGE', 'database is locked');
    });
    try {
      const page = await fetch(`${failing.url}/amocrm/oauth?code=c&referer=acme.kommo.com`, { headers: { 'Accept-Language': 'en-US' } });
      const body = await page.text();
      expect([page.status, page.headers.get('content-type')]).toEqual([500, expect.stringContaining('text/html')]);
      expect(body).toContain('<h1>KAM Pilot could not be connected</h1><p data-testid="amo-connect">The KAM Pilot server could not finish the installation. Try again in a few minutes.</p>');
      expect(body).not.toContain('database is locked');
    } finally {
      await failing.close();
    }
  });
});
