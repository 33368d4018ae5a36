import { setupBitrix24Portal } from '../../../src/connectors/bitrix24/bitrix24-setup';
import { startBitrix24Sandbox, type RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { parse } from 'qs';
import { sandboxClient } from '../bitrix24/sandbox-client';
import { startReceiver, type Receiver } from './bitrix24-receiver';

/**
 * The sandbox options for what the Bitrix24 docs leave open (real-portal-notes.md, Bitrix24 1-4):
 * each behaves both ways, so the app is tested against both.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sandbox: RunningBitrix24Sandbox;
let receiver: Receiver;
beforeAll(async () => {
  sandbox = await startBitrix24Sandbox({ port: 0, rateLimit: false, companies: 10, contacts: 20, deals: 40, seed: 6 });
  receiver = await startReceiver();
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

async function post(path: string, body: Json): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Json };
}
const rest = (method: string, params: Json) => post(`/rest/${method}.json`, { ...params, auth: String(sandbox.readyLine.accessToken) });

describe('user-field labels (lang_map)', () => {
  const field = (name: string, label: unknown) => ({ fields: { FIELD_NAME: name, USER_TYPE_ID: 'double', EDIT_FORM_LABEL: label, LIST_COLUMN_LABEL: label } });

  it('strict (default): takes a string or the documented lang_map, refuses {"ru": {"LABEL": ...}} naming the field', async () => {
    expect((await rest('crm.company.userfield.add', field('LM_STRING', 'Score'))).body.result).toEqual(expect.any(Number));
    expect((await rest('crm.company.userfield.add', field('LM_MAP', { ru: 'Балл', en: 'Score' }))).body.result).toEqual(expect.any(Number));
    const refused = await rest('crm.company.userfield.add', field('LM_NESTED', { ru: { LABEL: 'Балл' }, en: { LABEL: 'Score' } }));
    expect(refused).toMatchObject({ status: 400, body: { error: 'ERROR_CORE', error_description: expect.stringContaining('EDIT_FORM_LABEL') } });
    const listed = (await rest('crm.company.userfield.list', { filter: { FIELD_NAME: 'UF_CRM_LM_MAP' } })).body.result as Json[];
    expect(listed[0]).toMatchObject({ EDIT_FORM_LABEL: 'Балл' });
    expect((await rest('crm.company.userfield.list', { filter: { FIELD_NAME: 'UF_CRM_LM_NESTED' } })).body.result).toEqual([]);
  });

  it('lenient: reads the other shape too', async () => {
    await post('/_sandbox/behaviour', { langMap: 'lenient' });
    const taken = await rest('crm.company.userfield.add', field('LM_LENIENT', { ru: { LABEL: 'Балл' } }));
    await post('/_sandbox/behaviour', { langMap: 'strict' });
    expect(taken.body.result).toEqual(expect.any(Number));
  });

  it('our setup creates its fields on a strict portal', async () => {
    const { client } = sandboxClient(sandbox);
    const setup = await setupBitrix24Portal({ client, publicUrl: 'http://127.0.0.1:1', tiers: [{ id: 'key', ru: 'Ключевой', en: 'Key' }], lang: 'ru', contactFields: true });
    expect(setup.created.fields).toBe(4);
    expect(setup.tierItemIds).toEqual({ key: expect.any(String) });
    expect(sandbox.state().warnings).toEqual([]);
  });

  it('refuses a bad behaviour setting with a reason', async () => {
    expect(await post('/_sandbox/behaviour', { langMap: 'sometimes' })).toMatchObject({ status: 400, body: { error_description: expect.stringContaining('langMap') } });
  });
});

describe('app update', () => {
  it('sends ONAPPUPDATE by default; with appUpdateEvent off it sends none, and the installer frame carries the new application token', async () => {
    receiver.received.length = 0;
    const withEvent = await post('/_sandbox/update', { eventsUrl: `${receiver.url}/events` });
    expect(withEvent.body.events).toEqual([{ url: `${receiver.url}/events`, status: 200 }]);
    await sandbox.eventsIdle();
    expect(receiver.received.filter((r) => r.path === '/events').map((r) => (parse(r.body) as Json).event)).toEqual(['ONAPPUPDATE']);

    receiver.received.length = 0;
    await post('/_sandbox/behaviour', { appUpdateEvent: false });
    const silent = await post('/_sandbox/update', { eventsUrl: `${receiver.url}/events`, installUrl: `${receiver.url}/install` });
    await post('/_sandbox/behaviour', { appUpdateEvent: true });
    await sandbox.eventsIdle();
    expect(silent.body.events).toEqual([]);
    expect(receiver.received.map((r) => r.path)).toEqual(['/install']);
    const frame = parse(receiver.received[0]?.body ?? '') as Json;
    expect(frame.APPLICATION_TOKEN).toBe(silent.body.applicationToken);
    expect(frame.APPLICATION_TOKEN).not.toBe(withEvent.body.applicationToken);
    // Bindings are gone either way: the installer must bind again.
    expect(sandbox.state().placements).toEqual([]);
  });
});

describe('portal address change', () => {
  it('keeps the member_id, names the new host in OAuth answers and events, and answers at both addresses', async () => {
    const memberId = String(sandbox.readyLine.memberId);
    const port = new URL(sandbox.url).port;
    const moved = await post('/_sandbox/address', { host: `localhost:${port}` });
    expect(moved.body).toEqual({ domain: `localhost:${port}`, clientEndpoint: `http://localhost:${port}/rest/`, memberId });

    const refreshed = await post('/oauth/token/', { grant_type: 'refresh_token', client_id: sandbox.readyLine.clientId, client_secret: sandbox.readyLine.clientSecret, refresh_token: sandbox.readyLine.refreshToken });
    expect(refreshed.body).toMatchObject({ client_endpoint: `http://localhost:${port}/rest/`, member_id: memberId });
    expect(sandbox.runtime.events.authBlock(1, false)).toMatchObject({ domain: `localhost:${port}`, client_endpoint: `http://localhost:${port}/rest/`, member_id: memberId });
    const token = String(refreshed.body.access_token);
    for (const base of [`http://localhost:${port}`, sandbox.url]) {
      const res = await fetch(`${base}/rest/user.current.json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth: token }) });
      expect(((await res.json()) as Json).result).toMatchObject({ ID: '1' });
    }
    expect(await post('/_sandbox/address', { host: 'evil.example:80' })).toMatchObject({ status: 400 });
  });
});
