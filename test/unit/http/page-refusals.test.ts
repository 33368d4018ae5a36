import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameBusy } from '../../../src/connectors/bitrix24/bitrix24-frame-check';
import { KamError, fail } from '../../../src/core/errors';
import { createHttpApp } from '../../../src/http/create-http-app';
import { listen, type ListeningServer } from '../../../src/http/listen';
import type { CallerCredentials, CallerVerifier } from '../../../src/http/page-caller';
import { pagesRoutes } from '../../../src/http/pages.routes';
import { createSilentLogger } from '../../../src/logging/logger';

/**
 * A page (card tab, portfolio, settings) whose caller is refused, at the HTTP edge: a page in the
 * reader's language from the catalogue with the right status, never the error's own message.
 */
const SECRET = 'connect ECONNREFUSED 10.0.0.5:5432 kam_app@db';

describe('refused pages', () => {
  let server: ListeningServer;
  let next: KamError = new KamError('UNAUTHORIZED', SECRET);
  const asked: CallerCredentials[] = [];
  const verifier: CallerVerifier = {
    async verify(credentials) {
      asked.push(credentials);
      return fail(next);
    },
  };

  beforeAll(async () => {
    const uiDir = mkdtempSync(join(tmpdir(), 'kam-ui-refused-'));
    writeFileSync(join(uiDir, 'index.html'), '<!doctype html><html lang="en"><head></head><body></body></html>');
    server = await listen(createHttpApp({ logger: createSilentLogger(), routers: [pagesRoutes({ verifier, defaultLang: 'en', uiDir })] }), { host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close());

  const frame = { member_id: 'm1', AUTH_ID: 'token-1', REFRESH_ID: 'refresh-1', PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: '{"ID":"7"}' };
  const post = (path: string, error: KamError, headers: Record<string, string> = {}) => {
    next = error;
    return fetch(`${server.url}${path}`, { method: 'POST', headers, body: new URLSearchParams(frame) });
  };
  const read = async (response: Response) => {
    const page = await response.text();
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page).not.toContain(SECRET);
    expect(page).not.toMatch(/ECONNREFUSED|UNAUTHORIZED|CRM_UNAVAILABLE|STORAGE/);
    return page;
  };

  it('answers a caller the CRM did not confirm with a 401 page saying to open the app from the CRM again, in the CRM\'s language', async () => {
    for (const [lang, words] of [['ru', 'откройте KAM Pilot из неё заново'], ['en', 'open KAM Pilot from it again']] as const) {
      for (const page of ['card', 'portfolio', 'settings']) {
        const response = await post(`/ui/${page}?LANG=${lang}`, new KamError('UNAUTHORIZED', SECRET));
        expect(response.status).toBe(401);
        const html = await read(response);
        expect(html).toContain(`<html lang="${lang}">`);
        expect(html).toContain(words);
        // Strict: no script at all, framed by whichever CRM opened it.
        expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors *");
        expect(html).not.toContain('<script');
      }
    }
  });

  it('without the CRM\'s LANG, answers in the browser\'s language', async () => {
    const html = await read(await post('/ui/portfolio', new KamError('TOKEN_EXPIRED', SECRET), { 'Accept-Language': 'ru-RU,ru;q=0.9' }));
    expect(html).toContain('<html lang="ru">');
    expect(html).toContain('CRM не подтвердила, кто вы.');
  });

  it('answers a CRM that could not be reached, or a server failure, with a 503 page that says so and nothing internal', async () => {
    for (const code of ['CRM_UNAVAILABLE', 'NETWORK', 'CRM_REJECTED'] as const) {
      const response = await post('/ui/settings?LANG=en', new KamError(code, SECRET));
      expect(response.status).toBe(503);
      expect(await read(response)).toContain('The CRM could not be reached to confirm who you are.');
    }
    const failed = await post('/ui/card?LANG=ru', new KamError('STORAGE', SECRET));
    expect(failed.status).toBe(503);
    expect(await read(failed)).toContain('Сервер KAM Pilot сейчас не может открыть страницу.');
  });

  it('answers a frame not checked in time (busy check lane) with the page that posts the same frame again by itself', async () => {
    const response = await post('/ui/card?LANG=ru&DOMAIN=b.example', frameBusy(2_000));
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    const html = await read(response);
    expect(html).toContain('<html lang="ru">');
    expect(html).toContain('Страница откроется сама');
    expect(html).toContain('action="/ui/card?LANG=ru&amp;DOMAIN=b.example"');
    for (const [name, value] of [['member_id', 'm1'], ['AUTH_ID', 'token-1'], ['PLACEMENT', 'CRM_DEAL_DETAIL_TAB'], ['PLACEMENT_OPTIONS', '{&quot;ID&quot;:&quot;7&quot;}']]) {
      expect(html).toContain(`<input type="hidden" name="${name}" value="${value}">`);
    }
    expect(html).not.toContain('refresh-1');
    // The one script is the page's own, allowed by this response's nonce alone.
    const nonce = /script-src 'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1];
    expect(nonce).toBeTruthy();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('answers other rate limits with a 429 notice, and the amoCRM page opened by token like the rest', async () => {
    const limited = await post('/ui/portfolio?LANG=en', new KamError('RATE_LIMITED', SECRET));
    expect(limited.status).toBe(429);
    const html = await read(limited);
    expect(html).toContain('Too many requests. Try again in a minute.');
    expect(html).not.toContain('<script');
    next = new KamError('UNAUTHORIZED', 'The amoCRM token is required');
    const amo = await fetch(`${server.url}/ui/portfolio?crm=amocrm&token=t-1&LANG=ru`);
    expect(amo.status).toBe(401);
    expect(await read(amo)).not.toContain('amoCRM token is required');
    expect(asked.at(-1)).toEqual({ crm: 'amocrm', token: 't-1' });
  });
});
