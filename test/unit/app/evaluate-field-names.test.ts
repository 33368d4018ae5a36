import { randomBytes } from 'node:crypto';
import { FIELDS_STATE_KEY } from '../../../src/app/build-snapshot';
import { evaluateInstallation } from '../../../src/app/evaluate-installation';
import { parseCriteriaConfig } from '../../../src/core/engine';
import { DEFAULT_NEXT_STEP_RULES } from '../../../src/core/rules/next-step-rules-config';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createStorage } from '../../../src/storage';

/**
 * A criterion on a portal's own CRM field saved without a label: its score reasons (the card tab,
 * the KPI comment) name the field as the CRM does, never by its code, and the rule version is the same.
 */
describe('evaluateInstallation: criteria on the CRM\'s own fields', () => {
  let storage: Storage;
  afterEach(() => storage.close());

  it('names the field by the CRM\'s name in every reason, in both languages, with the rule version unchanged', async () => {
    storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
    const { id: installationId } = await storage.installations.upsert({ crm: 'bitrix24', externalId: 'm1', domain: 'x.bitrix24.ru' });
    await storage.entities.upsertMany(installationId, 'company', [
      { crmId: '1', name: 'Alpha', industry: 'IT', ownerId: '7', fields: { UF_CRM_1712: 40 }, createdAt: null, modifiedAt: null },
    ]);
    const parsed = parseCriteriaConfig({
      criteria: [{ id: 'c1', metric: 'field:UF_CRM_1712', weight: 1, scale: { type: 'linear', min: 0, max: 100 } }],
      tiers: [{ id: 'key', minScore: 50 }, { id: 'standard', minScore: 0 }],
    });
    if (!parsed.ok) throw parsed.error;
    const run = (lang: 'ru' | 'en') => evaluateInstallation({
      storage, installationId, asOf: '2026-10-31', criteria: parsed.value, rules: DEFAULT_NEXT_STEP_RULES, lang, traits: { defaultCurrency: 'RUB' },
    });
    const before = await run('ru');
    expect(before.evaluation.accounts[0]?.contributions[0]?.reason).toContain('UF_CRM_1712');
    await storage.writeState.putMany(installationId, [{ key: FIELDS_STATE_KEY, value: [{ kind: 'company', code: 'UF_CRM_1712', name: 'Объём склада, м²', type: 'double' }] }]);
    for (const lang of ['ru', 'en'] as const) {
      const after = await run(lang);
      const contribution = after.evaluation.accounts[0]?.contributions[0];
      expect([lang, contribution?.reason]).toEqual([lang, expect.stringMatching(/^Объём склада, м² 40/)]);
      expect(Object.values(contribution?.reasons ?? {}).join(' ')).not.toContain('UF_CRM');
      expect(after.evaluation.ruleVersion).toBe(before.evaluation.ruleVersion);
    }
  });
});
