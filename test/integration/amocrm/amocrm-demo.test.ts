import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import qs from 'qs';
import { runDemo, type DemoRun } from '../../../src/app/demo/run-demo';
import type { RunningAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import { amocrmDemoDriver } from '../../../src/sandbox/demo/amocrm.demo-driver';
import { createSilentLogger } from '../../../src/logging/logger';
import { markerIn } from '../../../src/core/ports/crm-writer.port';
import type { CrmFieldInfo } from '../../../src/core/ports/crm-connector.port';
import { settingsPageUseCases } from '../../../src/http/settings-page';

/**
 * amoCRM end to end against the rate-limited sandbox account, as `kam demo --crm amocrm` runs
 * it: install through the OAuth redirect, two passes, then the edge (webhooks, widget API,
 * disconnect) and idempotence.
 */
jest.setTimeout(120_000);

const SIZE = { companies: 80, contacts: 160, deals: 900 };
let demo: DemoRun<RunningAmoCrmSandbox>;
const http = axios.create({ validateStatus: () => true });

interface State {
  fieldValues: { companies: Record<string, Record<string, unknown>> };
  notes: Array<{ entity_id: number; text: string | null }>;
  tasks: { open: Array<{ entity_id: number; text: string }>; completed: Array<{ entity_id: number; text: string }> };
  webhooks: Array<{ destination: string }>;
}
const state = async () => (await demo.crm.state()) as unknown as State;
const markerOf = (text: string | null) => markerIn(text ?? '');
const duplicates = (items: Array<string | null>) => items.filter((item, index) => item !== null && items.indexOf(item) !== index);

beforeAll(async () => {
  demo = await runDemo({ driver: amocrmDemoDriver, ...SIZE, seed: 11, passes: 2, changes: 40, dataDir: join(mkdtempSync(join(tmpdir(), 'kam-amo-')), 'data'), logger: createSilentLogger() });
});

afterAll(async () => {
  await demo?.close();
});

describe('kam demo --crm amocrm', () => {
  it('installs through the OAuth redirect and syncs exactly what the account holds, within the request budget', async () => {
    const installation = await demo.runtime.storage.installations.get(demo.installationId);
    expect(installation).toMatchObject({ crm: 'amocrm', externalId: String(demo.sandbox.accountId), status: 'active' });
    const [first, second] = demo.passes;
    expect(first?.sync).toEqual(SIZE);
    const entities = SIZE.companies + SIZE.contacts + SIZE.deals;
    expect(first?.api.byPhase.sync).toBeLessThanOrEqual(Math.ceil(entities / 250) + 10);
    const writes = (first?.writes.fields ?? 0) + (first?.writes.comments ?? 0) + (first?.writes.todos ?? 0) + (first?.writes.closed ?? 0);
    expect(first?.api.byPhase.writeBack).toBeLessThanOrEqual(Math.ceil(writes / 50) + 5);
    expect(first?.api.rejections).toEqual({});
    // 40 edited leads come back by webhook: one re-read, plus one reconcile request per kind.
    expect(second?.api.byPhase.sync).toBeLessThanOrEqual(5);
  });

  it('leaves every company with a KAM_TIER value, and no note or open task twice, after both passes', async () => {
    const { fieldValues, notes, tasks } = await state();
    for (let id = 1; id <= SIZE.companies; id += 1) expect(fieldValues.companies[String(id)]?.KAM_TIER).toEqual(expect.any(String));
    expect(notes.length).toBeGreaterThan(0);
    expect(duplicates(notes.map((note) => markerOf(note.text)))).toEqual([]);
    expect(tasks.open.length).toBeGreaterThan(0);
    expect(duplicates([...tasks.open, ...tasks.completed].map((task) => markerOf(task.text)))).toEqual([]);
    expect(demo.passes[1]?.writes.comments).toBe(0);
  });

  it('keeps the company custom fields under ref:fields by name, and the settings view offers them', async () => {
    const stored = (await demo.runtime.storage.writeState.getMany(demo.installationId, ['ref:fields'])).get('ref:fields') as CrmFieldInfo[];
    const potential = stored.find((field) => field.code === 'KAM_POTENTIAL_3Y');
    expect(potential?.kind).toBe('company');
    expect(potential?.name).toBeTruthy();
    expect(potential?.name).not.toBe('KAM_POTENTIAL_3Y');
    const installation = await demo.runtime.storage.installations.get(demo.installationId);
    const page = settingsPageUseCases({ storage: demo.runtime.storage, connectors: demo.runtime.connectors, defaultLang: 'en' });
    const caller = { crm: 'amocrm' as const, installation: installation!, lang: 'en' as const, isAdmin: async () => true, userId: async () => '1' };
    const view = await page.view(caller);
    expect((await page.preview(caller, { ...view.settings, fieldMap: { ...view.settings.fieldMap, margin: view.crmFields[0]?.id ?? null } })).ok).toBe(true);
    expect(view.crmFields).toEqual(expect.arrayContaining([{ id: 'KAM_POTENTIAL_3Y', label: potential?.name, type: potential?.type }]));
    expect(view.metrics).toEqual(expect.arrayContaining([expect.objectContaining({ metric: 'field:KAM_POTENTIAL_3Y', label: potential?.name })]));
    const bad = await page.preview(caller, { ...view.settings, fieldMap: { ...view.settings.fieldMap, margin: 'NO_SUCH_FIELD' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', details: { fields: { 'fieldMap.margin': 'The CRM has no such field.' } } } });
  });

  it('a third pass with nothing changed costs at most five requests and writes nothing', async () => {
    const before = await demo.runtime.app.requestCounts(demo.installationId);
    const report = await demo.runtime.app.runCycle(demo.installationId, 'incremental', { asOf: String(demo.sandbox.anchorDate) });
    const after = await demo.runtime.app.requestCounts(demo.installationId);
    expect((after?.requests ?? 0) - (before?.requests ?? 0)).toBeLessThanOrEqual(5);
    expect(report.writes).toMatchObject({ comments: 0, todos: 0 });
  });

  it('reinstalls through our own button: the state it issued comes back and is accepted, a forged one is refused', async () => {
    const button = await http.get(`${demo.app}/amocrm/connect`, { maxRedirects: 0 });
    expect(button.status).toBe(302);
    const grant = new URL(String(button.headers.location));
    expect(`${grant.origin}${grant.pathname}`).toBe('https://www.amocrm.ru/oauth');
    expect(grant.searchParams.get('client_id')).toBe(String(demo.sandbox.clientId));
    const state = grant.searchParams.get('state') ?? '';
    const secretBefore = (await demo.runtime.storage.installations.get(demo.installationId))?.applicationToken;

    const forged = (await http.post(`${demo.sandbox.url}/_sandbox/install`, { state: `${state.slice(0, -2)}xx` })).data as { status: number };
    expect(forged.status).toBe(401);
    const installed = (await http.post(`${demo.sandbox.url}/_sandbox/install`, { state })).data as { status: number };
    expect(installed.status).toBe(200);
    const after = await demo.runtime.storage.installations.get(demo.installationId);
    expect(after?.status).toBe('active');
    // The webhook registered at amo carries the secret: a reinstall keeps it.
    expect(after?.applicationToken).toBe(secretBefore);
  });

  it('refuses a webhook with a wrong secret or another account id, and changes nothing', async () => {
    const [hook] = (await state()).webhooks;
    const destination = new URL(hook?.destination ?? '');
    const body = qs.stringify({ leads: { update: [{ id: '1' }] }, account: { id: String(demo.sandbox.accountId), subdomain: 'kampilot' } });
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const dirty = await demo.runtime.storage.syncState.countDirty(demo.installationId);
    const wrongSecret = await http.post(`${demo.app}${destination.pathname.replace(/\/[^/]+$/, '/not-the-secret')}`, body, { headers });
    expect(wrongSecret.status).toBe(401);
    const otherAccount = await http.post(`${demo.app}${destination.pathname}`, qs.stringify({ leads: { update: [{ id: '1' }] }, account: { id: '1' } }), { headers });
    expect(otherAccount.status).toBe(401);
    // Authenticated but malformed (issue 9, security 5): 400 naming the field, and nothing of the delivery is marked.
    const malformed = await http.post(`${demo.app}${destination.pathname}`, `${qs.stringify({ leads: { update: [{ id: '77' }, { id: 'abc' }] } })}&${body.replace(/^.*?account/, 'account')}`, { headers });
    expect([malformed.status, malformed.data]).toEqual([400, { error: { code: 'INPUT_INVALID', message: 'Malformed amoCRM webhook: leads[update][1][id] must be a numeric id' } }]);
    expect(await demo.runtime.storage.syncState.countDirty(demo.installationId)).toBe(dirty);
    const good = await http.post(`${demo.app}${destination.pathname}`, body, { headers });
    expect(good.status).toBe(200);
  });

  it('serves the account view to the widget with amo\'s disposable token, with CORS for the account origin only', async () => {
    const origin = String(demo.sandbox.url);
    const preflight = await http.options(`${demo.app}/amocrm/widget/account-view`, { headers: { Origin: origin, 'Access-Control-Request-Headers': 'x-auth-token' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(origin);
    expect((await http.options(`${demo.app}/amocrm/widget/account-view`, { headers: { Origin: 'https://evil.example' } })).status).toBe(403);

    const { token } = (await http.post(`${origin}/_sandbox/widget-token`, {})).data as { token: string };
    const view = await http.get(`${demo.app}/amocrm/widget/account-view?entity=companies&id=1&lang=en`, { headers: { Origin: origin, 'X-Auth-Token': token } });
    expect(view.status).toBe(200);
    expect(view.headers['access-control-allow-origin']).toBe(origin);
    // The page-facing view the Bitrix24 card tab reads, in the asked language; nothing of our store.
    expect(view.data).toMatchObject({ account: { id: '1', name: expect.any(String) }, evaluation: expect.objectContaining({ tier: expect.any(String) }) });
    expect(JSON.stringify(view.data)).not.toMatch(/installationId|dedupKey|crmTaskId|userNames|"snapshot"/);

    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await http.get(`${demo.app}/amocrm/widget/account-view?entity=companies&id=1`, { headers: { 'X-Auth-Token': forged } })).status).toBe(401);
    expect((await http.get(`${demo.app}/amocrm/widget/account-view?entity=companies&id=1`)).status).toBe(401);
  });

  it('gives the widget a lead with its stage by name, the amo card links, and the account\'s risk signals as sentences', async () => {
    const origin = String(demo.sandbox.url);
    const { storage } = demo.runtime;
    let lead: { crmId: string; companyId: string | null; stageId: string; pipelineId: string } | undefined;
    for await (const page of storage.entities.iterate(demo.installationId, 'deal')) lead ??= page.find((d) => d.companyId);
    if (!lead?.companyId) throw new Error('the amo demo has no lead with a company');
    const { token } = (await http.post(`${origin}/_sandbox/widget-token`, {})).data as { token: string };
    const view = (await http.get(`${demo.app}/amocrm/widget/account-view?entity=leads&id=${lead.crmId}&lang=ru`, { headers: { Origin: origin, 'X-Auth-Token': token } })).data as {
      deal: { stage: string | null; link: { url: string } }; account: { link: { url: string } }; risks: Array<{ kind: string; text: string }>; nextSteps: Array<{ link: { url: string } | null }>;
    };
    const pipelines = (await storage.writeState.getMany(demo.installationId, ['ref:pipelines'])).get('ref:pipelines') as Array<{ id: string; stages: Array<{ id: string; name: string }> }>;
    expect(view.deal.stage).toBe(pipelines.find((p) => p.id === lead!.pipelineId)?.stages.find((st) => st.id === lead!.stageId)?.name);
    expect(view.deal.stage).not.toBe(lead.stageId);
    const installation = await storage.installations.get(demo.installationId);
    const base = new URL(installation!.clientEndpoint ?? `https://${installation!.domain}`).origin;
    expect(view.deal.link.url).toBe(`${base}/leads/detail/${lead.crmId}`);
    expect(view.account.link.url).toBe(`${base}/companies/detail/${lead.companyId}`);
    for (const step of view.nextSteps.filter((s) => s.link)) expect(step.link?.url).toBe(`${base}/companies/detail/${lead.companyId}`);
    for (const risk of view.risks) expect(risk.text).toMatch(/[а-яё]/);
  });

  it('gives the widget the portfolio address with a signed page token that the pages accept; settings only for an administrator', async () => {
    const origin = String(demo.sandbox.url);
    const pageToken = (url: string) => new URL(url).searchParams.get('token') ?? '';
    const api = (path: string, token: string) => http.get(`${demo.app}${path}`, { headers: { 'X-Kam-Crm': 'amocrm', Authorization: `Bearer ${token}` } });
    const ask = async (isAdmin: boolean) => {
      const { token } = (await http.post(`${origin}/_sandbox/widget-token`, { isAdmin })).data as { token: string };
      return http.get(`${demo.app}/amocrm/widget/portfolio-url?lang=en`, { headers: { Origin: origin, 'X-Auth-Token': token } });
    };
    const admin = await ask(true);
    expect(admin.status).toBe(200);
    const adminLinks = admin.data as { url: string; settingsUrl?: string };
    expect(new URL(adminLinks.url).pathname).toBe('/ui/portfolio');
    expect(new URL(adminLinks.url).searchParams.get('crm')).toBe('amocrm');
    expect(new URL(adminLinks.url).searchParams.get('lang')).toBe('en');
    expect(new URL(adminLinks.settingsUrl ?? '').pathname).toBe('/ui/settings');
    expect((await api('/api/portfolio?period=quarter', pageToken(adminLinks.url))).status).toBe(200);
    expect((await api('/api/settings', pageToken(adminLinks.url))).status).toBe(200);

    const manager = await ask(false);
    expect(manager.status).toBe(200);
    const managerLinks = manager.data as { url: string; settingsUrl?: string };
    expect(managerLinks.settingsUrl).toBeUndefined();
    expect((await api('/api/portfolio?period=quarter', pageToken(managerLinks.url))).status).toBe(200);
    expect((await api('/api/settings', pageToken(managerLinks.url))).status).toBe(403);
    // A page token with a changed signature, or no disposable token at all, opens nothing.
    expect((await api('/api/portfolio?period=quarter', `${pageToken(adminLinks.url).slice(0, -4)}AAAA`)).status).toBe(401);
    expect((await http.get(`${demo.app}/amocrm/widget/portfolio-url`)).status).toBe(401);
  });

  it('marks the installation deleted on amo\'s signed disconnect hook, and refuses a forged one', async () => {
    const forged = await http.get(`${demo.app}/amocrm/disconnect`, { params: { account_id: String(demo.sandbox.accountId), client_uuid: String(demo.sandbox.clientId), signature: 'ab'.repeat(32) } });
    expect(forged.status).toBe(401);
    const sent = (await http.post(`${demo.sandbox.url}/_sandbox/disconnect`, { hookUrl: `${demo.app}/amocrm/disconnect` })).data as { status: number };
    expect(sent.status).toBe(200);
    await demo.runtime.queue.idle();
    // The hook is answered first and applied right after: wait for that, however long a loaded machine takes.
    while ((await demo.runtime.storage.installations.get(demo.installationId))?.status !== 'deleted') await new Promise((resolve) => setImmediate(resolve));
  });
});
