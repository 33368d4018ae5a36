import { randomBytes } from 'node:crypto';
import { FIELDS_STATE_KEY, USERS_STATE_KEY } from '../../../src/app/build-snapshot';
import { describeSettingsValue } from '../../../src/app/settings/settings-diff-values';
import { DEFAULT_CRITERIA } from '../../../src/core/engine';
import type { CrmRegistry } from '../../../src/core/ports/crm-connector.port';
import type { Storage } from '../../../src/core/ports/storage.port';
import type { PageCaller } from '../../../src/http/page-caller';
import { settingsPageUseCases } from '../../../src/http/settings-page';
import { createStorage } from '../../../src/storage';

/**
 * The settings history as the admin reads it: who changed what, and each value in words of the
 * reader's language; never a configuration key (camelCase), a CRM field code, a bare CRM user id or JSON.
 */
const KEYISH = /[a-z][A-Z]|UF_CRM|[{}[\]"]|\btrue\b|\bfalse\b|^(ru|en|month|quarter|year)$/;
const doc = { criteria: DEFAULT_CRITERIA.criteria, tiers: DEFAULT_CRITERIA.tiers };
// Not stored (null), the potential maps to the connector's own field.
const context = { doc, crmFieldNames: new Map([['UF_CRM_MARGIN_PCT', 'Маржинальность, %']]), defaultFieldMap: { potential3y: 'UF_CRM_MARGIN_PCT' } };

describe('settings history values in words', () => {
  const cases: Array<[string, unknown, { ru: string; en: string }]> = [
    ['criteria.1.metric', 'revenue12m', { ru: 'Выручка за последние 12 месяцев', en: 'Revenue over the last 12 months' }],
    ['criteria.0.fallback', 'potentialForecast3y', { ru: 'Прогноз потенциала за 3 года', en: 'Potential forecast over 3 years' }],
    ['criteria.2.metric', 'field:UF_CRM_MARGIN_PCT', { ru: 'Маржинальность, %', en: 'Маржинальность, %' }],
    ['criteria.2.scale.type', 'percentile', { ru: 'Процентиль', en: 'Percentile' }],
    ['rules.rules.noContact.enabled', false, { ru: 'выключено', en: 'off' }],
    ['rules.rules.noContact.whenNeverContacted', true, { ru: 'включено', en: 'on' }],
    ['rules.rules.noContact.tiers', ['key', 'develop'], { ru: 'Ключевой клиент, Развитие', en: 'Key account, Develop' }],
    ['rules.rules.revenueDrop.tiers', null, { ru: 'Все уровни', en: 'All tiers' }],
    ['rules.rules.keyAccountPlan.keyTier', 'key', { ru: 'Ключевой клиент', en: 'Key account' }],
    ['rules.rules.potentialEstimate.dropShare', 0.3, { ru: '0,3', en: '0.3' }],
    ['lang', 'en', { ru: 'English', en: 'English' }],
    ['summaryPeriod', 'quarter', { ru: 'Квартал', en: 'Quarter' }],
    ['fieldMap.margin', 'UF_CRM_MARGIN_PCT', { ru: 'Маржинальность, %', en: 'Маржинальность, %' }],
    ['fieldMap.margin', null, { ru: 'создать поле KAM Pilot', en: 'create a KAM Pilot field' }],
    ['fieldMap.potential3y', null, { ru: 'Маржинальность, %', en: 'Маржинальность, %' }],
    ['fieldMap.margin', 'UF_CRM_GONE', { ru: 'изменено', en: 'changed' }],
    ['tiers.0.id', 'vip', { ru: 'изменено', en: 'changed' }],
    ['tiers.0.label.ru', 'Главные', { ru: 'Главные', en: 'Главные' }],
    ['criteria.4.scale.values', { MANUFACTURING: 1, ENERGY: 0.5 }, { ru: 'Производство 1, Энергетика 0,5', en: 'Manufacturing 1, Energy 0.5' }],
    ['criteria.4.scale.steps', [{ gte: 10, value: 1 }, { lte: 5, value: 0 }], { ru: '≥ 10 → 1; ≤ 5 → 0', en: '≥ 10 → 1; ≤ 5 → 0' }],
    ['criteria.5', { id: 'criterion6', metric: 'growthYoY', weight: 10, scale: { type: 'percentile' } }, { ru: 'Рост год к году, вес 10', en: 'Growth year on year, weight 10' }],
    ['criteria.5', { id: 'criterion6', metric: 'ltv', weight: 5, label: { ru: 'Ценность', en: 'Value' }, scale: { type: 'percentile' } }, { ru: 'Ценность, вес 5', en: 'Value, weight 5' }],
    ['criteria.5', null, { ru: '—', en: '—' }],
    ['criteria.4.scale.steps.1', { gte: 2.5, value: 0.5 }, { ru: '≥ 2,5 → 0,5', en: '≥ 2.5 → 0.5' }],
    ['summaryTiers', ['key'], { ru: 'Ключевой клиент', en: 'Key account' }],
    ['criteria.5.id', 'criterion6', { ru: 'изменено', en: 'changed' }],
  ];

  it.each(cases)('%s = %j', (path, value, expected) => {
    for (const lang of ['ru', 'en'] as const) {
      const text = describeSettingsValue(path, value, context, lang).replace(/[\u00a0\u202f]/g, ' ');
      expect([lang, text]).toEqual([lang, expected[lang]]);
      expect(text).not.toMatch(KEYISH);
    }
  });
});

describe('the settings history through the page calls', () => {
  let storage: Storage;
  let installationId: string;
  const connectors = { bitrix24: { traits: { kind: 'bitrix24', defaultFieldMap: { margin: 'UF_CRM_MARGIN' }, defaultCurrency: 'RUB' } } } as unknown as CrmRegistry;
  const caller = async (lang: 'ru' | 'en', userId: string | null): Promise<PageCaller> => ({
    crm: 'bitrix24', installation: (await storage.installations.get(installationId))!, lang, isAdmin: async () => true, userId: async () => userId,
  });

  beforeEach(async () => {
    storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
    ({ id: installationId } = await storage.installations.upsert({ crm: 'bitrix24', externalId: 'm1', domain: 'x.bitrix24.ru', settings: { lang: 'ru' } }));
    await storage.writeState.putMany(installationId, [
      { key: USERS_STATE_KEY, value: [{ id: '12', name: 'Анна Смирнова' }] },
      { key: FIELDS_STATE_KEY, value: [{ kind: 'company', code: 'UF_CRM_MARGIN', name: 'Маржа', type: 'double' }, { kind: 'company', code: 'UF_CRM_MARGIN_PCT', name: 'Маржинальность, %', type: 'double' }] },
    ]);
  });
  afterEach(() => storage.close());

  it('names the author as the CRM does (or says they are unknown) and words every changed value', async () => {
    const page = settingsPageUseCases({ storage, connectors, defaultLang: 'ru', now: () => new Date('2026-11-27T12:00:00Z') });
    const view = await page.view(await caller('ru', '12'));
    const settings = view.settings;
    const draft = {
      ...settings,
      criteria: [...settings.criteria, { id: 'criterion6', metric: 'growthYoY', weight: 10, scale: { type: 'percentile' } }],
      rules: { ...settings.rules, rules: { ...settings.rules.rules, noContact: { ...settings.rules.rules.noContact, enabled: false } } },
      fieldMap: { ...settings.fieldMap, margin: 'UF_CRM_MARGIN_PCT' },
      summaryPeriod: 'quarter',
    };
    const saved = await page.save(await caller('ru', '12'), draft);
    if (!saved.ok) throw saved.error;
    const third = await page.save(await caller('ru', '404'), { ...draft, summaryPeriod: 'year' });
    if (!third.ok) throw third.error;

    const [byUnknown, byAnna] = await page.history(await caller('ru', '12'));
    expect(byAnna?.by).toEqual({ id: '12', name: 'Анна Смирнова' });
    // A user the CRM's list does not name is said so, never shown by their CRM id.
    expect(byUnknown?.by).toEqual({ id: '404', name: 'сотрудник, которого нет в CRM' });
    const lines = byAnna!.changes.map((change) => `${change.label}: ${change.beforeText} → ${change.afterText}`);
    expect(lines).toEqual(expect.arrayContaining([
      // The added criterion, named by its metric: its code (criterion6) is nowhere.
      'Рост год к году: — → Рост год к году, вес 10',
      'Давно не было контакта: включено: включено → выключено',
      'Поля CRM: маржа: Маржа → Маржинальность, %',
      'Период сводки KPI: Месяц → Квартал',
    ]));
    for (const change of byAnna!.changes) {
      expect(`${change.label} ${change.beforeText} ${change.afterText}`).not.toMatch(KEYISH);
    }
    const [english] = await page.history(await caller('en', '12'));
    expect(english!.changes.map((change) => `${change.label}: ${change.beforeText} → ${change.afterText}`)).toEqual(['KPI summary period: Quarter → Year']);
  });

  it('names a criterion on a CRM field of the portal\'s own by the CRM\'s name, so its score reasons never show the field code', async () => {
    const page = settingsPageUseCases({ storage, connectors, defaultLang: 'ru', now: () => new Date('2026-11-27T12:00:00Z') });
    const { settings } = await page.view(await caller('ru', '12'));
    const criteria = [...settings.criteria, { id: 'criterion6', metric: 'field:UF_CRM_MARGIN_PCT', weight: 10, scale: { type: 'linear', min: 0, max: 50 } }];
    const saved = await page.save(await caller('ru', '12'), { criteria });
    if (!saved.ok) throw saved.error;
    const stored = (await page.view(await caller('ru', '12'))).settings.criteria;
    expect(stored.at(-1)?.label).toEqual({ ru: 'Маржинальность, %', en: 'Маржинальность, %' });
    // Our own input keeps its catalogue name (no label written), and a label the admin gave stays.
    expect(stored.find((c) => c.metric === 'field:potential3y')).toEqual(settings.criteria.find((c) => c.metric === 'field:potential3y'));
    const relabelled = await page.save(await caller('ru', '12'), { criteria: stored.map((c, i) => (i === stored.length - 1 ? { ...c, label: { ru: 'Рентабельность' } } : c)) });
    if (!relabelled.ok) throw relabelled.error;
    expect((await page.view(await caller('ru', '12'))).settings.criteria.at(-1)?.label).toEqual({ ru: 'Рентабельность', en: 'Маржинальность, %' });
  });

  it('offers a mapped field the CRM list does not hold yet under the name of the input it holds, not its code', async () => {
    const withPotential = { bitrix24: { traits: { kind: 'bitrix24', defaultFieldMap: { margin: 'UF_CRM_MARGIN', potential3y: 'UF_CRM_KAM_POTENTIAL' }, defaultCurrency: 'RUB' } } } as unknown as CrmRegistry;
    const page = settingsPageUseCases({ storage, connectors: withPotential, defaultLang: 'ru' });
    expect((await page.view(await caller('ru', '12'))).crmFields.find((field) => field.id === 'UF_CRM_KAM_POTENTIAL')?.label).toBe('Потенциал за 3 года');
    expect((await page.view(await caller('en', '12'))).crmFields.find((field) => field.id === 'UF_CRM_KAM_POTENTIAL')?.label).toBe('Potential over 3 years');
  });
});
