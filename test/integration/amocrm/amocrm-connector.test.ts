import qs from 'qs';
import type { AmoReference } from '../../../src/connectors/amocrm/amocrm-reference';
import type { CrmSlot, SyncPage } from '../../../src/core/ports/crm-connector.port';
import type { EntityKind } from '../../../src/core/model/synced';
import { markerFor, visibleText } from '../../../src/core/ports/crm-writer.port';
import { startAmoHarness, TIERS, type AmoHarness } from './amocrm-harness';

jest.setTimeout(60_000);


async function drain<T, R>(source: AsyncGenerator<T, R>): Promise<{ items: T[]; result: R }> {
  const items: T[] = [];
  for (;;) {
    const step = await source.next();
    if (step.done) return { items, result: step.value };
    items.push(step.value);
  }
}

describe('amoCRM connector against the sandbox', () => {
  let h: AmoHarness;
  // Webhook deliveries go to a local receiver standing in for our server.
  const setup = () => ({ publicUrl: h.receiver.url, lang: 'ru' as const, tiers: TIERS, contactFields: false, slot: null });
  const readerOptions = (slot: CrmSlot | null = null) => ({ slot, fieldMap: h.connector.traits.defaultFieldMap, writtenKinds: ['company'] as EntityKind[] });
  beforeAll(async () => {
    h = await startAmoHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('installs from the OAuth redirect: account id, base URL, sealed tokens and a webhook secret', async () => {
    const stored = await h.storage.installations.get(h.installation.id);
    expect(stored).toEqual(expect.objectContaining({ crm: 'amocrm', externalId: String(h.sandbox.readyLine['accountId']), clientEndpoint: h.sandbox.url, status: 'active' }));
    expect(stored?.tokens?.accessToken).toEqual(expect.any(String));
    expect(stored?.applicationToken?.length).toBeGreaterThanOrEqual(24);
  });

  it('refuses an install from a host off the allow-list, a spent code, and a state we did not issue', async () => {
    const install = (query: Record<string, unknown>) => h.connector.inbound.verifyInstall({ query, body: {}, headers: {} });
    const offList = await install({ code: 'def50200abcdef0123', referer: 'evil.example.com' });
    expect(offList.ok ? null : offList.error.code).toBe('FORBIDDEN');
    const spent = await install({ code: 'def50200abcdef0123', referer: new URL(h.sandbox.url).host });
    expect(spent.ok ? null : spent.error.code).toBe('UNAUTHORIZED');
    const forged = await install({ code: 'def50200abcdef0123', referer: new URL(h.sandbox.url).host, state: 'abc.def.ghi' });
    expect(forged.ok ? null : forged.error.message).toMatch(/state/);
    expect((await install({ referer: 'x' })).ok).toBe(false);
  });

  it('sets up the tier and score fields and the webhook once; a second run creates nothing', async () => {
    const session = h.connector.session(h.installation);
    const first = await session.setUp(setup());
    expect(first.created).toEqual({ fields: 2, webhooks: 1, tierEnums: 0 });
    expect(h.connector.isSetUp(first.slot, { ...setup(), contactFields: false })).toBe(true);
    expect(h.connector.isSetUp(first.slot, { ...setup(), contactFields: true })).toBe(false);
    const before = session.requests().requests;
    const second = await session.setUp(setup());
    expect(second.created).toEqual({ fields: 0, webhooks: 0, tierEnums: 0 });
    expect(second.slot).toEqual(first.slot);
    // account, custom fields, webhooks: nothing written.
    expect(session.requests().requests - before).toBe(3);
    const state = await h.state();
    const fields = (state.customFields as { companies: Array<{ code: string; enums: Array<{ value: string; code: string }> | null }> }).companies;
    expect(fields.map((field) => field.code).sort()).toEqual(['KAM_SCORE', 'KAM_TIER']);
    expect(fields.find((field) => field.code === 'KAM_TIER')?.enums?.map((item) => item.value)).toEqual(['Ключевой', 'Развитие', 'Базовый']);
    const hooks = state.webhooks as Array<{ destination: string; settings: string[] }>;
    expect(hooks).toHaveLength(1);
    expect(hooks[0]?.destination).toBe(`${h.receiver.url}/amocrm/webhooks/${h.installation.id}/${encodeURIComponent((await h.storage.installations.get(h.installation.id))?.applicationToken ?? '')}`);
    expect(hooks[0]?.settings).toEqual(expect.arrayContaining(['add_lead', 'update_company', 'delete_contact', 'restore_lead']));
    // The slot is plain JSON in the settings: no secret in it.
    expect(JSON.stringify(first.slot)).not.toContain((await h.storage.installations.get(h.installation.id))?.applicationToken);
  });

  it('reads every row 250 a page with a cursor after each page, then a no-change reconcile costs one request per kind', async () => {
    const session = h.connector.session(h.installation);
    const reader = session.reader(readerOptions());
    const before = session.requests().requests;
    const { items } = await drain(reader.fullPages({ kinds: ['company', 'contact', 'deal'], cursors: {} }));
    const count = (kind: EntityKind) => items.filter((page) => page.kind === kind).reduce((sum, page) => sum + page.rows.length, 0);
    expect([count('company'), count('contact'), count('deal')]).toEqual([60, 120, 600]);
    expect(session.requests().requests - before).toBe(1 + 1 + Math.ceil(600 / 250));
    const deals = items.filter((page) => page.kind === 'deal');
    expect(deals.map((page) => page.done)).toEqual([false, false, true]);
    expect(deals[0]?.cursor).toMatch(/^\/api\/v4\/leads\?/);
    const company = items.find((page) => page.kind === 'company')?.rows[0] as SyncPage<'company'>['rows'][number];
    expect(company.fields).toEqual(expect.objectContaining({ potential3y: expect.any(Number), margin: expect.any(Number) }));
    const deal = deals.flatMap((page) => page.rows as SyncPage<'deal'>['rows']).find((row) => row.status === 'won');
    expect(deal).toEqual(expect.objectContaining({ currency: 'RUB', closedAt: expect.any(String), companyId: expect.any(String) }));

    // Resuming from the first deal page's cursor reads only the rest.
    const resumed = await drain(reader.fullPages({ kinds: ['deal'], cursors: { deal: deals[0]?.cursor ?? null } }));
    expect(resumed.items.reduce((sum, page) => sum + page.rows.length, 0)).toBe(350);

    const marks = Object.fromEntries(items.filter((page) => 'mark' in page).map((page) => [page.kind, page.mark as string]));
    const quiet = session.requests().requests;
    const changed = await drain(reader.changedPages({ marks }));
    expect(changed.items).toHaveLength(0);
    expect(changed.result.complete).toEqual({ company: true, contact: true, deal: true });
    expect(session.requests().requests - quiet).toBe(3);
  });

  it('reads by ids: present rows, and the ids amo no longer has as missing', async () => {
    const session = h.connector.session(h.installation);
    const reader = session.reader(readerOptions());
    const [result] = await reader.readByIds([{ kind: 'deal', ids: ['1', '2', '999999'] }]);
    expect(result?.rows.map((row) => row.crmId).sort()).toEqual(['1', '2']);
    expect(result?.missing).toEqual(['999999']);
  });

  it('reads reference data: account currency, pipelines with won/lost, users with admin flag, custom fields', async () => {
    const reference = (await h.connector.session(h.installation).readReference()) as AmoReference;
    expect(reference.baseCurrency).toBe('RUB');
    expect(reference.rates).toEqual([]);
    const stages = reference.pipelines[0]?.stages ?? [];
    expect(stages.find((stage) => stage.id === '142')?.status).toBe('won');
    expect(stages.find((stage) => stage.id === '143')?.status).toBe('lost');
    expect(reference.users.some((user) => user.isAdmin)).toBe(true);
    expect(reference.fields?.some((field) => field.kind === 'company' && field.code === 'KAM_POTENTIAL_3Y')).toBe(true);
  });

  it('writes tier and score 50 companies a request, and notes and tasks once, found again by marker', async () => {
    const session = h.connector.session(h.installation);
    const { slot } = await session.setUp(setup());
    // The app keeps the slot in the installation's settings (what the webhook check reads).
    await h.storage.installations.updateSettings(h.installation.id, { amocrm: slot });
    const writer = session.writer(slot);
    const ids = Array.from({ length: 60 }, (_, i) => String(i + 1));
    const before = session.requests().requests;
    const fields = await writer.writeFields(ids.map((id, i) => ({ accountId: id, tier: TIERS[i % 3]?.id ?? 'a', score: i + 0.5 })));
    expect(fields.done).toHaveLength(60);
    expect(session.requests().requests - before).toBe(2);
    const state = await h.state();
    const values = (state.fieldValues as { companies: Record<string, Record<string, unknown>> }).companies;
    expect(values['1']).toEqual({ KAM_TIER: 'Ключевой', KAM_SCORE: '0.5' });
    expect(values['2']?.KAM_TIER).toBe('Развитие');

    const comments = await writer.addComments([{ key: 'comment:company:1:2026-06', accountId: '1', text: 'KPI за июнь' }]);
    expect(comments.done).toEqual([{ key: 'comment:company:1:2026-06', crmId: expect.stringMatching(/^\d+$/) }]);
    const foundNote = await writer.findComments([{ key: 'comment:company:1:2026-06', accountId: '1' }, { key: 'comment:company:2:2026-06', accountId: '2' }]);
    expect([...foundNote.found]).toEqual([['comment:company:1:2026-06', comments.done[0]?.crmId]]);
    expect(foundNote.unresolved.size).toBe(0);
    // A service message from the integration, its text exactly what the reader is meant to read.
    const note = ((await h.state()).notes as Array<Record<string, unknown>>).find((item) => String(item.id) === comments.done[0]?.crmId);
    expect(note).toEqual(expect.objectContaining({ note_type: 'service_message', params: expect.objectContaining({ service: 'KAM Pilot' }) }));
    expect(visibleText(String(note?.text))).toBe('KPI за июнь');
    expect(String(note?.text)).not.toContain('[kam:');

    const todos = await writer.createTodos([{ dedupKey: 'r1:1:2026-06', accountId: '1', ownerId: '2', title: 'Позвонить', description: 'Нет сделок 90 дней', dueDate: '2026-07-01' }]);
    expect(todos.done).toHaveLength(1);
    const task = ((await h.state()).tasks as { open: Array<Record<string, unknown>> }).open.find((item) => String(item.id) === todos.done[0]?.crmTaskId);
    expect(task).toEqual(expect.objectContaining({ entity_type: 'companies', entity_id: 1, responsible_user_id: 2, task_type_id: 1 }));
    expect(String(task?.text)).toContain(markerFor('r1:1:2026-06'));
    // 23:59 on 2026-07-01 in Moscow (UTC+3).
    expect(task?.complete_till).toBe(Date.parse('2026-07-01T20:59:00Z') / 1000);
    const foundTask = await writer.findTodos([{ dedupKey: 'r1:1:2026-06', accountId: '1' }]);
    expect(foundTask.found.get('r1:1:2026-06')).toBe(todos.done[0]?.crmTaskId);

    const closed = await writer.closeTodos([{ dedupKey: 'r1:1:2026-06', crmTaskId: todos.done[0]?.crmTaskId ?? '' }, { dedupKey: 'gone', crmTaskId: '987654' }]);
    expect(closed.done.sort()).toEqual(['gone', 'r1:1:2026-06']);
    // amo tells the webhook about our own writes too (form-encoded, v2 names): they verify and become dirty marks.
    await h.sandbox.webhooksIdle();
    const delivery = h.receiver.requests.find((request) => request.method === 'POST' && request.url.startsWith('/amocrm/webhooks/'));
    expect(delivery).toBeDefined();
    const [, , , installationId, secret] = (delivery?.url ?? '').split('/');
    expect(installationId).toBe(h.installation.id);
    const form = qs.parse(delivery?.body ?? '', { depth: 5 }) as Record<string, unknown>;
    const event = (query: Record<string, unknown>) => h.connector.inbound.verifyEvent({ query, body: form, headers: {} });
    const verified = await event({ installationId, secret: decodeURIComponent(secret ?? '') });
    expect(verified.ok ? verified.value.effects[0] : null).toEqual(expect.objectContaining({ type: 'dirty', byApp: true, marks: expect.arrayContaining([expect.objectContaining({ kind: 'company', action: 'upsert' })]) }));
    const wrong = await event({ installationId, secret: 'wrong' });
    expect(wrong.ok ? null : wrong.error.status).toBe(401);

    // Our own writes come back in the reconcile as the app user's changes: skipped, not stored again.
    const reader = session.reader(readerOptions(slot));
    const echoes = await drain(reader.changedPages({ marks: { company: String(Math.floor(Date.now() / 1000) - 60) } }));
    expect(echoes.items.flatMap((page) => page.rows)).toEqual([]);
    expect(echoes.result.complete.company).toBe(true);

    // Edits by other users are read: exactly the edited companies whose last editor is not us.
    const since = String(Math.floor(Date.now() / 1000) - 60);
    const edited = (await (await fetch(`${h.sandbox.url}/_sandbox/mutate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 12, entity: 'companies' }) })).json()) as { edits: Array<{ id: number }> };
    const token = (await h.storage.installations.get(h.installation.id))?.tokens?.accessToken ?? '';
    const editedIds = [...new Set(edited.edits.map((edit) => edit.id))];
    const listed = (await (await fetch(`${h.sandbox.url}/api/v4/companies?${editedIds.map((id) => `filter[id][]=${id}`).join('&')}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { _embedded: { companies: Array<{ id: number; updated_by: number }> } };
    const byOthers = listed._embedded.companies.filter((company) => String(company.updated_by) !== (slot as { appUserId: string }).appUserId).map((company) => String(company.id));
    expect(byOthers.length).toBeGreaterThan(0);
    const changed = await drain(reader.changedPages({ marks: { company: since } }));
    expect(changed.items.flatMap((page) => page.rows.map((row) => row.crmId)).sort()).toEqual(byOthers.sort());
    const completed = ((await h.state()).tasks as { completed: Array<Record<string, unknown>> }).completed;
    expect(completed.find((item) => String(item.id) === todos.done[0]?.crmTaskId)?.result).toMatch(/KAM Pilot/);
  });

  // Last: the disconnect revokes every token of the sandbox.
  it('takes the disconnect hook amo sends, signed, as an uninstall of that installation', async () => {
    const sent = (await (await fetch(`${h.sandbox.url}/_sandbox/disconnect`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hookUrl: `${h.receiver.url}/amocrm/disconnect` }),
    })).json()) as { sent: { url: string } };
    const query = Object.fromEntries(new URL(sent.sent.url).searchParams);
    const verified = await h.connector.inbound.verifyEvent({ query, body: {}, headers: {} });
    expect(verified.ok ? verified.value : null).toEqual({ installation: expect.objectContaining({ id: h.installation.id }), effects: [{ type: 'uninstalled', purge: false }] });
    const forged = await h.connector.inbound.verifyEvent({ query: { ...query, signature: '00'.repeat(32) }, body: {}, headers: {} });
    expect(forged.ok).toBe(false);
  });
});

describe('amoCRM connector against the sandbox\'s own refusals', () => {
  let h: AmoHarness;
  beforeAll(async () => {
    // Batches over 20 time out with 504 (nothing written); missing records answer 204.
    h = await startAmoHarness({ writeTimeoutBatchSize: 20, emptyRecord: 204 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('halves tier/score chunks on 504 until amo takes them, and writes every one exactly once', async () => {
    const session = h.connector.session(h.installation);
    const { slot } = await session.setUp({ publicUrl: h.receiver.url, lang: 'en', tiers: TIERS, contactFields: false, slot: null });
    const before = session.requests();
    const ids = Array.from({ length: 60 }, (_, i) => String(i + 1));
    const outcome = await session.writer(slot).writeFields(ids.map((id) => ({ accountId: id, tier: 'b', score: 3 })));
    expect(outcome.done.sort()).toEqual([...ids].sort());
    expect(outcome.failed).toEqual([]);
    const values = ((await h.state()).fieldValues as { companies: Record<string, Record<string, unknown>> }).companies;
    expect(ids.every((id) => values[id]?.KAM_TIER === 'Growth')).toBe(true);
    // 50 -> 504, 25 -> 504, then chunks of 12 (5 of them) and the rest: a handful, not one per company.
    const patches = (session.requests().byMethod['PATCH /api/v4/companies'] ?? 0) - (before.byMethod['PATCH /api/v4/companies'] ?? 0);
    expect(patches).toBeLessThanOrEqual(10);
  });

  it('reads a record amo answers with 204 as deleted', async () => {
    const reader = h.connector.session(h.installation).reader({ slot: null, fieldMap: h.connector.traits.defaultFieldMap, writtenKinds: [] });
    const [result] = await reader.readByIds([{ kind: 'company', ids: ['1', '424242'] }]);
    expect(result?.rows.map((row) => row.crmId)).toEqual(['1']);
    expect(result?.missing).toEqual(['424242']);
  });

  it('stops at the first 403 once the account is blocked: one request, no retry', async () => {
    await fetch(`${h.sandbox.url}/_sandbox/limits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ blocked: true }) });
    const session = h.connector.session(h.installation);
    const before = session.requests().requests;
    await expect(session.readReference()).rejects.toMatchObject({ code: 'FORBIDDEN', details: expect.objectContaining({ blockInstallation: true }) });
    expect(session.requests().requests - before).toBe(1);
  });
});

describe('amoCRM setup on a brand-new account', () => {
  let h: AmoHarness;
  beforeAll(async () => {
    h = await startAmoHarness({ fresh: true });
  });
  afterAll(async () => {
    await h.close();
  });

  it('creates the criteria input fields the field map reads, labelled in the installation language, once', async () => {
    const session = h.connector.session(h.installation);
    const options = { publicUrl: h.receiver.url, lang: 'en' as const, tiers: TIERS, contactFields: false, slot: null };
    expect((await session.setUp(options)).created).toEqual({ fields: 7, webhooks: 1, tierEnums: 0 });
    expect((await session.setUp(options)).created).toEqual({ fields: 0, webhooks: 0, tierEnums: 0 });
    const fields = ((await h.state()).customFields as { companies: Array<{ code: string; name: string; type: string }> }).companies;
    const mapped = Object.entries(h.connector.traits.defaultFieldMap).filter(([key]) => key !== 'industry').map(([, code]) => code);
    for (const code of mapped) expect(fields.find((field) => field.code === code)).toBeDefined();
    expect(fields.find((field) => field.code === 'KAM_CONTRACT_END')).toMatchObject({ name: 'Contract end', type: 'date' });
  });
});
