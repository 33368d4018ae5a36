import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import qs from 'qs';
import { runDemo, type DemoRun } from '../../../src/app/demo/run-demo';
import { bitrix24DemoDriver } from '../../../src/sandbox/demo/bitrix24.demo-driver';
import type { RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { evaluateInstallation } from '../../../src/app/evaluate-installation';
import { readSettings } from '../../../src/app/installation-settings';
import { BITRIX24_TRAITS, asBitrix24Slot } from '../../../src/connectors/bitrix24/bitrix24-crm';
import { writeBack } from '../../../src/app/write-back';
import { createBitrix24Connector } from '../../../src/connectors/bitrix24/bitrix24-connector';
import { createBitrix24Writer } from '../../../src/connectors/bitrix24/bitrix24-writer';
import type { SyncedDeal } from '../../../src/core/model/synced';
import { markerFor, markerIn, type CrmWriter } from '../../../src/core/ports/crm-writer.port';
import { createSilentLogger } from '../../../src/logging/logger';
import { settingsPageUseCases } from '../../../src/http/settings-page';
import type { CrmFieldInfo } from '../../../src/core/ports/crm-connector.port';

/**
 * The Bitrix24 slice end to end against the sandbox portal: install through the real install
 * path, sync, evaluate, write back, events at the edge, the card tab, and idempotence.
 */
jest.setTimeout(120_000);

const SIZE = { companies: 80, contacts: 160, deals: 900 };
let demo: DemoRun<RunningBitrix24Sandbox>;
const http = axios.create({ validateStatus: () => true });
const form = (body: Record<string, unknown>) => qs.stringify(body);
const formHeaders = { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };

const ready = () => demo.sandbox as { memberId: string; applicationToken: string; accessToken: string; domain: string; url: string; anchorDate: string };
const todoMarkers = () =>
  demo.sandboxHandle
    .state()
    .activities.map((activity) => markerIn(activity.description))
    .filter((marker): marker is string => Boolean(marker));

/** The app answers an event first and handles it after: this waits for every handling it has started. */
let handling: jest.SpyInstance;
const eventsHandled = () => Promise.allSettled(handling.mock.results.map((result) => result.value as Promise<void>));

beforeAll(async () => {
  demo = await runDemo({ driver: bitrix24DemoDriver, ...SIZE, seed: 5, passes: 2, changes: 40, dataDir: join(mkdtempSync(join(tmpdir(), 'kam-b24-')), 'data'), logger: createSilentLogger() });
  handling = jest.spyOn(demo.runtime.app, 'applyInbound');
});

afterAll(async () => {
  await demo?.close();
});

describe('install and first pass', () => {
  it('installs through the frame and ONAPPINSTALL, finishes the install, and syncs exactly what the portal holds', async () => {
    const state = demo.sandboxHandle.state();
    expect(state.app.installed).toBe(true);
    const installation = await demo.runtime.storage.installations.get(demo.installationId);
    expect(installation).toMatchObject({ crm: 'bitrix24', externalId: ready().memberId, status: 'active' });
    expect(installation?.applicationToken).toBe(ready().applicationToken);
    expect(demo.passes[0]?.sync).toEqual(SIZE);
    expect(await demo.runtime.storage.entities.count(demo.installationId, 'deal')).toBe(SIZE.deals);
  });

  it('sets the portal up: tier and score fields, both card tabs, the CRM events', () => {
    const state = demo.sandboxHandle.state();
    const tier = state.userFields.find((field) => field.fieldName === 'UF_CRM_KAM_TIER');
    expect(tier?.type).toBe('enumeration');
    expect(tier?.list?.map((item) => item.XML_ID)).toEqual(['KEY', 'DEVELOP', 'STANDARD']);
    expect(state.userFields.some((field) => field.fieldName === 'UF_CRM_KAM_SCORE')).toBe(true);
    expect(state.placements.map((placement) => placement.placement).sort()).toEqual(['CRM_COMPANY_DETAIL_TAB', 'CRM_DEAL_DETAIL_TAB']);
    expect(state.events.map((event) => event.event)).toEqual(expect.arrayContaining(['ONCRMDEALUPDATE', 'ONCRMCOMPANYADD', 'ONAPPUNINSTALL']));
  });

  it('keeps the reference data: every pipeline with won and lost stages, and the owners', async () => {
    const stored = await demo.runtime.storage.writeState.getMany(demo.installationId, ['ref:pipelines', 'ref:users']);
    const pipelines = stored.get('ref:pipelines') as Array<{ id: string; stages: Array<{ status: string }> }>;
    expect(pipelines.length).toBeGreaterThanOrEqual(2);
    for (const pipeline of pipelines) {
      expect(pipeline.stages.map((stage) => stage.status)).toEqual(expect.arrayContaining(['open', 'won', 'lost']));
    }
    const users = stored.get('ref:users') as Array<{ id: string; name: string }>;
    expect(users.length).toBeGreaterThan(0);
    expect(users.every((user) => user.name.length > 0)).toBe(true);
  });

  it('keeps the company fields under ref:fields with their portal names (same batch, no extra request), and the settings view offers them', async () => {
    const stored = (await demo.runtime.storage.writeState.getMany(demo.installationId, ['ref:fields'])).get('ref:fields') as CrmFieldInfo[];
    const tier = stored.find((field) => field.code === 'UF_CRM_KAM_TIER');
    expect(tier).toMatchObject({ kind: 'company', name: 'KAM: уровень', type: 'enumeration' });
    expect(tier?.options).toHaveLength(3);
    // Standard fields come with their titles; read-only ones (ID, DATE_CREATE) are left out.
    expect(stored.find((field) => field.code === 'TITLE')?.name).toBeTruthy();
    expect(stored.some((field) => field.code === 'ID')).toBe(false);
    const installation = await demo.runtime.storage.installations.get(demo.installationId);
    const page = settingsPageUseCases({ storage: demo.runtime.storage, connectors: demo.runtime.connectors, defaultLang: 'en' });
    const caller = { crm: 'bitrix24' as const, installation: installation!, lang: 'en' as const, isAdmin: async () => true, userId: async () => '1' };
    const view = await page.view(caller);
    expect((await page.preview(caller, { ...view.settings, fieldMap: { ...view.settings.fieldMap, margin: view.crmFields[0]?.id ?? null } })).ok).toBe(true);
    expect(view.crmFields).toEqual(expect.arrayContaining([{ id: 'UF_CRM_KAM_TIER', label: 'KAM: уровень', type: 'enumeration' }]));
    expect(view.metrics).toEqual(expect.arrayContaining([expect.objectContaining({ metric: 'field:UF_CRM_KAM_TIER', label: 'KAM: уровень', kind: 'field' })]));
    const bad = await page.preview(caller, { ...view.settings, fieldMap: { ...view.settings.fieldMap, margin: 'UF_CRM_NO_SUCH' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', details: { fields: { 'fieldMap.margin': 'The CRM has no such field.' } } } });
  });

  it('writes a tier and score on every evaluated company', () => {
    const state = demo.sandboxHandle.state();
    const tierField = state.userFields.find((field) => field.fieldName === 'UF_CRM_KAM_TIER');
    const itemIds = new Set(tierField?.list?.map((item) => String(item.ID)));
    expect(state.companies).toHaveLength(demo.passes[0]?.evaluated ?? -1);
    for (const company of state.companies) {
      expect(itemIds.has(String(company.fields.UF_CRM_KAM_TIER))).toBe(true);
      expect(typeof company.fields.UF_CRM_KAM_SCORE).toBe('number');
    }
  });

  it('stays within the request budget: sync <= ceil(entities/2000)+20, write-back <= ceil(writes/50)+5', () => {
    const [first] = demo.passes;
    if (!first) throw new Error('no pass');
    const entities = SIZE.companies + SIZE.contacts + SIZE.deals;
    const writes = first.writes.fields + first.writes.comments + first.writes.todos + first.writes.closed;
    expect(first.api.byPhase.sync).toBeLessThanOrEqual(Math.ceil(entities / 2000) + 20);
    expect(first.api.byPhase.writeBack).toBeLessThanOrEqual(Math.ceil(writes / 50) + 5);
    expect(first.writes.todos).toBeGreaterThan(0);
  });
});

describe('idempotence', () => {
  it('never creates a to-do twice across passes', () => {
    const markers = todoMarkers();
    expect(markers.length).toBeGreaterThan(0);
    expect(new Set(markers).size).toBe(markers.length);
    expect(demo.passes[1]?.writes.todos).toBe(0);
  });

  it('runs setup a second time without writing anything', async () => {
    const stats = async () => ((await http.get(`${ready().url}/_sandbox/stats`)).data as { batchCommands: Record<string, number> }).batchCommands;
    const writes = (byMethod: Record<string, number>) =>
      ['placement.bind', 'event.bind', 'crm.company.userfield.add'].reduce((sum, method) => sum + (byMethod[method] ?? 0), 0);
    const before = writes(await stats());
    const result = await demo.runtime.app?.setUp(demo.installationId);
    expect(result?.created).toEqual({ fields: 0, placements: 0, events: 0, tierItems: 0 });
    expect(writes(await stats())).toBe(before);
    expect(Object.keys(asBitrix24Slot(result?.slot ?? null)?.tierItemIds ?? {}).sort()).toEqual(['develop', 'key', 'standard']);
  });

  it('does not re-read its own tier writes (echo events and the reconcile skip them)', () => {
    // Pass 2 followed edits of deals only; the 80 tier/score updates of pass 1 came back as
    // company update events by the app's own user and must not be read again.
    expect(demo.passes[1]?.sync.companies).toBe(0);
    expect(demo.passes[1]?.api.byPhase.sync).toBeLessThanOrEqual(10);
  });

  it('a pass with no changes costs at most 5 requests and writes nothing', async () => {
    const bitrix24 = demo.runtime.app;
    if (!bitrix24) throw new Error('no service');
    // Let the echoes of our own writes settle first.
    await bitrix24.runCycle(demo.installationId, 'incremental', { asOf: ready().anchorDate });
    const before = await bitrix24.requestCounts(demo.installationId);
    const report = await bitrix24.runCycle(demo.installationId, 'incremental', { asOf: ready().anchorDate });
    const after = await bitrix24.requestCounts(demo.installationId);
    expect((after?.requests ?? 0) - (before?.requests ?? 0)).toBeLessThanOrEqual(5);
    expect(report.writes).toMatchObject({ fields: 0, comments: 0, todos: 0 });
  });

  it('recovers to-dos created just before a crash by their marker instead of creating them again', async () => {
    const { storage } = demo.runtime;
    const installation = await storage.installations.get(demo.installationId);
    if (!installation) throw new Error('no installation');
    const settings = readSettings(installation, 'ru', BITRIX24_TRAITS);
    const slot = asBitrix24Slot(settings.slot);
    const outcome = await evaluateInstallation({ storage, installationId: installation.id, asOf: ready().anchorDate, criteria: settings.criteria, rules: settings.rules, lang: 'ru', traits: BITRIX24_TRAITS });
    const company = outcome.evaluation.accounts[0];
    if (!company || !slot) throw new Error('nothing evaluated');
    const intent = {
      dedupKey: `crash-test:${company.id}:1`, ruleId: 'crash-test', accountId: company.id, ownerId: '1',
      entity: { type: 'company' as const, id: company.id }, title: 'Crash test', description: 'Created before a crash', dueDate: ready().anchorDate,
    };
    const connector = createBitrix24Connector({
      settings: { clientId: String(demo.sandbox.clientId), clientSecret: String(demo.sandbox.clientSecret), oauthUrl: `${ready().url}/`, ratePerSecond: 50, burst: 50 },
      storage,
      logger: createSilentLogger(),
    });
    const real = createBitrix24Writer({ client: connector.portal(installation).client, ...slot });
    // The first run creates the to-do in the CRM, then "crashes" before the ledger hears of it.
    const crashing: CrmWriter = { ...real, createTodos: async (items) => { await real.createTodos(items); throw new Error('crash'); } };
    const plan = { create: [intent], close: [], skipped: [] };
    const common = { storage, installationId: installation.id, evaluation: outcome.evaluation, plan, criteria: settings.criteria, lang: 'ru' as const, logger: createSilentLogger() };
    await expect(writeBack({ ...common, writer: crashing })).rejects.toThrow('crash');
    expect((await storage.taskLedger.get(installation.id, intent.dedupKey))?.state).toBe('pending');
    const counts = await writeBack({ ...common, writer: real });
    expect(counts.recovered).toBeGreaterThanOrEqual(1);
    expect(counts.todos).toBe(0);
    const entry = await storage.taskLedger.get(installation.id, intent.dedupKey);
    expect(entry?.state).toBe('open');
    expect(todoMarkers().filter((marker) => marker === markerFor(intent.dedupKey))).toHaveLength(1);
  });
});

describe('the event edge', () => {
  const event = (overrides: Record<string, unknown> = {}) =>
    form({
      event: 'ONCRMDEALUPDATE', event_handler_id: '1', data: { FIELDS: { ID: '7' } }, ts: '1700000000',
      auth: { domain: ready().domain, member_id: ready().memberId, application_token: ready().applicationToken },
      ...overrides,
    });

  it('refuses a wrong application token with 401 and changes nothing', async () => {
    const before = await demo.runtime.storage.syncState.countDirty(demo.installationId);
    const handledBefore = handling.mock.calls.length;
    const response = await http.post(`${demo.app}/bitrix24/events`, event({ data: { FIELDS: { ID: '999001' } }, auth: { member_id: ready().memberId, application_token: 'forged', domain: ready().domain } }), formHeaders);
    expect(response.status).toBe(401);
    await eventsHandled();
    expect(handling.mock.calls.length).toBe(handledBefore);
    expect(await demo.runtime.storage.syncState.countDirty(demo.installationId)).toBe(before);
  });

  it('refuses an unknown portal with 401', async () => {
    const response = await http.post(`${demo.app}/bitrix24/events`, event({ auth: { member_id: 'nobody', application_token: ready().applicationToken } }), formHeaders);
    expect(response.status).toBe(401);
  });

  it('answers a malformed event with 400 naming the fault', async () => {
    const response = await http.post(`${demo.app}/bitrix24/events`, form({ event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: '7' } } }), formHeaders);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.data)).toContain('auth');
  });

  it('re-reads a company another user changed right after our write, but not the echo of our own write', async () => {
    const written = demo.sandboxHandle.state().companies[0];
    if (!written) throw new Error('no company written');
    const post = (userId: string) =>
      http.post(
        `${demo.app}/bitrix24/events`,
        event({ event: 'ONCRMCOMPANYUPDATE', data: { FIELDS: { ID: String(written.id) } }, auth: { domain: ready().domain, member_id: ready().memberId, application_token: ready().applicationToken, user_id: userId } }),
        formHeaders,
      );
    const marked = async () => (await demo.runtime.storage.syncState.peekDirty(demo.installationId, 10_000)).some((mark) => mark.kind === 'company' && mark.crmId === String(written.id));
    const appUser = (await demo.runtime.storage.installations.get(demo.installationId))?.settings.bitrix24 as { appUserId?: string };
    // Our write to this company is recent: note it as the write-back does.
    await demo.runtime.storage.writeState.putMany(demo.installationId, [{ key: `echo:${written.id}`, value: new Date().toISOString() }]);
    expect((await post(String(appUser.appUserId))).status).toBe(200);
    await eventsHandled();
    expect(await marked()).toBe(false);
    expect((await post('999')).status).toBe(200);
    await eventsHandled();
    expect(await marked()).toBe(true);
  });

  it('acknowledges a good event at once and marks the entity dirty, coalescing repeats', async () => {
    const id = '424242';
    for (let i = 0; i < 5; i += 1) {
      const response = await http.post(`${demo.app}/bitrix24/events`, event({ data: { FIELDS: { ID: id } } }), formHeaders);
      expect(response.status).toBe(200);
    }
    await eventsHandled();
    const marks = await demo.runtime.storage.syncState.peekDirty(demo.installationId, 10_000);
    expect(marks.filter((mark) => mark.crmId === id && mark.kind === 'deal')).toHaveLength(1);
  });
});

describe('the card tab', () => {
  const placement = async (body: Record<string, unknown>) =>
    http.post(`${demo.app}/bitrix24/placement?DOMAIN=${encodeURIComponent(ready().domain)}&PROTOCOL=0&LANG=en`, form(body), formHeaders);

  it('opens the card page for the deal to a user the portal vouches for, whose API shows the company tier, score and reasons', async () => {
    const page = (await demo.runtime.storage.entities.iterate(demo.installationId, 'deal').next()).value as SyncedDeal[] | undefined;
    const deal = page?.find((row) => row.companyId);
    if (!deal?.companyId) throw new Error('no deal with a company');
    const snapshot = await demo.runtime.storage.evaluations.latestAccount(demo.installationId, deal.companyId);
    const company = await demo.runtime.storage.entities.get(demo.installationId, 'company', deal.companyId);
    const tierLabel = { key: 'Key account', develop: 'Develop', standard: 'Standard' }[snapshot?.tier ?? 'standard'];
    const frame = { AUTH_ID: ready().accessToken, member_id: ready().memberId, PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: JSON.stringify({ ID: deal.crmId }) };
    const redirect = await http.post(`${demo.app}/bitrix24/placement?DOMAIN=${encodeURIComponent(ready().domain)}&PROTOCOL=0&LANG=en`, form(frame), { ...formHeaders, maxRedirects: 0 });
    expect(redirect.status).toBe(307);
    expect(redirect.headers['location']).toBe('/ui/card?LANG=en');
    // The browser re-posts the frame's form to the card page (307), which checks it again.
    const response = await placement(frame);
    expect(response.status).toBe(200);
    expect(String(response.headers['content-security-policy'])).toContain(`frame-ancestors http://${ready().domain}`);
    expect(response.headers['x-frame-options']).toBeUndefined();
    const context = JSON.parse(/name="kam-context" content="([^"]*)"/.exec(String(response.data))![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as { page: string; entity: unknown };
    expect(context).toMatchObject({ page: 'card', entity: { type: 'deal', id: deal.crmId } });
    const api = await http.get(`${demo.app}/api/account-view?deal=${deal.crmId}`, {
      headers: { 'X-Kam-Crm': 'bitrix24', 'Accept-Language': 'en', 'X-Kam-Member-Id': ready().memberId, 'X-Kam-Auth': ready().accessToken },
    });
    expect(api.status).toBe(200);
    const view = api.data as { account: { name: string }; evaluation: { tier: string; reasons: unknown[] }; tiers: Array<{ id: string; label: string }> };
    expect(view.account.name).toBe(company?.data.name);
    expect(view.tiers.find((tier) => tier.id === view.evaluation.tier)?.label).toBe(tierLabel);
    expect(view.evaluation.reasons.length).toBeGreaterThan(0);
  });

  it('refuses a token the portal does not accept, and an unknown portal', async () => {
    expect((await placement({ AUTH_ID: 'forged', member_id: ready().memberId, PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: '{"ID":"1"}' })).status).toBe(401);
    expect((await placement({ AUTH_ID: ready().accessToken, member_id: 'nobody', PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: '{"ID":"1"}' })).status).toBe(401);
  });
});

describe('uninstall', () => {
  it('purges the installation when the admin chose to delete data', async () => {
    const response = await http.post(`${ready().url}/_sandbox/uninstall`, { clean: true, eventsUrl: `${demo.app}/bitrix24/events` });
    expect(response.status).toBe(200);
    await demo.sandboxHandle.eventsIdle();
    await eventsHandled();
    expect(await demo.runtime.storage.installations.get(demo.installationId)).toBeNull();
    expect(await demo.runtime.storage.entities.count(demo.installationId, 'deal')).toBe(0);
  });
});
