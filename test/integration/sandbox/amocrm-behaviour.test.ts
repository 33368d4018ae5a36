import type { RunningAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import { apiClient, startReceiver, startTiny } from './amocrm-helpers';

/** Where amo answers in ways a real client notices (shared/reference/real-portal-notes.md, amoCRM). */
const FIXED_NOW = Date.parse('2026-06-30T10:00:00Z');
type Json = Record<string, unknown>;

const control = (sandbox: RunningAmoCrmSandbox, path: string, body: unknown): Promise<Response> =>
  fetch(`${sandbox.url}/_sandbox/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ids = async (response: Response, key: string): Promise<number[]> =>
  ((await response.json()) as { _embedded: Record<string, Json[]> })._embedded[key]?.map((item) => Number(item['id'])) ?? [];

describe('amoCRM sandbox: answers as amo gives them', () => {
  let sandbox: RunningAmoCrmSandbox;
  beforeAll(async () => {
    sandbox = await startTiny({ now: () => FIXED_NOW });
  });
  afterAll(async () => sandbox.close());

  it('keeps the last value of a repeated query key, as PHP does, also when a client resends its filter on _links.next', async () => {
    const api = apiClient(sandbox);
    const from = Math.floor(Date.parse('2025-03-01T00:00:00Z') / 1000);
    const twice = await api.get(`/api/v4/leads?filter[updated_at][from]=0&limit=1&filter[updated_at][from]=${from}`);
    expect(await ids(twice, 'leads')).toEqual([2]);
    const first = (await (await api.get(`/api/v4/leads?filter[updated_at][from]=${from}&limit=1`)).json()) as { _links: { next: { href: string } } };
    const resent = await api.get(`${first._links.next.href}&filter[updated_at][from]=${from}`);
    expect(await ids(resent, 'leads')).toEqual([3]);
    // Only keys ending in [] collect a list.
    expect(await ids(await api.get('/api/v4/leads?filter[id][]=1&filter[id][]=3'), 'leads')).toEqual([1, 3]);
  });

  it('lists loss reasons and embeds a lost lead reason with with=loss_reason', async () => {
    const api = apiClient(sandbox);
    const reasons = (await (await api.get('/api/v4/leads/loss_reasons')).json()) as { _embedded: { loss_reasons: Json[] } };
    expect(reasons._embedded.loss_reasons.length).toBeGreaterThan(0);
    const lead = (await (await api.get('/api/v4/leads?filter[id]=3&with=loss_reason')).json()) as { _embedded: { leads: Json[] } };
    const lost = lead._embedded.leads[0] ?? {};
    expect(reasons._embedded.loss_reasons.map((reason) => reason['id'])).toContain(lost['loss_reason_id']);
    expect((lost['_embedded'] as { loss_reason: Json[] }).loss_reason[0]?.['id']).toBe(lost['loss_reason_id']);
  });

  it('answers a single record with nothing to show with 404 or, switched, 204 and no body', async () => {
    const api = apiClient(sandbox);
    const missing = await api.get('/api/v4/companies/999');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect((await control(sandbox, 'limits', { emptyRecord: 204 })).status).toBe(200);
    try {
      for (const path of ['/api/v4/companies/999', '/api/v4/tasks/999', '/api/v4/companies/notes/999']) {
        const empty = await api.get(path);
        expect([path, empty.status, await empty.text()]).toEqual([path, 204, '']);
      }
    } finally {
      await control(sandbox, 'limits', { emptyRecord: 404 });
    }
    const started = await startTiny({ emptyRecord: 204 });
    try {
      expect((await apiClient(started).get('/api/v4/leads/999')).status).toBe(204);
    } finally {
      await started.close();
    }
    expect((await control(sandbox, 'limits', { emptyRecord: 200 })).status).toBe(400);
  });

  it('moves records to the trash and back: webhooks fire, reads and writes miss them, with=only_deleted lists them', async () => {
    const receiver = await startReceiver();
    const api = apiClient(sandbox);
    try {
      await api.send('POST', '/api/v4/webhooks', { destination: `${receiver.url}/hooks`, settings: ['delete_company', 'restore_company'], sort: 10 });
      expect((await control(sandbox, 'delete', { entity: 'companies', ids: [2] })).status).toBe(200);
      await sandbox.webhooksIdle();
      expect(receiver.requests.map((request) => decodeURIComponent(request.body))).toEqual([expect.stringContaining('contacts[delete][0][id]=2')]);
      expect((await api.get('/api/v4/companies/2')).status).toBe(404);
      expect(await ids(await api.get('/api/v4/companies'), 'companies')).toEqual([1]);
      const trash = (await (await api.get('/api/v4/companies?with=only_deleted')).json()) as { _embedded: { companies: Json[] } };
      expect(trash._embedded.companies.map((company) => [company['id'], company['is_deleted']])).toEqual([[2, true]]);
      const write = await api.send('PATCH', '/api/v4/companies', [{ id: 2, name: 'x' }]);
      expect(write.status).toBe(400);
      expect((await control(sandbox, 'delete', { entity: 'companies', ids: [2] })).status).toBe(400);

      expect((await control(sandbox, 'restore', { entity: 'companies', ids: [2] })).status).toBe(200);
      await sandbox.webhooksIdle();
      expect(decodeURIComponent(receiver.requests[1]?.body ?? '')).toContain('contacts[restore][0][id]=2');
      expect((await api.get('/api/v4/companies/2')).status).toBe(200);
      expect((await api.get('/api/v4/companies?with=only_deleted')).status).toBe(204);
    } finally {
      await receiver.close();
    }
  });

  it('shows every company KAM_TIER / KAM_SCORE, every task and note in /_sandbox/state', async () => {
    const api = apiClient(sandbox);
    await api.send('POST', '/api/v4/companies/custom_fields', [
      { name: 'KAM tier', type: 'select', code: 'KAM_TIER', enums: [{ value: 'A', sort: 1 }, { value: 'B', sort: 2 }] },
      { name: 'KAM score', type: 'numeric', code: 'KAM_SCORE' },
    ]);
    expect((await api.send('PATCH', '/api/v4/companies', [
      { id: 1, custom_fields_values: [{ field_code: 'KAM_TIER', values: [{ value: 'A' }] }, { field_code: 'KAM_SCORE', values: [{ value: 87.5 }] }] },
    ])).status).toBe(200);
    const task = { text: 'Встреча', complete_till: 1_800_000_000, entity_type: 'companies', entity_id: 1 };
    await api.send('POST', '/api/v4/tasks', [task, task, { ...task, entity_id: 2 }]);
    const note = { entity_id: 2, note_type: 'common', params: { text: 'KPI' } };
    await api.send('POST', '/api/v4/companies/notes', [note, note, note]);
    const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as { companies: Json[]; tasks: { open: Json[] }; summary: Json };
    expect(state.companies).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: 1, KAM_TIER: expect.objectContaining({ value: 'A', enum_id: expect.any(Number) }), KAM_SCORE: 87.5 }),
      expect.objectContaining({ id: 2, KAM_TIER: null, KAM_SCORE: null }),
    ]));
    expect(state.tasks.open).toEqual(expect.arrayContaining([expect.objectContaining({ text: 'Встреча', entity_type: 'companies', entity_id: 1, is_completed: false })]));
    expect(state.summary).toEqual(expect.objectContaining({
      companies: 2, companiesWithTier: 1, companiesWithScore: 1, duplicateOpenTasks: 1, duplicateNotes: 2,
    }));
  });
});

describe('amoCRM sandbox: limits and blocks', () => {
  it('answers 429 with HTML or nothing, then blocks the account with 403 on every request until lifted', async () => {
    let clock = FIXED_NOW;
    const sandbox = await startTiny({ rateLimit: true, rateLimitPerSecond: 1, blockAfterBreaches: 3, rateLimitBody: 'empty', now: () => clock });
    try {
      const api = apiClient(sandbox);
      expect((await api.get('/api/v4/account')).status).toBe(200);
      const empty = await api.get('/api/v4/account');
      expect([empty.status, await empty.text()]).toEqual([429, '']);
      await control(sandbox, 'limits', { rateLimitBody: 'html' });
      const html = await api.get('/api/v4/leads');
      expect([html.status, html.headers.get('content-type')]).toEqual([429, expect.stringContaining('text/html')]);
      expect((await api.get('/api/v4/leads')).status).toBe(429);
      clock += 5000;
      // The third breach blocked the account: even a well-paced request is refused now.
      const blocked = await api.get('/api/v4/companies');
      expect(blocked.status).toBe(403);
      expect(await blocked.text()).not.toContain('{');
      expect((await apiClient(sandbox, 'no-such-token').get('/api/v4/account')).status).toBe(403);
      expect(await (await fetch(`${sandbox.url}/_sandbox/limits`)).json()).toEqual(expect.objectContaining({ blocked: true }));
      expect((await control(sandbox, 'limits', { blocked: false })).status).toBe(200);
      expect((await api.get('/api/v4/companies')).status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });

  it('answers 504 to a write batch over the configured size and writes nothing of it', async () => {
    const sandbox = await startTiny({ writeTimeoutBatchSize: 1 });
    try {
      const api = apiClient(sandbox);
      const big = await api.send('PATCH', '/api/v4/companies', [{ id: 1, name: 'Big 1' }, { id: 2, name: 'Big 2' }]);
      expect(big.status).toBe(504);
      expect(((await (await api.get('/api/v4/companies/1')).json()) as Json)['name']).not.toBe('Big 1');
      expect((await api.send('POST', '/api/v4/tasks', [{ text: 'a', complete_till: 1 }, { text: 'b', complete_till: 1 }])).status).toBe(504);
      expect((await api.send('PATCH', '/api/v4/companies', [{ id: 1, name: 'Small' }])).status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });

  it('starts a fresh account with only amo predefined custom fields', async () => {
    const sandbox = await startTiny({ fresh: true });
    try {
      const api = apiClient(sandbox);
      const fields = (await (await api.get('/api/v4/companies/custom_fields')).json()) as { _embedded: { custom_fields: Json[] } };
      expect(fields._embedded.custom_fields.map((field) => field['code']).sort()).toEqual(['ADDRESS', 'EMAIL', 'PHONE', 'WEB']);
      expect(((await (await api.get('/api/v4/companies/1')).json()) as Json)['custom_fields_values']).toBeNull();
    } finally {
      await sandbox.close();
    }
  });
});
