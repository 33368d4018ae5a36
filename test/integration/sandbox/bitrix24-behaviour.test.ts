import { setupBitrix24Portal } from '../../../src/connectors/bitrix24/bitrix24-setup';
import { startBitrix24Sandbox, type RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { sandboxClient } from '../bitrix24/sandbox-client';

/**
 * The sandbox options for what the Bitrix24 docs leave open (real-portal-notes.md, Bitrix24 1-4):
 * each behaves both ways, so the app is tested against both.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sandbox: RunningBitrix24Sandbox;
beforeAll(async () => {
  sandbox = await startBitrix24Sandbox({ port: 0, rateLimit: false, companies: 10, contacts: 20, deals: 40, seed: 6 });
});
afterAll(() => sandbox.close());

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
