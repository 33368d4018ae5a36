import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'express';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { frameBusy } from '../../src/connectors/bitrix24/bitrix24-frame-check';
import { KamError, fail, ok } from '../../src/core/errors';
import type { Installation } from '../../src/core/ports/installation-store.port';
import { createHttpApp } from '../../src/http/create-http-app';
import { listen, type ListeningServer } from '../../src/http/listen';
import type { CallerVerifier, PageCaller } from '../../src/http/page-caller';
import { pagesRoutes } from '../../src/http/pages.routes';
import { createSilentLogger } from '../../src/logging/logger';

/**
 * A refused page in a real browser, framed by a portal on another origin as Bitrix24 frames the
 * app: the frame posts its data into an iframe, and the refusal (401, 503, the busy page that
 * posts itself again, pages not built) shows in that frame in the portal's language, under the
 * refusal's own strict CSP. The frame token decides the verdict here (a test double of the check).
 * With KAM_SCREENSHOTS=1 the pictures are written to docs/screenshots.
 */
jest.setTimeout(90_000);
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const maybe = CHROMIUM ? describe : describe.skip;
if (!CHROMIUM) process.stdout.write('E2E page-refusals suite: SKIPPED (no /usr/bin/chromium; apt-get install chromium)\n');
const SHOTS = join(__dirname, '..', '..', 'docs', 'screenshots');
const WRITE_SHOTS = process.env.KAM_SCREENSHOTS === '1';

maybe('refused pages in Chromium, framed by the portal', () => {
  let browser: Browser;
  let pages: ListeningServer;
  let unbuilt: ListeningServer;
  let portal: ListeningServer;
  const tokens: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const verifier: CallerVerifier = {
      async verify(credentials, lang) {
        const token = credentials.crm === 'bitrix24' ? credentials.authId : credentials.token;
        tokens.push(token);
        if (token === 'down') return fail(new KamError('CRM_UNAVAILABLE', 'connect ECONNREFUSED portal.example:443'));
        // Busy the first time only: the page posts itself again and then gets the portal's verdict.
        if (token === 'busy' && tokens.filter((seen) => seen === 'busy').length === 1) return fail(frameBusy(15_000));
        if (token === 'fine') return ok({ crm: 'bitrix24', installation: { id: 'i1' } as Installation, lang, isAdmin: async () => true, userId: async () => null } as PageCaller);
        return fail(new KamError('UNAUTHORIZED', 'The portal did not accept the frame token'));
      },
    };
    const built = mkdtempSync(join(tmpdir(), 'kam-refused-ui-'));
    writeFileSync(join(built, 'index.html'), '<!doctype html><html lang="en"><head></head><body></body></html>');
    const logger = createSilentLogger();
    pages = await listen(createHttpApp({ logger, routers: [pagesRoutes({ verifier, defaultLang: 'en', uiDir: built })] }), { host: '127.0.0.1', port: 0 });
    unbuilt = await listen(createHttpApp({ logger, routers: [pagesRoutes({ verifier, defaultLang: 'en', uiDir: mkdtempSync(join(tmpdir(), 'kam-unbuilt-')) })] }), { host: '127.0.0.1', port: 0 });
    // Plays the portal, on another origin (localhost, not 127.0.0.1): the frame is a form posted into the app's iframe.
    const frame = Router();
    frame.get('/portal', (req, res) => {
      const target = `${String(req.query.app)}/ui/${String(req.query.page)}?LANG=${String(req.query.lang)}`;
      res.type('html').send(`<!doctype html><html><head><link rel="icon" href="data:,"></head><body style="margin:0;background:#eef2f4">
        <form id="f" method="post" target="app" action="${target.replace(/&/g, '&amp;')}"><input type="hidden" name="member_id" value="m1">
        <input type="hidden" name="AUTH_ID" value="${String(req.query.token)}"><input type="hidden" name="PLACEMENT" value="DEFAULT"></form>
        <iframe name="app" style="border:0;width:900px;height:320px;background:#fff;margin:20px"></iframe>
        <script>document.getElementById('f').submit()</script></body></html>`);
    });
    portal = await listen(createHttpApp({ logger, routers: [frame] }), { host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    if (WRITE_SHOTS) mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([pages?.close(), unbuilt?.close(), portal?.close()]);
  });
  afterEach(() => expect(consoleErrors).toEqual([]));

  const open = async (options: { page: string; lang: 'ru' | 'en'; token: string; app?: string }): Promise<{ page: Page; app: Frame }> => {
    const page = await browser.newPage({ viewport: { width: 940, height: 360 } });
    // A refusal's status shows as a console line; anything else (a CSP violation, a script error) is a failure.
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of (401|429|503)/.test(message.text())) consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    const query = new URLSearchParams({ app: options.app ?? pages.url, page: options.page, lang: options.lang, token: options.token });
    await page.goto(`${portal.url.replace('127.0.0.1', 'localhost')}/portal?${query}`);
    const app = page.frame({ name: 'app' })!;
    await app.waitForSelector('main h1');
    return { page, app };
  };
  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: WRITE_SHOTS ? join(SHOTS, `${name}.png`) : undefined });
    await page.close();
  };

  it.each(['ru', 'en'] as const)('a frame the CRM did not confirm (%s): a page saying to open the app from the CRM again', async (lang) => {
    const { page, app } = await open({ page: 'portfolio', lang, token: 'forged' });
    expect(await app.locator('html').getAttribute('lang')).toBe(lang);
    expect(await app.getByTestId('refused').innerText()).toContain(lang === 'ru' ? 'откройте KAM Pilot из неё заново' : 'open KAM Pilot from it again');
    await shot(page, `page-refused-${lang}`);
  });

  it.each(['ru', 'en'] as const)('a CRM that could not be reached (%s): a 503 page that says so, nothing internal', async (lang) => {
    const { page, app } = await open({ page: 'settings', lang, token: 'down' });
    const text = await app.locator('main').innerText();
    expect(text).toContain(lang === 'ru' ? 'Не удалось связаться с CRM' : 'The CRM could not be reached');
    expect(text).not.toContain('ECONNREFUSED');
    await shot(page, `page-crm-unreachable-${lang}`);
  });

  it.each(['ru', 'en'] as const)('pages not built (%s): a page for the user, the command in a note for the server administrator', async (lang) => {
    const { page, app } = await open({ page: 'card', lang, token: 'fine', app: unbuilt.url });
    expect(await app.getByTestId('refused').innerText()).toContain(lang === 'ru' ? 'ещё не установлены' : 'not installed on this server yet');
    expect(await app.getByTestId('note').innerText()).toContain('npm run build');
    await shot(page, `pages-not-built-${lang}`);
  });

  it.each(['ru', 'en'] as const)('a frame not checked in time (%s): the busy page, whose button posts the same frame again', async (lang) => {
    tokens.length = 0;
    const { page, app } = await open({ page: 'card', lang, token: 'busy' });
    expect(await app.getByTestId('frame-busy').innerText()).toContain(lang === 'ru' ? 'Страница откроется сама' : 'This page will open by itself');
    await page.screenshot({ path: WRITE_SHOTS ? join(SHOTS, `page-busy-${lang}.png`) : undefined });
    // The same frame posted again (its token included) gets the portal's verdict, here a refusal.
    await app.getByRole('button').click();
    await app.getByTestId('refused').waitFor();
    expect(tokens).toEqual(['busy', 'busy']);
    expect(await app.locator('html').getAttribute('lang')).toBe(lang);
    await page.close();
  });
});
