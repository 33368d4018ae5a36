import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import qs from 'qs';
import { runDemo, type DemoRun } from '../../../src/app/demo/run-demo';
import { bitrix24DemoDriver } from '../../../src/sandbox/demo/bitrix24.demo-driver';
import type { RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { createBitrix24Connector } from '../../../src/connectors/bitrix24/bitrix24-connector';
import { createBitrix24Writer } from '../../../src/connectors/bitrix24/bitrix24-writer';
import { createSilentLogger } from '../../../src/logging/logger';

/** App update, who may install, and the dirty re-read under a flood of marks. */
jest.setTimeout(120_000);

let demo: DemoRun<RunningBitrix24Sandbox>;
const http = axios.create({ validateStatus: () => true });
const ready = () => demo.sandbox as { url: string; memberId: string; domain: string; applicationToken: string; clientId: string; clientSecret: string; anchorDate: string };

beforeAll(async () => {
  demo = await runDemo({ driver: bitrix24DemoDriver, companies: 40, contacts: 80, deals: 400, seed: 31, passes: 1, changes: 0, dataDir: join(mkdtempSync(join(tmpdir(), 'kam-life-')), 'data'), logger: createSilentLogger() });
});
afterAll(async () => demo?.close());

it('accepts ONAPPUPDATE with its new application token, stores it and binds tabs and events again', async () => {
  const update = await http.post(`${ready().url}/_sandbox/update`, { eventsUrl: `${demo.app}/bitrix24/events` });
  expect(update.status).toBe(200);
  const newToken = (update.data as { applicationToken: string }).applicationToken;
  expect(newToken).not.toBe(ready().applicationToken);
  expect((update.data as { events: Array<{ status: number }> }).events[0]?.status).toBe(200);
  await demo.sandboxHandle.eventsIdle();
  await demo.runtime.queue.idle();
  const installation = await demo.runtime.storage.installations.get(demo.installationId);
  expect(installation?.applicationToken).toBe(newToken);
  const state = demo.sandboxHandle.state();
  expect(state.placements.map((placement) => placement.placement).sort()).toEqual(['CRM_COMPANY_DETAIL_TAB', 'CRM_DEAL_DETAIL_TAB']);
  expect(state.events.length).toBeGreaterThanOrEqual(11);
  // Events with the new token are accepted; the old one is refused now.
  const event = (token: string) =>
    http.post(`${demo.app}/bitrix24/events`, qs.stringify({ event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: '3' } }, auth: { member_id: ready().memberId, application_token: token, domain: ready().domain } }), {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
  expect((await event(newToken)).status).toBe(200);
  expect((await event(ready().applicationToken)).status).toBe(401);
});

it('lets only a portal administrator install: a user token from a card frame cannot take the installation over', async () => {
  const before = await demo.runtime.storage.installations.get(demo.installationId);
  const userToken = demo.sandboxHandle.runtime.tokens.issue(2);
  const response = await http.post(
    `${demo.app}/bitrix24/install?DOMAIN=${encodeURIComponent(ready().domain)}&PROTOCOL=0&LANG=en`,
    qs.stringify({ AUTH_ID: userToken.accessToken, REFRESH_ID: userToken.refreshToken, AUTH_EXPIRES: '3600', member_id: ready().memberId, APPLICATION_TOKEN: 'forged' }),
    { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
  );
  expect(response.status).toBe(403);
  const after = await demo.runtime.storage.installations.get(demo.installationId);
  expect(after?.tokens).toEqual(before?.tokens);
  expect(after?.applicationToken).toBe(before?.applicationToken);
});

it('drains a flood of dirty marks in batches of at most 50 commands', async () => {
  const { storage } = demo.runtime;
  const marks = [
    ...Array.from({ length: 1225 }, (_, i) => ({ kind: 'company' as const, crmId: String(100_000 + i), action: 'upsert' as const })),
    ...Array.from({ length: 1225 }, (_, i) => ({ kind: 'deal' as const, crmId: String(200_000 + i), action: 'upsert' as const })),
    ...Array.from({ length: 50 }, (_, i) => ({ kind: 'contact' as const, crmId: String(300_000 + i), action: 'upsert' as const })),
  ];
  await storage.syncState.markDirty(demo.installationId, marks);
  await demo.runtime.app?.runCycle(demo.installationId, 'incremental', { asOf: ready().anchorDate });
  expect(await storage.syncState.countDirty(demo.installationId)).toBe(0);
});

it('treats a to-do the user deleted as closed instead of retrying it forever', async () => {
  const installation = await demo.runtime.storage.installations.get(demo.installationId);
  const settings = installation?.settings.bitrix24 as { tierField: string; scoreField: string; tierItemIds: Record<string, string> };
  if (!installation || !settings) throw new Error('not set up');
  const connector = createBitrix24Connector({
    settings: { clientId: ready().clientId, clientSecret: ready().clientSecret, oauthUrl: `${ready().url}/`, ratePerSecond: 50, burst: 50 },
    storage: demo.runtime.storage,
    logger: createSilentLogger(),
  });
  const client = connector.portal(installation).client;
  const writer = createBitrix24Writer({ client, ...settings });
  const created = await writer.createTodos([{ dedupKey: 'test:1:x', accountId: '1', ownerId: '1', title: 'Delete me', description: 'To be deleted by a user', dueDate: ready().anchorDate }]);
  const id = created.done[0]?.crmTaskId;
  expect(id).toBeDefined();
  await client.call('crm.activity.delete', { id });
  const closed = await writer.closeTodos([{ dedupKey: 'test:1:x', crmTaskId: String(id) }]);
  expect(closed.done).toEqual(['test:1:x']);
  expect(closed.failed).toEqual([]);
});
