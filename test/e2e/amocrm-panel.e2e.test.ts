import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { chromium, type Browser } from 'playwright-core';
import { runDemo, type DemoRun } from '../../src/app/demo/run-demo';
import { createSilentLogger } from '../../src/logging/logger';
import type { RunningAmoCrmSandbox } from '../../src/sandbox/amocrm';
import { amocrmDemoDriver } from '../../src/sandbox/demo/amocrm.demo-driver';
import { amoCardPage } from './support/amo-widget-page';

/**
 * The amoCRM card panel in Chromium: the real widget script on a page of the account's origin (as
 * amo serves its cards), asking our server with amo's disposable token across origins (CORS), on
 * the stored data of an amoCRM demo.
 */
jest.setTimeout(180_000);

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const maybe = CHROMIUM ? describe : describe.skip;
const SHOTS = join(__dirname, '..', '..', 'docs', 'screenshots');
const WRITE_SHOTS = process.env.KAM_SCREENSHOTS === '1';

maybe('the amoCRM card panel in Chromium', () => {
  let demo: DemoRun<RunningAmoCrmSandbox>;
  let browser: Browser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    demo = await runDemo({ driver: amocrmDemoDriver,
      companies: 30, contacts: 60, deals: 300, seed: 5, passes: 1, changes: 0,
      dataDir: join(mkdtempSync(join(tmpdir(), 'kam-amo-panel-')), 'data'), logger: createSilentLogger(),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // The card page is served by the test (no address of its own, so "public" to Chromium) and calls our loopback server;
      // amo's pages and our server are both public in production, so the local-network checks have nothing to say here.
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests'],
    });
    if (WRITE_SHOTS) mkdirSync(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  /** A key or develop company with a lead and an open task; its contract end and satisfaction then changed as a synced CRM edit would. */
  const account = async () => {
    const { storage } = demo.runtime;
    const run = await storage.evaluations.latestRun(demo.installationId);
    for (const row of await storage.evaluations.runAccounts(demo.installationId, run!.id)) {
      if (row.tier === 'standard') continue;
      const [lead] = await storage.entities.listByCompany(demo.installationId, 'deal', row.accountId);
      const steps = await storage.taskLedger.list(demo.installationId, { states: ['open'], accountId: row.accountId });
      const company = (await storage.entities.get(demo.installationId, 'company', row.accountId))?.data;
      if (!lead || !company || !steps.some((s) => s.crmTaskId)) continue;
      const contractEnd = new Date(Date.parse(`${row.asOf}T00:00:00Z`) + 45 * 86_400_000).toISOString().slice(0, 10);
      await storage.entities.upsertMany(demo.installationId, 'company', [{ ...company, fields: { ...company.fields, contractEnd, satisfaction: 4 }, modifiedAt: new Date().toISOString() }]);
      return { id: row.accountId, lead };
    }
    throw new Error('the amo demo has no key or develop company with a lead and an open task');
  };

  const show = async (lang: 'ru' | 'en', area: 'comcard' | 'lcard', cardId: string) => {
    const origin = String(demo.sandbox.url);
    const { token } = (await axios.post(`${origin}/_sandbox/widget-token`, {})).data as { token: string };
    const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    // The card page lives on the account's origin, as amo's does: our server's CORS answers that origin only.
    await page.route(`${origin}/leads/detail/**`, (route) => route.fulfill({ contentType: 'text/html', body: amoCardPage({ lang, area, cardId, backend: demo.app, token }) }));
    await page.route(`${origin}/companies/detail/**`, (route) => route.fulfill({ contentType: 'text/html', body: amoCardPage({ lang, area, cardId, backend: demo.app, token }) }));
    await page.goto(`${origin}/${area === 'lcard' ? 'leads' : 'companies'}/detail/${cardId}`);
    await page.locator('.kam-pilot__head').waitFor();
    return page;
  };

  it('shows tier, risk signals, the two charts, the lead with its stage, steps, and links to the amo cards, in Russian and English', async () => {
    const { id, lead } = await account();
    const origin = String(demo.sandbox.url);
    const installation = await demo.runtime.storage.installations.get(demo.installationId);
    const base = new URL(installation!.clientEndpoint ?? `https://${installation!.domain}`).origin;
    for (const lang of ['ru', 'en'] as const) {
      const view = await demo.runtime.app.accountView({ installationId: demo.installationId, lang, accountId: id });
      expect(view.risks.map((risk) => risk.kind)).toEqual(expect.arrayContaining(['lowSatisfaction', 'contractEnding']));

      const company = await show(lang, 'comcard', id);
      // The panel capitalises each risk sentence (CSS), so innerText does too.
      const text = (await company.locator('#column').innerText()).toLocaleLowerCase(lang);
      for (const risk of view.risks) expect(text).toContain(risk.text.toLocaleLowerCase(lang));
      expect(text).toContain(lang === 'ru' ? 'сигналы риска' : 'risk signals');
      // The 24-month revenue bars and the score line over the tier bands, drawn in the panel.
      expect(await company.locator('svg.kam-pilot__chart').count()).toBe(2);
      expect(await company.locator('svg.kam-pilot__chart').first().locator('rect[fill="#4c8bf5"]').count()).toBe(24);
      expect(await company.locator('svg.kam-pilot__chart').nth(1).locator('polyline').count()).toBe(1);
      if (lang === 'ru') expect(text).not.toMatch(/risk signals|next steps|satisfaction|contract ends/);
      expect(await company.locator('.kam-pilot__account a').getAttribute('href')).toBe(`${base}/companies/detail/${id}`);
      expect(await company.locator('.kam-pilot__list a').first().getAttribute('href')).toBe(`${base}/companies/detail/${id}`);
      expect(await company.locator('a[target]').count()).toBe(0);
      if (WRITE_SHOTS) await company.locator('#column').screenshot({ path: join(SHOTS, `amocrm-panel-company-${lang}.png`) });
      await company.close();

      const leadCard = await show(lang, 'lcard', lead.crmId);
      const deal = leadCard.locator('.kam-pilot__deal');
      const leadView = await demo.runtime.app.accountView({ installationId: demo.installationId, lang, dealId: lead.crmId });
      expect(leadView.deal?.stageName).toMatch(/\S/);
      expect(await deal.innerText()).toContain(leadView.deal!.stageName!);
      expect(await deal.innerText()).not.toContain(lead.stageId);
      expect(await deal.locator('a').getAttribute('href')).toBe(`${base}/leads/detail/${lead.crmId}`);
      if (WRITE_SHOTS) await leadCard.locator('#column').screenshot({ path: join(SHOTS, `amocrm-panel-lead-${lang}.png`) });
      await leadCard.close();
    }
    expect(base).toBe(origin.replace(/\/$/, ''));

    // What the widget route sends the browser: the page-facing view the Bitrix24 tab reads, nothing of our store.
    const { token } = (await axios.post(`${origin}/_sandbox/widget-token`, {})).data as { token: string };
    const answer = await axios.get(`${demo.app}/amocrm/widget/account-view`, { params: { entity: 'companies', id, lang: 'en' }, headers: { 'X-Auth-Token': token } });
    const json = JSON.stringify(answer.data);
    expect(answer.data).toMatchObject({ account: { id }, evaluation: { tier: expect.any(String) }, revenueByMonth: expect.any(Array), scoreHistory: expect.any(Array) });
    expect(json).not.toContain(demo.installationId);
    expect(json).not.toMatch(/installationId|dedupKey|crmTaskId|userNames|openSteps|"snapshot"/);
    const users = (await demo.runtime.storage.writeState.getMany(demo.installationId, ['ref:users'])).get('ref:users') as Array<{ id: string; name: string }>;
    const shown = users.filter((user) => json.includes(JSON.stringify(user.name)));
    expect(shown.length).toBeLessThan(users.length);
  });

  it('ran without a console error', () => {
    expect(consoleErrors).toEqual([]);
  });
});
