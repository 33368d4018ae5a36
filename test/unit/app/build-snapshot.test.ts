import { randomBytes } from 'node:crypto';
import { FIELDS_STATE_KEY, buildSnapshot } from '../../../src/app/build-snapshot';
import { getAccountView } from '../../../src/app/account-view';
import { evaluateInstallation } from '../../../src/app/evaluate-installation';
import { parseCriteriaConfig } from '../../../src/core/engine';
import { DEFAULT_NEXT_STEP_RULES } from '../../../src/core/rules/next-step-rules-config';
import type { CrmRegistry } from '../../../src/core/ports/crm-connector.port';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createStorage } from '../../../src/storage';

/**
 * What the texts people read need on the way from the store: a deal's CRM title in the snapshot,
 * and a CRM field's name for a criterion on the portal's own field saved without a label (its
 * reasons from the engine, its name in the card tab).
 */
let storage: Storage;
let installationId: string;
beforeEach(async () => {
  storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
  ({ id: installationId } = await storage.installations.upsert({ crm: 'bitrix24', externalId: 'm1', domain: 'x.bitrix24.ru' }));
  await storage.entities.upsertMany(installationId, 'company', [
    { crmId: '1', name: 'Alpha', industry: 'IT', ownerId: '7', fields: { UF_CRM_1712: 40 }, createdAt: null, modifiedAt: null },
  ]);
});
afterEach(() => storage.close());

describe('buildSnapshot', () => {
  it('gives each deal its CRM title, and null for a deal the CRM left untitled', async () => {
    const deal = (crmId: string, title: string) => ({
      crmId, title, companyId: '1', contactId: null, amount: 100, currency: 'RUB', status: 'won' as const, pipelineId: '0', stageId: 'WON',
      ownerId: '7', createdAt: '2026-10-01', closedAt: '2026-10-20', modifiedAt: null,
    });
    await storage.entities.upsertMany(installationId, 'deal', [deal('41', 'Rebar, 40 t'), deal('42', '')]);
    const { snapshot } = await buildSnapshot({ storage, installationId, asOf: '2026-10-31', traits: { defaultCurrency: 'RUB' } });
    expect(snapshot.deals.map((d) => [d.id, d.title]).sort()).toEqual([['41', 'Rebar, 40 t'], ['42', null]]);
  });
});

describe('evaluateInstallation: criteria on the CRM\'s own fields', () => {
  it('names the field by the CRM\'s name in every reason, in both languages, with the rule version unchanged', async () => {
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

describe('getAccountView: criteria named for the card tab', () => {
  it('names a criterion on the portal\'s own CRM field saved without a label by the CRM\'s name, the others by their metric', async () => {
    const criteria = [
      { id: 'c1', metric: 'field:UF_CRM_1712', weight: 1, scale: { type: 'linear', min: 0, max: 100 } },
      { id: 'c2', metric: 'revenue12m', weight: 1, scale: { type: 'percentile' } },
    ];
    await storage.installations.updateSettings(installationId, { criteria: { criteria, tiers: [{ id: 'key', minScore: 50 }, { id: 'standard', minScore: 0 }] } });
    const connectors = { bitrix24: { traits: { kind: 'bitrix24', defaultFieldMap: {}, defaultCurrency: 'RUB' }, links: { card: () => null, step: () => null } } } as unknown as CrmRegistry;
    const view = () => getAccountView({ storage, connectors, defaultLang: 'ru' }, { installationId, lang: 'ru', accountId: '1' });
    expect((await view()).criterionLabels.c1).toEqual({ ru: 'UF_CRM_1712', en: 'UF_CRM_1712' });
    await storage.writeState.putMany(installationId, [{ key: FIELDS_STATE_KEY, value: [{ kind: 'company', code: 'UF_CRM_1712', name: 'Объём склада, м²', type: 'double' }] }]);
    expect((await view()).criterionLabels).toEqual({
      c1: { ru: 'Объём склада, м²', en: 'Объём склада, м²' },
      c2: { ru: 'Выручка за последние 12 месяцев', en: 'Revenue over the last 12 months' },
    });
  });
});
