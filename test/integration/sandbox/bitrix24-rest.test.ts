import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'qs';
import type { RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { startBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import type { Receiver } from './bitrix24-receiver';
import { startReceiver } from './bitrix24-receiver';

/** Raw HTTP against the sandbox: the contract a client relies on, without any SDK in between. */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sandbox: RunningBitrix24Sandbox;
let receiver: Receiver;
let token: string;

async function call(method: string, params: Json = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${sandbox.url}/rest/${method}.json`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...params, auth: token }),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function control(path: string, body?: Json): Promise<Json> {
  const res = await fetch(`${sandbox.url}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as Json;
}

beforeAll(async () => {
  sandbox = await startBitrix24Sandbox({ port: 0, rateLimit: false, companies: 120, contacts: 300, deals: 400, seed: 3, anchorDate: '2025-06-30' });
  receiver = await startReceiver();
  token = String(sandbox.readyLine.accessToken);
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

describe('lists', () => {
  it('pages by 50 with total and next, and start=-1 drops both', async () => {
    const first = await call('crm.deal.list', { select: ['ID'] });
    expect(first.body.result).toHaveLength(50);
    expect(first.body).toMatchObject({ total: 400, next: 50 });
    const last = await call('crm.deal.list', { select: ['ID'], start: 350 });
    expect(last.body.next).toBeUndefined();
    const fast = await call('crm.deal.list', { order: { ID: 'ASC' }, filter: { '>ID': 390 }, select: ['ID'], start: -1 });
    expect(fast.body.result.map((r: Json) => r.ID)).toEqual(['391', '392', '393', '394', '395', '396', '397', '398', '399', '400']);
    expect(fast.body.total).toBeUndefined();
    expect(fast.body.time).toEqual(expect.objectContaining({ start: expect.any(Number), operating: expect.any(Number), operating_reset_at: expect.any(Number), date_start: expect.stringMatching(/\+03:00$/) }));
  });

  it('filters with operators and dates in both accepted formats', async () => {
    const won = await call('crm.deal.list', { filter: { STAGE_SEMANTIC_ID: 'S', '@CATEGORY_ID': [1, 2] }, select: ['ID', 'STAGE_ID'], start: -1 });
    expect(won.body.result.length).toBeGreaterThan(0);
    expect(won.body.result.every((r: Json) => /^C[12]:WON$/.test(r.STAGE_ID))).toBe(true);
    const iso = await call('crm.deal.list', { filter: { '>=DATE_MODIFY': '2025-06-01T00:00:00+03:00' }, select: ['ID', 'DATE_MODIFY'] });
    const plain = await call('crm.deal.list', { filter: { '>=DATE_MODIFY': '2025-06-01 00:00:00' }, select: ['ID'] });
    expect(iso.body.total).toBe(plain.body.total);
    expect(iso.body.result.every((r: Json) => r.DATE_MODIFY >= '2025-06-01T00:00:00+03:00')).toBe(true);
    const text = await call('crm.company.list', { filter: { '%TITLE': 'ООО' }, select: ['TITLE'], start: -1 });
    expect(text.body.result.every((r: Json) => r.TITLE.includes('ООО'))).toBe(true);
    const notIn = await call('crm.deal.list', { filter: { '!@CATEGORY_ID': [0, 1] }, select: ['CATEGORY_ID'], start: -1 });
    expect(notIn.body.result.every((r: Json) => r.CATEGORY_ID === '2')).toBe(true);
  });

  it('orders, selects * and UF_*, and serves crm.item.list in camelCase', async () => {
    const desc = await call('crm.company.list', { order: { ID: 'DESC' }, select: ['*', 'UF_*'], start: -1 });
    expect(desc.body.result[0]).toMatchObject({ ID: '120', UF_CRM_POTENTIAL_3Y: expect.any(String) });
    expect(desc.body.result[0]).toHaveProperty('LAST_ACTIVITY_TIME');
    const items = await call('crm.item.list', { entityTypeId: 2, filter: { '>id': 398 }, order: { id: 'ASC' }, start: -1 });
    expect(items.body.result.items.map((i: Json) => i.id)).toEqual([399, 400]);
    expect(items.body.result.items[0]).toHaveProperty('stageId');
    expect(typeof items.body.result.items[0].opportunity).toBe('number');
  });

  it('reads stages with semantics for every pipeline, industries, categories and currencies', async () => {
    const stages = await call('crm.status.list', { filter: { ENTITY_ID: 'DEAL_STAGE_1' } });
    expect(stages.body.result.find((s: Json) => s.STATUS_ID === 'C1:LOSE')).toMatchObject({ SEMANTICS: 'F', CATEGORY_ID: '1', EXTRA: { SEMANTICS: 'failure' } });
    const industries = await call('crm.status.list', { filter: { ENTITY_ID: 'INDUSTRY' } });
    expect(industries.body.result.map((s: Json) => s.STATUS_ID)).toEqual(expect.arrayContaining(['IT', 'MANUFACTURING', 'CONSTRUCTION', 'RETAIL']));
    expect((await call('crm.category.list', { entityTypeId: 2 })).body.result.categories).toHaveLength(3);
    expect((await call('crm.currency.list')).body.result.map((c: Json) => c.CURRENCY)).toEqual(['RUB', 'USD', 'EUR']);
  });
});

describe('errors', () => {
  it('answers with the documented codes and statuses', async () => {
    expect(await call('crm.deal.get', { id: 99999 })).toEqual({ status: 400, body: { error: '', error_description: 'Not found' } });
    expect((await call('crm.nothing.here')).status).toBe(404);
    expect((await call('crm.nothing.here')).body.error).toBe('ERROR_METHOD_NOT_FOUND');
    const noAuth = await fetch(`${sandbox.url}/rest/crm.deal.list?auth=never-issued`);
    expect(noAuth.status).toBe(401);
    expect(((await noAuth.json()) as Json).error).toBe('NO_AUTH_FOUND');
    expect((await call('event.bind', { event: 'ONNOTHING', handler: `${receiver.url}/x` })).body.error).toBe('ERROR_EVENT_NOT_FOUND');
  });
});

describe('batch', () => {
  it('runs commands with $result references, totals and per-command errors', async () => {
    const { body } = await call('batch', { halt: 0, cmd: {
      page: 'crm.deal.list?filter[>ID]=10&select[]=ID&select[]=COMPANY_ID',
      deal: 'crm.deal.get?id=$result[page][0][ID]',
      missing: 'crm.deal.get?id=99999',
    } });
    expect(body.result.result.deal.ID).toBe('11');
    expect(body.result.result_total.page).toBe(390);
    expect(body.result.result_next.page).toBe(50);
    expect(body.result.result_error.missing).toEqual({ error: '', error_description: 'Not found' });
    expect(Object.keys(body.result.result_time)).toEqual(['page', 'deal']);
  });

  it('stops at the first error with halt, refuses nesting and more than 50 commands', async () => {
    const halted = await call('batch', { halt: 1, cmd: ['crm.deal.get?id=99999', 'crm.deal.get?id=1'] });
    expect(halted.body.result.result).toEqual([]);
    expect(halted.body.result.result_error).toEqual([{ error: '', error_description: 'Not found' }]);
    const nested = await call('batch', { cmd: { inner: 'batch?cmd[a]=user.current' } });
    expect(nested.body.result.result_error.inner.error).toBe('ERROR_BATCH_METHOD_NOT_ALLOWED');
    const tooLong = await call('batch', { cmd: Array.from({ length: 51 }, () => 'user.current') });
    expect(tooLong).toEqual({ status: 400, body: { error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' } });
  });
});

describe('writing back', () => {
  it('adds an enumeration user field whose list item IDs set the value on a company', async () => {
    const added = await call('crm.company.userfield.add', { fields: { FIELD_NAME: 'KAM_TIER', USER_TYPE_ID: 'enumeration', LABEL: 'KAM tier', LIST: [{ VALUE: 'Key', XML_ID: 'KEY' }, { VALUE: 'Growth', XML_ID: 'GROWTH' }] } });
    expect(typeof added.body.result).toBe('number');
    expect((await call('crm.company.userfield.add', { fields: { FIELD_NAME: 'kam tier!', USER_TYPE_ID: 'string' } })).body.error).toBe('ERROR_CORE');
    const list = await call('crm.company.userfield.list', { filter: { FIELD_NAME: 'UF_CRM_KAM_TIER' } });
    const key = list.body.result[0].LIST.find((item: Json) => item.XML_ID === 'KEY');
    expect((await call('crm.company.update', { id: 7, fields: { UF_CRM_KAM_TIER: key.ID } })).body.result).toBe(true);
    expect((await call('crm.company.get', { id: 7 })).body.result.UF_CRM_KAM_TIER).toBe(key.ID);
    await call('crm.company.update', { id: 8, fields: { UF_CRM_KAM_TIER: 'Key' } });
    const state = sandbox.state();
    expect(state.companies).toEqual([{ id: 7, title: expect.any(String), fields: { UF_CRM_KAM_TIER: Number(key.ID) } }]);
    expect(state.warnings.some((w) => w.includes('UF_CRM_KAM_TIER'))).toBe(true);
    const seededUf = await call('crm.company.userfield.list');
    expect(seededUf.body.result.map((uf: Json) => uf.FIELD_NAME)).toEqual(expect.arrayContaining(['UF_CRM_POTENTIAL_3Y', 'UF_CRM_MARGIN', 'UF_CRM_SATISFACTION', 'UF_CRM_CONTRACT_END', 'UF_CRM_MARKETING_COST']));
  });

  it('adds, lists and completes to-dos; comments; tasks', async () => {
    const todo = await call('crm.activity.todo.add', { ownerTypeId: 4, ownerId: 7, deadline: '2025-07-10T12:00:00', title: 'Call about renewal', responsibleId: 2 });
    const id = todo.body.result.id;
    const open = await call('crm.activity.list', { filter: { OWNER_TYPE_ID: 4, OWNER_ID: 7, COMPLETED: 'N', PROVIDER_ID: 'CRM_TODO' } });
    expect(open.body.result.map((a: Json) => Number(a.ID))).toEqual([id]);
    // Completing takes the documented required fields; without them the documented refusal.
    expect((await call('crm.activity.update', { id, fields: { COMPLETED: 'Y' } })).body.error_description).toMatch(/owner info/);
    const activity = (await call('crm.activity.get', { id })).body.result;
    expect(activity).toMatchObject({ COMPLETED: 'N', COMMUNICATIONS: [] });
    const required = { OWNER_ID: activity.OWNER_ID, OWNER_TYPE_ID: activity.OWNER_TYPE_ID, TYPE_ID: activity.TYPE_ID, RESPONSIBLE_ID: activity.RESPONSIBLE_ID };
    expect((await call('crm.activity.update', { id, fields: { ...required, RESPONSIBLE_ID: 0, COMPLETED: 'Y' } })).body.error_description).toBe('The field RESPONSIBLE_ID is not defined or invalid');
    expect((await call('crm.activity.update', { id, fields: { ...required, COMPLETED: 'Y' } })).body.result).toBe(true);
    expect((await call('crm.activity.todo.update', { id, ownerTypeId: 4, ownerId: 7, deadline: '2025-07-11T12:00:00' })).body.error).toBe('CAN_NOT_UPDATE_COMPLETED_TODO');
    expect((await call('crm.activity.todo.add', { ownerTypeId: 2, ownerId: 99999, deadline: '2025-07-10T12:00:00' })).body.error).toBe('OWNER_NOT_FOUND');
    expect((await call('crm.timeline.comment.add', { fields: { ENTITY_ID: 7, ENTITY_TYPE: 'company', COMMENT: 'KPI: Q2' } })).body.result).toBe(1);
    expect((await call('crm.timeline.comment.list', { filter: { ENTITY_ID: 7, ENTITY_TYPE: 'company' } })).body.result[0].COMMENT).toBe('KPI: Q2');
    const task = await call('tasks.task.add', { fields: { TITLE: 'Prepare QBR', RESPONSIBLE_ID: 2, UF_CRM_TASK: ['CO_7'] } });
    expect(task.body.result.task).toMatchObject({ id: '1', title: 'Prepare QBR', ufCrmTask: ['CO_7'] });
    expect((await call('tasks.task.list', { filter: { UF_CRM_TASK: 'CO_7' } })).body.result.tasks).toHaveLength(1);
    const state = sandbox.state();
    expect(state.activities[0]).toMatchObject({ ownerTypeId: 4, ownerId: 7, title: 'Call about renewal', responsibleId: 2, completed: true });
  });

  it('keeps app options and refuses a second identical placement', async () => {
    expect((await call('app.option.set', { options: { syncCursor: '42' } })).body.result).toBe(true);
    expect((await call('app.option.get', { option: 'syncCursor' })).body.result).toBe('42');
    const bind = { PLACEMENT: 'CRM_DEAL_DETAIL_TAB', HANDLER: `${receiver.url}/widget`, TITLE: 'KAM' };
    expect((await call('placement.bind', bind)).body.result).toBe(true);
    expect((await call('placement.bind', bind)).body.error).toBe('ERROR_CORE');
    expect((await call('placement.get')).body.result).toHaveLength(1);
  });
});

describe('install, events and uninstall', () => {
  const sample = (name: string): Json => parse(readFileSync(join(__dirname, '../../../webhooks/bitrix24', name), 'utf8').trim()) as Json;
  const shape = (value: unknown): unknown => (value !== null && typeof value === 'object'
    ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]).sort(([a], [b]) => String(a).localeCompare(String(b)))) : typeof value);

  it('delivers nothing before install, then events shaped like webhooks/bitrix24 samples', async () => {
    expect((await call('event.bind', { event: 'ONCRMDEALUPDATE', handler: `${receiver.url}/events` })).body.result).toBe(true);
    expect((await call('event.bind', { event: 'ONCRMDEALUPDATE', handler: `${receiver.url}/events` })).body.error).toBe('ERROR_CORE');
    expect((await call('app.info')).body.result.INSTALLED).toBe(false);
    await call('crm.deal.update', { id: 5, fields: { OPPORTUNITY: 1234 } });
    await sandbox.eventsIdle();
    expect(receiver.received).toHaveLength(0);

    const install = await control('/_sandbox/install', { installUrl: `${receiver.url}/install`, eventsUrl: `${receiver.url}/install-event` });
    expect(install).toMatchObject({ installed: true, installer: { status: 200, calledInstallFinish: true }, event: { status: 200 } });
    expect((await call('app.info')).body.result.INSTALLED).toBe(true);
    const frame = receiver.received.find((r) => r.path === '/install');
    expect(shape(parse(frame?.body ?? ''))).toEqual(shape(sample('installer-frame.txt')));
    expect(frame?.query.get('PROTOCOL')).toBe('0');
    const installEvent = receiver.received.find((r) => r.path === '/install-event');
    expect(shape(parse(installEvent?.body ?? ''))).toEqual(shape(sample('onappinstall.txt')));

    const open = (await call('crm.deal.list', { filter: { CATEGORY_ID: 0, CLOSED: 'N' }, select: ['ID'], start: -1 })).body.result[0].ID;
    const before = (await call('crm.deal.get', { id: open })).body.result;
    expect((await call('crm.deal.update', { id: open, fields: { STAGE_ID: 'C1:WON' } })).body.error).toBe('');
    expect((await call('crm.deal.update', { id: open, fields: { STAGE_ID: 'WON' } })).body.result).toBe(true);
    await sandbox.eventsIdle();
    const event = receiver.received.find((r) => r.path === '/events');
    expect(event?.contentType).toBe('application/x-www-form-urlencoded');
    const form = parse(event?.body ?? '') as Json;
    expect(form).toMatchObject({ event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: open } }, auth: { application_token: install.applicationToken, member_id: sandbox.readyLine.memberId } });
    expect(shape(form)).toEqual(shape(sample('oncrmdealupdate.txt')));
    const deal = (await call('crm.deal.get', { id: open })).body.result;
    expect(deal).toMatchObject({ STAGE_ID: 'WON', STAGE_SEMANTIC_ID: 'S', CLOSED: 'Y' });
    // The close is recorded as the stage move; CLOSEDATE stays the editable planned date.
    expect(deal.MOVED_TIME).toBe(deal.DATE_MODIFY);
    expect(deal.CLOSEDATE).toBe(before.CLOSEDATE);
  });

  it('simulated users edit entities and fire events', async () => {
    receiver.received.length = 0;
    const mutated = await control('/_sandbox/mutate', { count: 5, entity: 'deal', seed: 1 });
    expect(mutated.mutated).toBe(5);
    await sandbox.eventsIdle();
    expect(receiver.received.filter((r) => r.path === '/events')).toHaveLength(5);
    const recent = await call('crm.deal.list', { filter: { '>DATE_MODIFY': new Date(Date.now() - 60_000).toISOString() }, select: ['ID'] });
    expect(recent.body.total).toBeGreaterThanOrEqual(5);
  });

  it('uninstall revokes the tokens and sends ONAPPUNINSTALL without tokens', async () => {
    receiver.received.length = 0;
    await control('/_sandbox/uninstall', { eventsUrl: `${receiver.url}/uninstall`, clean: true });
    const form = parse(receiver.received[0]?.body ?? '') as Json;
    expect(form).toMatchObject({ event: 'ONAPPUNINSTALL', data: { CLEAN: '1' } });
    expect(form.auth.access_token).toBeUndefined();
    expect(shape(form)).toEqual(shape(sample('onappuninstall.txt')));
    expect((await call('crm.deal.get', { id: 1 })).body.error).toBe('NO_AUTH_FOUND');
  });
});
