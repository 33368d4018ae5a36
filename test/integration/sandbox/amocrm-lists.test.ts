import { generatePortfolio } from '../../../src/sandbox/portfolio/generate';
import { startAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import type { RunningAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import { apiClient, startTiny } from './amocrm-helpers';

/** Reads every page of a list by following _links.next, as a client must. */
async function readAll(sandbox: RunningAmoCrmSandbox, path: string, key: string): Promise<{ items: Array<Record<string, unknown>>; pages: number }> {
  const api = apiClient(sandbox);
  const items: Array<Record<string, unknown>> = [];
  let next: string | undefined = `${sandbox.url}${path}`;
  let pages = 0;
  while (next) {
    const response = await api.get(next);
    if (response.status === 204) break;
    expect(response.status).toBe(200);
    const body = (await response.json()) as { _links: { next?: { href: string } }; _embedded: Record<string, Array<Record<string, unknown>>> };
    items.push(...(body._embedded[key] ?? []));
    next = body._links.next?.href;
    pages += 1;
  }
  return { items, pages };
}

describe('amoCRM sandbox lists', () => {
  const options = { seed: 11, companies: 60, contacts: 140, deals: 620, anchorDate: '2026-06-30' };
  const portfolio = generatePortfolio(options);
  let sandbox: RunningAmoCrmSandbox;
  let twin: RunningAmoCrmSandbox;

  beforeAll(async () => {
    sandbox = await startAmoCrmSandbox({ port: 0, rateLimit: false, ...options });
    twin = await startAmoCrmSandbox({ port: 0, rateLimit: false, ...options });
  });
  afterAll(async () => {
    await sandbox.close();
    await twin.close();
  });

  it('pages with limit=250 and _links.next list exactly the seeded leads', async () => {
    const { items, pages } = await readAll(sandbox, '/api/v4/leads?limit=250&with=contacts', 'leads');
    expect(pages).toBe(Math.ceil(portfolio.deals.length / 250));
    expect(items.map((lead) => lead['id']).sort((a, b) => Number(a) - Number(b))).toEqual(portfolio.deals.map((deal) => deal.id).sort((a, b) => a - b));
    for (const lead of items) {
      expect(lead['_embedded']).toEqual(expect.objectContaining({ tags: [], companies: expect.any(Array), contacts: expect.any(Array) }));
      expect(typeof lead['price']).toBe('number');
      expect(Number.isInteger(lead['price'])).toBe(true);
    }
  });

  it('maps won and lost deals to 142 and 143 of their pipeline with closed_at', async () => {
    const { items } = await readAll(sandbox, '/api/v4/leads?limit=250', 'leads');
    const byId = new Map(items.map((lead) => [lead['id'], lead]));
    for (const deal of portfolio.deals) {
      const lead = byId.get(deal.id);
      expect(lead?.['pipeline_id']).toBe(1000 + deal.pipelineId);
      if (deal.status === 'won') expect(lead?.['status_id']).toBe(142);
      if (deal.status === 'lost') expect(lead?.['status_id']).toBe(143);
      if (deal.status === 'open') expect(lead?.['closed_at']).toBeNull();
      else expect(lead?.['closed_at']).toBe(Math.floor(Date.parse(deal.closedAt ?? '') / 1000));
    }
    const pipelines = (await (await apiClient(sandbox).get('/api/v4/leads/pipelines')).json()) as { _embedded: { pipelines: Array<{ _embedded: { statuses: Array<{ id: number; name: string }> } }> } };
    for (const pipeline of pipelines._embedded.pipelines) {
      expect(pipeline._embedded.statuses).toEqual(expect.arrayContaining([
        expect.objectContaining({ id: 142, name: 'Успешно реализовано' }),
        expect.objectContaining({ id: 143, name: 'Закрыто и не реализовано' }),
      ]));
    }
  });

  it('gives the same data for the same seed', async () => {
    for (const type of ['leads', 'contacts', 'companies']) {
      const strip = (items: unknown[]): string => JSON.stringify(items).replace(/http:\/\/127\.0\.0\.1:\d+/g, '');
      const [a, b] = await Promise.all([readAll(sandbox, `/api/v4/${type}?limit=250`, type), readAll(twin, `/api/v4/${type}?limit=250`, type)]);
      expect(a.items.length).toBeGreaterThan(0);
      expect(strip(a.items)).toBe(strip(b.items));
    }
    expect(sandbox.readyLine['clientId']).toBe(twin.readyLine['clientId']);
    expect(sandbox.readyLine['accountId']).toBe(twin.readyLine['accountId']);
  });

  it('answers an empty list with 204 and no body', async () => {
    const api = apiClient(sandbox);
    for (const path of ['/api/v4/leads?filter[id][]=999999', '/api/v4/leads?page=99&limit=250', '/api/v4/tasks', '/api/v4/webhooks']) {
      const response = await api.get(path);
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
    }
  });

  it('filters by id, updated_at and orders', async () => {
    const api = apiClient(sandbox);
    const one = (await (await api.get('/api/v4/leads?filter[id]=5')).json()) as { _embedded: { leads: Array<{ id: number }> } };
    expect(one._embedded.leads.map((lead) => lead.id)).toEqual([5]);
    const some = (await (await api.get('/api/v4/leads?filter[id][]=3&filter[id][]=7&order[id]=desc')).json()) as { _embedded: { leads: Array<{ id: number }> } };
    expect(some._embedded.leads.map((lead) => lead.id)).toEqual([7, 3]);
    const cut = Math.floor(Date.parse('2026-01-01T00:00:00Z') / 1000);
    const { items } = await readAll(sandbox, `/api/v4/companies?limit=250&filter[updated_at][from]=${cut}&order[updated_at]=asc`, 'companies');
    const expected = portfolio.companies.filter((company) => Date.parse(company.modifiedAt) / 1000 >= cut).length;
    expect(items).toHaveLength(expected);
    const stamps = items.map((company) => Number(company['updated_at']));
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
  });

  it('refuses limit above 250 and unknown ids with problem+json', async () => {
    const api = apiClient(sandbox);
    const tooMany = await api.get('/api/v4/leads?limit=251');
    expect(tooMany.status).toBe(400);
    expect(tooMany.headers.get('content-type')).toContain('application/problem+json');
    expect(await tooMany.json()).toEqual(expect.objectContaining({ status: 400, title: 'Bad Request', type: expect.any(String), detail: expect.any(String) }));
    const missing = await api.get('/api/v4/leads/999999');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual(expect.objectContaining({ status: 404 }));
  });
});

describe('amoCRM sandbox seed mapping (hand-made portfolio)', () => {
  let sandbox: RunningAmoCrmSandbox;
  beforeAll(async () => {
    sandbox = await startTiny();
  });
  afterAll(async () => sandbox.close());

  it('converts foreign-currency prices at the close date and declares the KAM company fields', async () => {
    const api = apiClient(sandbox);
    const lead = (await (await api.get('/api/v4/leads/1')).json()) as Record<string, unknown>;
    expect(lead['price']).toBe(95_500);
    expect(lead['status_id']).toBe(142);
    expect(lead['_embedded']).toEqual(expect.objectContaining({ companies: [expect.objectContaining({ id: 1 })] }));
    const fields = (await (await api.get('/api/v4/companies/custom_fields')).json()) as { _embedded: { custom_fields: Array<{ code: string; type: string; enums: unknown }> } };
    const byCode = new Map(fields._embedded.custom_fields.map((field) => [field.code, field]));
    expect(byCode.get('KAM_CONTRACT_END')?.type).toBe('date');
    expect(byCode.get('KAM_INDUSTRY')?.type).toBe('select');
    expect(byCode.get('KAM_INDUSTRY')?.enums).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'IT', id: expect.any(Number) })]));
    const company = (await (await api.get('/api/v4/companies/1')).json()) as { custom_fields_values: Array<{ field_code: string; values: Array<{ value: unknown }> }> };
    const contractEnd = company.custom_fields_values.find((field) => field.field_code === 'KAM_CONTRACT_END');
    // Start of 2026-12-31 in Moscow (UTC+3), as amo stores date fields.
    expect(contractEnd?.values[0]?.value).toBe(Date.parse('2026-12-31T00:00:00+03:00') / 1000);
    const bare = (await (await api.get('/api/v4/leads/2')).json()) as Record<string, unknown>;
    expect(bare['custom_fields_values']).toBeNull();
  });

  it('serves the account with the requested extras and the users', async () => {
    const api = apiClient(sandbox);
    const account = (await (await api.get('/api/v4/account?with=amojo_id,task_types,datetime_settings,users_groups,is_api_filter_enabled')).json()) as Record<string, unknown>;
    expect(account).toEqual(expect.objectContaining({ id: sandbox.readyLine['accountId'], subdomain: sandbox.readyLine['subdomain'], amojo_id: expect.any(String), is_api_filter_enabled: true }));
    expect(account['_embedded']).toEqual(expect.objectContaining({ task_types: expect.any(Array), users_groups: expect.any(Array), datetime_settings: expect.objectContaining({ timezone: 'Europe/Moscow' }) }));
    const users = (await (await api.get('/api/v4/users?limit=1')).json()) as { _embedded: { users: unknown[] }; _links: { next?: unknown } };
    expect(users._embedded.users).toHaveLength(1);
    expect(users._links.next).toBeDefined();
  });
});
