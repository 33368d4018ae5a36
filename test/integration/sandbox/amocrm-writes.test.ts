import type { RunningAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import { apiClient, startTiny } from './amocrm-helpers';
import type { ApiClient } from './amocrm-helpers';

type Embedded<K extends string> = { _embedded: Record<K, Array<Record<string, unknown>>> };

describe('amoCRM sandbox writes', () => {
  let sandbox: RunningAmoCrmSandbox;
  let api: ApiClient;
  beforeAll(async () => {
    sandbox = await startTiny();
    api = apiClient(sandbox);
  });
  afterAll(async () => sandbox.close());

  it('creates a select field with enum ids and refuses a duplicate code', async () => {
    const created = await api.send('POST', '/api/v4/companies/custom_fields', [
      { name: 'KAM tier', type: 'select', code: 'KAM_TIER', sort: 510, enums: [{ value: 'Key', sort: 1 }, { value: 'Standard', sort: 2 }], request_id: 'tier' },
      { name: 'KAM score', type: 'numeric', code: 'KAM_SCORE' },
    ]);
    expect(created.status).toBe(200);
    const body = (await created.json()) as Embedded<'custom_fields'>;
    expect(body._embedded.custom_fields[0]).toEqual(expect.objectContaining({ code: 'KAM_TIER', request_id: 'tier', enums: [expect.objectContaining({ id: expect.any(Number), value: 'Key' }), expect.objectContaining({ value: 'Standard' })] }));
    const duplicate = await api.send('POST', '/api/v4/companies/custom_fields', [{ name: 'Again', type: 'text', code: 'KAM_TIER' }]);
    expect(duplicate.status).toBe(400);
    expect(await duplicate.json()).toEqual(expect.objectContaining({
      'validation-errors': [{ request_id: '0', errors: [expect.objectContaining({ path: 'code', code: expect.any(String), detail: expect.any(String) })] }],
    }));
  });

  it('bulk-patches custom fields by enum_code and value, adds tags, echoes request_id', async () => {
    const response = await api.send('PATCH', '/api/v4/companies', [
      { id: 1, request_id: 'c1', custom_fields_values: [{ field_code: 'KAM_TIER', values: [{ enum_code: null, value: 'Key' }] }, { field_code: 'KAM_SCORE', values: [{ value: 87.5 }] }], tags_to_add: [{ name: 'KAM' }] },
      { id: 2, custom_fields_values: [{ field_code: 'KAM_SCORE', values: [{ value: '12' }] }] },
    ]);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Embedded<'companies'>;
    expect(body._embedded.companies).toEqual([
      expect.objectContaining({ id: 1, request_id: 'c1', updated_at: expect.any(Number) }),
      expect.objectContaining({ id: 2, request_id: '1' }),
    ]);
    const company = (await (await api.get('/api/v4/companies/1')).json()) as Record<string, unknown>;
    expect(company['_embedded']).toEqual(expect.objectContaining({ tags: [expect.objectContaining({ name: 'KAM' })] }));
    const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as { fieldValues: { companies: Record<string, unknown> }; tags: { companies: Record<string, string[]> } };
    expect(state.fieldValues.companies).toEqual({ 1: { KAM_TIER: 'Key', KAM_SCORE: '87.5' }, 2: { KAM_SCORE: '12' } });
    expect(state.tags.companies).toEqual({ 1: ['KAM'] });
  });

  it('lets _embedded.tags replace all tags and ignores tags_to_add then', async () => {
    await api.send('PATCH', '/api/v4/leads', [{ id: 2, tags_to_add: [{ name: 'one' }, { name: 'two' }] }]);
    await api.send('PATCH', '/api/v4/leads', [{ id: 2, tags_to_delete: [{ name: 'one' }] }]);
    let lead = (await (await api.get('/api/v4/leads/2')).json()) as { _embedded: { tags: Array<{ name: string }> } };
    expect(lead._embedded.tags.map((tag) => tag.name)).toEqual(['two']);
    await api.send('PATCH', '/api/v4/leads', [{ id: 2, _embedded: { tags: [{ name: 'only' }] }, tags_to_add: [{ name: 'ignored' }] }]);
    lead = (await (await api.get('/api/v4/leads/2')).json()) as { _embedded: { tags: Array<{ name: string }> } };
    expect(lead._embedded.tags.map((tag) => tag.name)).toEqual(['only']);
  });

  it('rejects bad items with validation-errors and writes nothing', async () => {
    const before = (await (await api.get('/api/v4/leads/2')).json()) as Record<string, unknown>;
    const response = await api.send('PATCH', '/api/v4/leads', [
      { id: 2, price: 1 },
      { id: 2, request_id: 'bad', custom_fields_values: [{ field_id: 123456, values: [{ value: 'x' }] }], tags_to_add: [{ name: 't', request_id: 'no' }], account_id: 5 },
    ]);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { 'validation-errors': Array<{ request_id: string; errors: Array<{ code: string; path: string }> }> };
    expect(problem['validation-errors']).toEqual([{ request_id: 'bad', errors: expect.arrayContaining([
      expect.objectContaining({ code: 'NotSupportedChoice', path: 'custom_fields_values.0.field_id' }),
      expect.objectContaining({ code: 'FieldNotExpected', path: 'tags_to_add.0.request_id' }),
      expect.objectContaining({ code: 'FieldNotExpected', path: 'account_id' }),
    ]) }]);
    const after = (await (await api.get('/api/v4/leads/2')).json()) as Record<string, unknown>;
    expect(after['price']).toBe(before['price']);
  });

  it('refuses more than 250 entities in one write', async () => {
    const items = Array.from({ length: 251 }, () => ({ id: 2, price: 5 }));
    const response = await api.send('PATCH', '/api/v4/leads', items);
    expect(response.status).toBe(400);
  });

  it('closes a lead with 142 and sets closed_at; creates leads by POST', async () => {
    const won = await api.send('PATCH', '/api/v4/leads/2', { status_id: 142 });
    expect(won.status).toBe(200);
    const lead = (await (await api.get('/api/v4/leads/2')).json()) as Record<string, unknown>;
    expect(lead['status_id']).toBe(142);
    expect(lead['closed_at']).toEqual(expect.any(Number));
    const created = (await (await api.send('POST', '/api/v4/leads', [{ name: 'Новая сделка', price: 10, _embedded: { companies: [{ id: 2 }] } }])).json()) as Embedded<'leads'>;
    expect(created._embedded.leads[0]).toEqual(expect.objectContaining({ id: 4, request_id: '0' }));
  });

  it('creates, filters and completes tasks, and records notes', async () => {
    const soon = Math.floor(Date.now() / 1000) + 86_400;
    const created = await api.send('POST', '/api/v4/tasks', [
      { text: 'Позвонить по продлению', complete_till: soon, entity_id: 1, entity_type: 'companies', task_type_id: 1, responsible_user_id: 2, request_id: 'kam:1:renewal' },
      { text: 'Встреча', complete_till: soon, entity_id: 2, entity_type: 'leads' },
    ]);
    const ids = ((await created.json()) as Embedded<'tasks'>)._embedded.tasks;
    expect(ids[0]).toEqual(expect.objectContaining({ id: expect.any(Number), request_id: 'kam:1:renewal' }));
    const missingDeadline = await api.send('POST', '/api/v4/tasks', [{ text: 'x' }]);
    expect(missingDeadline.status).toBe(400);

    const open = (await (await api.get('/api/v4/tasks?filter[entity_type]=companies&filter[entity_id][]=1&filter[is_completed]=0')).json()) as Embedded<'tasks'>;
    expect(open._embedded.tasks).toHaveLength(1);
    expect(open._embedded.tasks[0]).toEqual(expect.objectContaining({ result: [], is_completed: false, responsible_user_id: 2 }));
    await api.send('PATCH', '/api/v4/tasks', [{ id: ids[0]?.['id'], is_completed: true, result: { text: 'Продлили' } }]);
    expect((await api.get('/api/v4/tasks?filter[entity_type]=companies&filter[entity_id][]=1&filter[is_completed]=0')).status).toBe(204);

    const note = await api.send('POST', '/api/v4/companies/notes', [
      { entity_id: 1, note_type: 'service_message', params: { service: 'KAM Pilot', text: 'Tier: Key (score 87)' } },
      { entity_id: 1, note_type: 'common', params: { text: 'KPI 2026-Q2' } },
    ]);
    expect(note.status).toBe(200);
    const badNote = await api.send('POST', '/api/v4/companies/notes', [{ entity_id: 1, note_type: 'service_message', params: { text: 'no service' } }]);
    expect(badNote.status).toBe(400);

    const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as { tasks: { open: unknown[]; completed: unknown[] }; notes: unknown[] };
    expect(state.tasks.completed).toEqual([expect.objectContaining({ entity_type: 'companies', entity_id: 1, text: 'Позвонить по продлению', result: 'Продлили' })]);
    expect(state.tasks.open).toHaveLength(1);
    expect(state.notes).toEqual([
      expect.objectContaining({ entity_type: 'companies', entity_id: 1, note_type: 'service_message', text: 'Tier: Key (score 87)' }),
      expect.objectContaining({ note_type: 'common', text: 'KPI 2026-Q2' }),
    ]);
  });
});
