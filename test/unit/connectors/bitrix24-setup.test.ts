import type { BatchCommand, Bitrix24Client } from '../../../src/connectors/bitrix24/bitrix24-client';
import { DEFAULT_FIELD_MAP } from '../../../src/connectors/bitrix24/bitrix24-mapper';
import { INPUT_FIELDS, setupBitrix24Portal } from '../../../src/connectors/bitrix24/bitrix24-setup';

/** A portal that keeps user fields the way Bitrix24 does (FIELD_NAME gets the UF_CRM_ prefix) and answers the rest empty. */
function scriptedPortal(existing: string[] = []) {
  const fields = existing.map((name, i) => ({ ID: String(i + 1), ENTITY_ID: 'CRM_COMPANY', FIELD_NAME: name, LIST: [] as unknown[] }));
  const sent: BatchCommand[] = [];
  const client: Bitrix24Client = {
    call: () => Promise.reject(new Error('setup batches everything')),
    batch(commands) {
      sent.push(...commands);
      const results: Record<string, unknown> = {};
      for (const command of commands) {
        const params = command.params as { filter?: { FIELD_NAME?: string }; fields?: { FIELD_NAME: string } };
        if (command.method === 'crm.company.userfield.list') results[command.key] = fields.filter((f) => f.FIELD_NAME === params.filter?.FIELD_NAME);
        else if (command.method === 'crm.company.userfield.add') {
          fields.push({ ID: String(fields.length + 1), ENTITY_ID: 'CRM_COMPANY', FIELD_NAME: `UF_CRM_${params.fields?.FIELD_NAME ?? ''}`, LIST: [] });
          results[command.key] = fields.length;
        } else if (command.method === 'user.current') results[command.key] = { ID: '1' };
        else results[command.key] = command.method.endsWith('.get') ? [] : true;
      }
      return Promise.resolve({ results, errors: {}, totals: {} });
    },
  };
  return { client, sent, fields };
}

const options = { publicUrl: 'https://kam.example.com', lang: 'en' as const, tiers: [{ id: 'key', ru: 'Ключевой', en: 'Key' }, { id: 'standard', ru: 'Стандартный', en: 'Standard' }] };

describe('Bitrix24 setup: input fields', () => {
  it('are the fields the mapper reads by default', () => {
    expect(INPUT_FIELDS.map((field) => `UF_CRM_${field.code}`).sort()).toEqual(Object.values(DEFAULT_FIELD_MAP).filter((code) => code.startsWith('UF_CRM_')).sort());
  });

  it('creates the missing input fields on a new portal, labelled in both languages, and nothing on the second run', async () => {
    const portal = scriptedPortal(['UF_CRM_MARGIN']);
    const first = await setupBitrix24Portal({ client: portal.client, ...options });
    const adds = portal.sent.filter((c) => c.method === 'crm.company.userfield.add' && c.key.startsWith('input_'));
    expect(adds.map((c) => (c.params as { fields: { FIELD_NAME: string } }).fields.FIELD_NAME)).toEqual(['POTENTIAL_3Y', 'SATISFACTION', 'CONTRACT_END', 'MARKETING_COST']);
    expect((adds[0]?.params as { fields: Record<string, unknown> }).fields).toMatchObject({
      USER_TYPE_ID: 'double',
      LABEL: 'Potential over 3 years',
      EDIT_FORM_LABEL: { ru: 'Потенциал за 3 года', en: 'Potential over 3 years' },
    });
    expect(first.created.fields).toBe(2 + 4);
    portal.sent.length = 0;
    const second = await setupBitrix24Portal({ client: portal.client, ...options });
    expect(second.created.fields).toBe(0);
    expect(portal.sent.filter((c) => c.method.endsWith('.add'))).toEqual([]);
  });
});
