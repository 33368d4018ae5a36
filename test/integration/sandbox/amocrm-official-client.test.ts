import type { RunningAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import { startTiny } from './amocrm-helpers';
import { AmoApiError, createAmoClient } from './amocrm-official-client';
import type { AmoClient, HalPage } from './amocrm-official-client';

/** The official client's request shapes against the sandbox: whatever it sends must work as on amo. */
const FIXED_NOW = Date.parse('2026-06-30T10:00:00Z');

function clientOf(sandbox: RunningAmoCrmSandbox): AmoClient {
  return createAmoClient({
    baseUrl: sandbox.url, accessToken: String(sandbox.readyLine['accessToken']), clientId: String(sandbox.readyLine['clientId']),
  });
}

async function failure(promise: Promise<unknown>): Promise<AmoApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AmoApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Reads every page as an integration does: first page, then nextPage until there is none. */
async function readAll(client: AmoClient, first: Promise<Record<string, unknown>>, key: string): Promise<number[]> {
  let page = (await first) as unknown as HalPage;
  const ids = (page._embedded[key] ?? []).map((item) => Number(item['id']));
  while (page._links.next) {
    page = await client.nextPage(page);
    ids.push(...(page._embedded[key] ?? []).map((item) => Number(item['id'])));
  }
  return ids;
}

describe('amoCRM sandbox with the official client request shapes', () => {
  let sandbox: RunningAmoCrmSandbox;
  let client: AmoClient;
  beforeAll(async () => {
    sandbox = await startTiny({ now: () => FIXED_NOW });
    client = clientOf(sandbox);
  });
  afterAll(async () => sandbox.close());

  it('pages leads by _links.next with LeadsFilter updated_at and indexed filter[id] kept on every page', async () => {
    // Leads 1..3 were updated 2025-02-01, 2026-03-11 and 2025-06-01.
    const from = Math.floor(Date.parse('2025-03-01T00:00:00Z') / 1000);
    expect(await readAll(client, client.get('api/v4/leads', { filter: { updated_at: { from } }, limit: 1, page: 1 }), 'leads')).toEqual([2, 3]);
    expect(await readAll(client, client.get('api/v4/leads', { filter: { id: [1, 3] }, limit: 1 }), 'leads')).toEqual([1, 3]);
    const none = await failure(client.get('api/v4/leads', { filter: { updated_at: { from: Math.floor(FIXED_NOW / 1000) + 1 } } }));
    expect(none.kind).toBe('NoContent');
  });

  it('reads notes per entity with NotesFilter and one note by id', async () => {
    await client.post('api/v4/companies/notes', [
      { entity_id: 1, note_type: 'common', params: { text: 'KPI: выручка +12%' } },
      { entity_id: 1, note_type: 'service_message', params: { service: 'KAM Pilot', text: 'Тир: A' } },
      { entity_id: 2, note_type: 'common', params: { text: 'Другая компания' } },
    ]);
    const all = await client.notesOf('companies', 1);
    expect(all._embedded['notes']?.map((note) => note['entity_id'])).toEqual([1, 1]);
    const common = await client.notesOf('companies', 1, { noteTypes: ['common'] });
    expect(common._embedded['notes']?.map((note) => (note['params'] as { text: string }).text)).toEqual(['KPI: выручка +12%']);
    const noteId = Number(common._embedded['notes']?.[0]?.['id']);
    const byIds = await client.notesOf('companies', 1, { ids: [noteId], updatedAt: { from: Math.floor(FIXED_NOW / 1000) - 5 } });
    expect(byIds._embedded['notes']).toHaveLength(1);
    expect((await client.note('companies', 1, noteId))['note_type']).toBe('common');
    expect((await failure(client.notesOf('companies', 1, { noteTypes: ['call_in'] }))).kind).toBe('NoContent');
    // The flat list with filter[entity_id] (EntityNotes::get) sees the other company's note only.
    const other = (await client.get('api/v4/companies/notes', { filter: { entity_id: [2] } })) as unknown as HalPage;
    expect(other._embedded['notes']?.map((note) => note['entity_id'])).toEqual([2]);
    expect((await client.get(`api/v4/companies/notes/${noteId}`))['entity_id']).toBe(1);
  });

  it('accepts a task sent back whole by TaskModel::toApi, created_at and updated_at included', async () => {
    const [created] = await client.addTasks([
      { text: 'Позвонить ЛПР', entity_type: 'companies', entity_id: 1, complete_till: Math.floor(FIXED_NOW / 1000) + 86_400, responsible_user_id: 2, task_type_id: 1 },
    ]);
    const task = await client.getTask(Number(created?.['id']));
    expect(task.created_at).toBeGreaterThan(0);
    await client.updateTask({ ...task, is_completed: true, result: 'Созвонились' });
    const done = await client.getTask(Number(task.id));
    expect(done).toEqual(expect.objectContaining({ is_completed: true, result: 'Созвонились', created_at: task.created_at }));
    const bad = await failure(client.updateTask({ ...done, created_at: -5 }));
    expect(bad.kind).toBe('Validation');
  });

  it('meets 429 the way the client reads it: not JSON, so TooManyRequests', async () => {
    const limited = await startTiny({ faults: '429=1' });
    try {
      expect((await failure(clientOf(limited).get('api/v4/account'))).kind).toBe('TooManyRequests');
    } finally {
      await limited.close();
    }
  });
});
