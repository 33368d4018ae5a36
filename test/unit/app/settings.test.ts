import { randomBytes } from 'node:crypto';
import { readSettings as readStoredSettings } from '../../../src/app/installation-settings';
import { evaluateInstallation } from '../../../src/app/evaluate-installation';
import { applySettingsDraft, passTierChanges } from '../../../src/app/settings/demo-settings';
import { previewSettings } from '../../../src/app/settings/preview-settings';
import { readSettingsDocument, saveSettings, settingsHistory } from '../../../src/app/settings/save-settings';
import { diffSettings } from '../../../src/app/settings/settings-diff';
import { describeSettingsPath } from '../../../src/app/settings/settings-diff-labels';
import { parseSettingsDocument, validateDraft } from '../../../src/app/settings/settings-document';
import { latestTiers, tierChanges } from '../../../src/app/settings/tier-changes';
import { metricCatalog } from '../../../src/app/settings/metric-catalog';
import { DEFAULT_CRITERIA } from '../../../src/core/engine';
import type { SyncedCompany, SyncedDeal } from '../../../src/core/model/synced';
import type { CrmRegistry } from '../../../src/core/ports/crm-connector.port';
import type { Storage } from '../../../src/core/ports/storage.port';
import { settingsPageUseCases } from '../../../src/http/settings-page';
import type { PageCaller } from '../../../src/http/page-caller';
import { createStorage } from '../../../src/storage';

const AS_OF = '2026-10-31';
const TRAITS = { kind: 'bitrix24' as const, defaultFieldMap: {}, defaultCurrency: 'RUB' };
const readSettings = (installation: Parameters<typeof readStoredSettings>[0], lang: 'ru' | 'en') => readStoredSettings(installation, lang, TRAITS);
const SLOT = { tierFieldId: 'UF_CRM_KAM_TIER', appUserId: '1' };

const company = (crmId: string, fields: Record<string, unknown>, industry = 'CONSTRUCTION'): SyncedCompany => ({
  crmId, name: `Company ${crmId}`, industry, ownerId: '7', fields, createdAt: '2024-01-01T00:00:00Z', modifiedAt: '2026-10-01T00:00:00Z',
});
let dealSeq = 0;
const deal = (companyId: string, closedAt: string, amount: number): SyncedDeal => {
  dealSeq += 1;
  return {
    crmId: `d${dealSeq}`, title: 'Deal', companyId, contactId: null, amount, currency: 'RUB', status: 'won', pipelineId: '0', stageId: 'WON',
    ownerId: '7', createdAt: closedAt, closedAt, modifiedAt: closedAt,
  };
};
const QUARTERS = ['2024-11-10', '2025-02-10', '2025-05-10', '2025-08-10', '2025-11-10', '2026-02-10', '2026-05-10', '2026-08-10'];

let storage: Storage;
let installationId: string;

beforeEach(async () => {
  storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
  const inst = await storage.installations.upsert({ crm: 'bitrix24', externalId: 'member-1', domain: 'x.bitrix24.ru', settings: { bitrix24: SLOT, lang: 'en' } });
  installationId = inst.id;
  // Potentials from 10 M to 60 M: under the default criteria a few are key, some develop.
  const companies = [10, 20, 30, 40, 50, 60].map((m, i) => company(`c${i + 1}`, { potential3y: m * 1_000_000, margin: 0.3 }));
  companies.push(company('c7', { margin: 0.2 }, 'ENERGY')); // no potential entered: the forecast stands in
  await storage.entities.upsertMany(installationId, 'company', companies);
  const deals = companies.flatMap((c, i) => QUARTERS.map((day) => deal(c.crmId, day, (i + 1) * 400_000)));
  await storage.entities.upsertMany(installationId, 'deal', deals);
});
afterEach(() => storage.close());

const base = { defaultLang: 'en' as const, asOf: AS_OF, traits: TRAITS };
const stricterKey = { tiers: [{ id: 'key', minScore: 80 }, { id: 'develop', minScore: 40 }, { id: 'standard', minScore: 0 }] };

describe('settings document', () => {
  it('reads the stored settings as a whole document with defaults, version 0 before any save', async () => {
    const read = await readSettingsDocument({ storage, installationId, defaultLang: 'ru' });
    expect(read.ok && read.value).toMatchObject({ version: 0, document: { lang: 'en', criteria: DEFAULT_CRITERIA.criteria, tiers: DEFAULT_CRITERIA.tiers, hysteresis: 5, summaryPeriod: 'month', summaryTiers: null, fieldMap: {}, contactsAsAccounts: false } });
  });

  it('names the path of every fault, across sections', () => {
    const read = parseSettingsDocument({
      lang: 'de',
      criteria: [{ id: 'p', metric: 'field:p', weight: -1, scale: { type: 'linear', min: 0, max: 1 } }],
      tiers: [{ id: 'top', minScore: 50 }, { id: 'rest', minScore: 0 }],
      rules: { rules: { noContact: { tiers: ['key'] } } },
      summaryPeriod: 'week',
      colour: 'blue',
    });
    expect(read.ok || read.error.message.split('\n')).toEqual(expect.arrayContaining([
      'lang: expected one of "ru", "en"',
      'criteria[0].weight: expected number >= 0',
      'summaryPeriod: expected one of "month", "quarter", "year"',
      expect.stringMatching(/colour/),
    ]));
    const tiersOnly = parseSettingsDocument({ ...DEFAULT_CRITERIA, lang: 'ru', rules: { rules: { noContact: { tiers: ['vip'] } } }, summaryTiers: ['gold'] });
    expect(tiersOnly.ok || tiersOnly.error.message.split('\n')).toEqual(['summaryTiers[0]: unknown tier "gold"; the tiers are key, develop, standard']);
  });

  it('diffs by path', () => {
    expect(diffSettings({ criteria: [{ id: 'a', weight: 40 }], lang: 'ru' }, { criteria: [{ id: 'a', weight: 30 }, { id: 'b' }], lang: 'ru', x: true })).toEqual([
      { path: 'criteria[0].weight', before: 40, after: 30 },
      { path: 'criteria[1]', before: null, after: { id: 'b' } },
      { path: 'x', before: null, after: true },
    ]);
  });
});

describe('previewSettings', () => {
  it('shows the counts before and after and every account that moves, and writes nothing', async () => {
    const preview = await previewSettings({ storage, installationId, draft: stricterKey, ...base });
    if (!preview.ok) throw preview.error;
    const { counts, moves, ruleVersion } = preview.value;
    expect(ruleVersion.before).not.toBe(ruleVersion.after);
    expect(Object.values(counts.before).reduce((a, b) => a + b, 0)).toBe(7);
    expect(Object.values(counts.after).reduce((a, b) => a + b, 0)).toBe(7);
    expect(moves.length).toBeGreaterThan(0);
    for (const move of moves) {
      expect(move.from).not.toBe(move.to);
      // Only the tier bars changed: the scores stay, and no criterion's points moved.
      expect(move.scoreAfter).toBe(move.scoreBefore);
      expect(move.mainChange?.pointsAfter).toBe(move.mainChange?.pointsBefore);
    }
    expect(counts.after.key).toBe(counts.before.key! - moves.filter((m) => m.from === 'key').length);
    expect(await storage.evaluations.latestRun(installationId)).toBeNull();
    expect(await settingsHistory({ storage, installationId })).toEqual([]);
    expect((await storage.installations.get(installationId))?.settings).toEqual({ bitrix24: SLOT, lang: 'en' });
  });

  it('names the criterion whose points changed most', async () => {
    const heavierIndustry = { criteria: DEFAULT_CRITERIA.criteria.map((c) => (c.id === 'industry' ? { ...c, weight: 60 } : c)) };
    const preview = await previewSettings({ storage, installationId, draft: heavierIndustry, ...base });
    if (!preview.ok) throw preview.error;
    expect(preview.value.moves.length).toBeGreaterThan(0);
    for (const move of preview.value.moves) expect(move.mainChange?.criterion).toBe('industry');
  });

  it('refuses a draft that does not validate, naming the path, and writes nothing', async () => {
    const preview = await previewSettings({ storage, installationId, draft: { criteria: [{ id: 'x', metric: 'revenue12m', weight: 'heavy', scale: { type: 'percentile' } }] }, ...base });
    expect(preview.ok).toBe(false);
    if (preview.ok) return;
    expect(preview.error).toMatchObject({ code: 'INPUT_INVALID', status: 400 });
    expect(preview.error.message).toContain('criteria[0].weight: expected number');
  });
});

describe('saveSettings', () => {
  it('stores the document and a history entry with who, when, the diff and both rule versions; keeps the connector slot', async () => {
    const saved = await saveSettings({ storage, installationId, draft: { hysteresis: 2, lang: 'ru' }, actor: { id: '1', name: 'Anna' }, defaultLang: 'en', now: () => new Date('2026-11-27T18:00:00Z') });
    if (!saved.ok) throw saved.error;
    expect(saved.value.version).toBe(1);
    expect(saved.value.change).toMatchObject({
      version: 1,
      changedAt: '2026-11-27T18:00:00.000Z',
      actor: { id: '1', name: 'Anna' },
      ruleVersion: saved.value.ruleVersion,
      diff: [{ path: 'hysteresis', before: 5, after: 2 }, { path: 'lang', before: 'en', after: 'ru' }],
    });
    expect(saved.value.change?.previousRuleVersion).not.toBe(saved.value.ruleVersion);
    const stored = (await storage.installations.get(installationId))?.settings;
    expect(stored?.bitrix24).toEqual(SLOT);
    expect(readSettings((await storage.installations.get(installationId))!, 'en')).toMatchObject({ lang: 'ru', criteria: { hysteresis: 2 } });
    expect((await settingsHistory({ storage, installationId })).map((c) => c.version)).toEqual([1]);
  });

  it('saves nothing when the draft does not validate, or changes nothing, or is stale', async () => {
    const bad = await saveSettings({ storage, installationId, draft: { hysteresis: 2, tiers: [{ id: 'only', minScore: 10 }] }, actor: { id: '1' }, defaultLang: 'en' });
    expect(!bad.ok && bad.error.message).toBe('tiers[0].minScore: the last tier must have minScore 0 so every account gets a tier');
    const same = await saveSettings({ storage, installationId, draft: { hysteresis: 5 }, actor: { id: '1' }, defaultLang: 'en' });
    expect(same.ok && same.value).toMatchObject({ change: null, version: 0 });
    expect(await settingsHistory({ storage, installationId })).toEqual([]);
    expect((await storage.installations.get(installationId))?.settings).toEqual({ bitrix24: SLOT, lang: 'en' });
    await saveSettings({ storage, installationId, draft: { hysteresis: 1 }, actor: { id: '1' }, defaultLang: 'en' });
    const stale = await saveSettings({ storage, installationId, draft: { hysteresis: 3 }, actor: { id: '2' }, defaultLang: 'en', expectedVersion: 0 });
    expect(!stale.ok && stale.error.code).toBe('CONFLICT');
  });

  it('is exactly what the preview showed: the next evaluation on the same day moves the previewed accounts', async () => {
    const stored = () => storage.installations.get(installationId).then((inst) => readSettings(inst!, 'en'));
    const run = async () => {
      const settings = await stored();
      return evaluateInstallation({ storage, installationId, asOf: AS_OF, criteria: settings.criteria, rules: settings.rules, lang: settings.lang, traits: TRAITS });
    };
    const first = await run();
    const preview = await previewSettings({ storage, installationId, draft: stricterKey, ...base });
    if (!preview.ok) throw preview.error;
    const saved = await saveSettings({ storage, installationId, draft: stricterKey, actor: { id: '1' }, defaultLang: 'en' });
    expect(saved.ok).toBe(true);
    const second = await run();
    const tiersOf = (outcome: typeof first) => new Map(outcome.evaluation.accounts.map((a) => [a.id, a.tier]));
    const [before, after] = [tiersOf(first), tiersOf(second)];
    const moved = [...after].filter(([id, tier]) => before.get(id) !== tier).map(([id, tier]) => ({ accountId: id, from: before.get(id), to: tier }));
    expect(preview.value.moves.map(({ accountId, from, to }) => ({ accountId, from, to }))).toEqual(moved);
    const counts: Record<string, number> = { key: 0, develop: 0, standard: 0 };
    for (const tier of after.values()) counts[tier] = (counts[tier] ?? 0) + 1;
    expect(preview.value.counts.after).toEqual(counts);
    expect(second.evaluation.ruleVersion).toBe(preview.value.ruleVersion.after);
    // The demo reports the same moves from the stored runs.
    expect(tierChanges(before, await latestTiers(storage, installationId))).toEqual(
      [...moved].sort((a, b) => (a.accountId < b.accountId ? -1 : 1)),
    );
  });

  it('reports tier changes against the tiers held before; a first evaluation comes from no tier', () => {
    expect(tierChanges(new Map([['a', 'key'], ['b', 'develop']]), new Map([['a', 'key'], ['b', 'key'], ['c', 'standard']]))).toEqual([
      { accountId: 'b', from: 'develop', to: 'key' },
      { accountId: 'c', from: null, to: 'standard' },
    ]);
  });

  it('checks a criteria file as a draft before any installation exists', () => {
    expect(validateDraft({ criteria: DEFAULT_CRITERIA.criteria, tiers: DEFAULT_CRITERIA.tiers, hysteresis: 3 }, 'en').ok).toBe(true);
    const bad = validateDraft({ criteria: [{ id: 'p', metric: 'field:p', weight: '40', scale: { type: 'linear', min: 0, max: 1 } }] }, 'en');
    expect(!bad.ok && bad.error.message).toBe('criteria[0].weight: expected number');
    expect(validateDraft([1, 2], 'en').ok).toBe(false);
  });
});

describe('the demo\'s --criteria FILE', () => {
  const run = async () => {
    const settings = readSettings((await storage.installations.get(installationId))!, 'en');
    await evaluateInstallation({ storage, installationId, asOf: AS_OF, criteria: settings.criteria, rules: settings.rules, lang: settings.lang, traits: TRAITS });
  };

  it('goes through preview and save, and the next pass moves exactly the previewed accounts', async () => {
    await run();
    const pass1 = await passTierChanges(storage, installationId, new Map());
    expect(pass1.tierChanges).toHaveLength(7);
    expect(pass1.tierChanges.every((change) => change.from === null)).toBe(true);
    const preview = await applySettingsDraft({ storage, installationId, draft: stricterKey, ...base });
    expect((await settingsHistory({ storage, installationId })).map((c) => [c.version, c.actor.id, c.ruleVersion])).toEqual([[1, 'kam-demo', preview.ruleVersion]]);
    await run();
    const pass2 = await passTierChanges(storage, installationId, pass1.tiers);
    expect(pass2.ruleVersion).toBe(preview.ruleVersion);
    expect(pass2.tierChanges).toEqual(preview.moves);
    expect(preview.moves.length).toBeGreaterThan(0);
  });

  it('refuses a draft that does not validate before saving anything, naming the path', async () => {
    await expect(applySettingsDraft({ storage, installationId, draft: { criteria: [{ id: 'p', weight: 1 }] }, ...base })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('criteria[0].metric'),
    });
    expect(await settingsHistory({ storage, installationId })).toEqual([]);
  });
});

describe('metric catalogue for the settings page', () => {
  it('lists every metric a criterion may read, named in both languages, and each one validates', () => {
    const catalog = metricCatalog();
    expect(catalog.find((m) => m.metric === 'potentialForecast3y')).toEqual({
      metric: 'potentialForecast3y', name: { ru: 'Прогноз потенциала за 3 года', en: 'Potential forecast over 3 years' }, unit: 'money', kind: 'kpi',
    });
    expect(catalog.find((m) => m.metric === 'field:potential3y')?.name).toEqual({ ru: 'Потенциал за 3 года', en: 'Potential over 3 years' });
    expect(catalog.find((m) => m.metric === 'quarter.winRate')?.unit).toBe('percent');
    const config = { ...DEFAULT_CRITERIA, lang: 'en', criteria: catalog.map((m, i) => ({ id: `c${i}`, metric: m.metric, weight: 1, scale: { type: 'percentile' } })) };
    expect(parseSettingsDocument(config).ok).toBe(true);
    for (const m of catalog) expect(m.name.ru).not.toMatch(/\{value\}|^\w+:/);
  });
});

describe('the settings page calls (src/http/settings-page.ts)', () => {
  const connectors = { bitrix24: { traits: { ...TRAITS, defaultFieldMap: { potential3y: 'UF_CRM_POTENTIAL' } } } } as unknown as CrmRegistry;
  const page = (afterSave: (id: string) => void) => settingsPageUseCases({ storage, connectors, defaultLang: 'en', afterSave, now: () => new Date(`${AS_OF}T12:00:00Z`) });
  const caller = async (crm: 'bitrix24' | 'amocrm' = 'bitrix24'): Promise<PageCaller> => ({
    crm, installation: { ...(await storage.installations.get(installationId))!, crm }, lang: 'ru', isAdmin: async () => true, userId: async () => '12',
  });

  it('views, previews, saves (then runs the cycle once) and lists the history in the page\'s shapes', async () => {
    const runs: string[] = [];
    const settings = page((id) => void runs.push(id));
    const view = await settings.view(await caller());
    expect(view).toMatchObject({ ruleVersion: expect.any(String), settings: { hysteresis: 5, fieldMap: { potential3y: 'UF_CRM_POTENTIAL' } } });
    // Never saved: the criteria as installed (the page names them so, the hash is only a tooltip).
    expect(view.rules).toEqual({ version: view.ruleVersion, savedAt: null });
    expect(view.metrics.find((m) => m.metric === 'potentialForecast3y')?.label).toBe('Прогноз потенциала за 3 года');
    // Every input of the field mapping by its name, none by its key (contractEnd is no metric of its own).
    const mapped = settingsPageUseCases({ storage, defaultLang: 'en', connectors: { bitrix24: { traits: { ...TRAITS, defaultFieldMap: { potential3y: 'P', contractEnd: 'C' } } } } as unknown as CrmRegistry });
    expect((await mapped.view(await caller())).inputs).toEqual([{ id: 'potential3y', label: 'Потенциал за 3 года' }, { id: 'contractEnd', label: 'Окончание договора' }]);
    const preview = await settings.preview(await caller(), { ...stricterKey, fieldMap: { potential3y: 'UF_CRM_POTENTIAL' } });
    if (!preview.ok) throw preview.error;
    expect(preview.value.moves[0]).toMatchObject({ reason: expect.any(String) });
    const saved = await settings.save(await caller(), { ...stricterKey, fieldMap: { potential3y: 'UF_CRM_POTENTIAL' } });
    // Named by the save's own moment (the use case's clock).
    expect(saved.ok && saved.value).toEqual({ ruleVersion: preview.value.ruleVersion, rules: { version: preview.value.ruleVersion, savedAt: `${AS_OF}T12:00:00.000Z` }, moved: preview.value.moves.length });
    expect((await settings.view(await caller())).rules).toEqual({ version: preview.value.ruleVersion, savedAt: `${AS_OF}T12:00:00.000Z` });
    expect(runs).toEqual([installationId]);
    // The connector's default mapping is shown, not stored: only what differs from it is saved.
    expect(readSettings((await storage.installations.get(installationId))!, 'en').fieldMap).toEqual({});
    const [change, ...older] = await settings.history(await caller());
    expect(older).toEqual([]);
    // User 12 is not in the CRM's user list (no reference read yet): said so, never shown by the id.
    expect(change).toMatchObject({ by: { id: '12', name: 'сотрудник, которого нет в CRM' }, ruleVersion: preview.value.ruleVersion });
    expect(change?.changes).toEqual(expect.arrayContaining([{ path: 'tiers.0.minScore', label: 'Ключевой клиент: мин. балл', before: 70, after: 80, beforeText: '70', afterText: '80' }]));
    expect((await settingsHistory({ storage, installationId }))[0]?.actor.id).toBe('12');
  });

  it('returns each fault keyed by its dot path for the editors, and saves and runs nothing', async () => {
    const runs: string[] = [];
    const settings = page((id) => void runs.push(id));
    const saved = await settings.save(await caller(), { criteria: [{ id: 'p', metric: 'field:p', weight: -2, scale: { type: 'linear', min: 0, max: 1 } }], summaryPeriod: 'week' });
    expect(saved.ok).toBe(false);
    if (saved.ok) return;
    // In the caller's language (ru here), never the engine's English, which stays in the error's message.
    expect(saved.error.details.fields).toEqual({
      'criteria.0.weight': 'Не меньше 0.',
      summaryPeriod: 'Выберите одно из предложенных значений.',
    });
    expect(saved.error.message).toContain('criteria[0].weight: expected number >= 0');
    expect(runs).toEqual([]);
    expect(await settingsHistory({ storage, installationId })).toEqual([]);
  });

  it('shows each industry\'s points by its name in the reader\'s language; an edit moves the preview and saving round-trips', async () => {
    const settings = page(() => undefined);
    const view = await settings.view(await caller());
    const values = view.metrics.find((m) => m.metric === 'industry')?.values ?? [];
    expect(values).toEqual(expect.arrayContaining([{ id: 'MANUFACTURING', label: 'Производство' }, { id: 'GOVERNMENT', label: 'Государственные учреждения' }]));
    const industryIndex = view.settings.criteria.findIndex((c) => c.metric === 'industry');
    const scale = view.settings.criteria[industryIndex]!.scale;
    if (scale.type !== 'map') throw new Error('the default industry criterion has a map scale');
    // Every code the saved points name is offered under a name, none by its code alone.
    for (const code of Object.keys(scale.values)) expect(values.find((v) => v.id === code)?.label).toMatch(/^[А-Яа-яЁё]/);
    expect((await settings.view({ ...(await caller()), lang: 'en' })).metrics.find((m) => m.metric === 'industry')?.values).toEqual(expect.arrayContaining([{ id: 'ENERGY', label: 'Energy' }]));
    // Construction (six of the seven accounts) from 1 to 0 points, with the industry weighted up.
    const criteria = view.settings.criteria.map((c, i) => (i === industryIndex ? { ...c, weight: 60, scale: { ...scale, values: { ...scale.values, CONSTRUCTION: 0 } } } : c));
    const draft = { criteria, fieldMap: { potential3y: 'UF_CRM_POTENTIAL' } };
    const preview = await settings.preview(await caller(), draft);
    if (!preview.ok) throw preview.error;
    const unchangedPoints = await settings.preview(await caller(), { ...draft, criteria: view.settings.criteria.map((c, i) => (i === industryIndex ? { ...c, weight: 60 } : c)) });
    if (!unchangedPoints.ok) throw unchangedPoints.error;
    expect(preview.value.ruleVersion).not.toBe(unchangedPoints.value.ruleVersion);
    expect(preview.value.counts.after).not.toEqual(unchangedPoints.value.counts.after);
    expect((await settings.save(await caller(), draft)).ok).toBe(true);
    const reread = (await settings.view(await caller())).settings.criteria[industryIndex]!.scale;
    expect(reread).toEqual({ ...scale, values: { ...scale.values, CONSTRUCTION: 0 } });
    const [change] = await settings.history({ ...(await caller()), lang: 'en' });
    expect(change?.changes).toEqual(expect.arrayContaining([
      { path: `criteria.${industryIndex}.scale.values.CONSTRUCTION`, label: 'Industry: points per value (0–1), Construction', before: 1, after: 0, beforeText: '1', afterText: '0' },
    ]));
  });

  it('names every history path as people read it, in both languages', async () => {
    const read = await readSettingsDocument({ storage, installationId, defaultLang: 'en' });
    if (!read.ok) throw read.error;
    const doc = read.value.document;
    const named = (path: string, lang: 'ru' | 'en') => describeSettingsPath(path, doc, lang);
    expect(named('criteria.0.weight', 'ru')).toBe('Потенциал за 3 года: вес');
    expect(named('criteria.0.weight', 'en')).toBe('Potential over 3 years: weight');
    expect(named('criteria.1.scale.max', 'en')).toBe('Revenue over the last 12 months: target');
    expect(named('rules.rules.potentialEstimate.minForecast', 'ru')).toBe('Запросить оценку потенциала: мин. прогноз на 3 года');
    expect(named('rules.rules.noContact.enabled', 'en')).toBe('No recent contact: on');
    expect(named('rules.maxNewTasksPerOwnerPerDay', 'en')).toBe('At most new tasks per owner per day');
    expect(named('fieldMap.margin', 'en')).toMatch(/^CRM fields: margin/);
    expect(named('tiers.1.label', 'ru')).toBe('Развитие: название');
    expect(named('summaryPeriod', 'ru')).toBe('Период сводки KPI');
    expect(named('criteria.9.weight', 'en')).toBe('Potential criteria 10: weight');
    for (const lang of ['ru', 'en'] as const) expect(named('somethingNew.x', lang)).not.toContain('somethingNew');
    // An input no criterion reads (contractEnd) by the name of the field the app adds to the CRM, never its key.
    expect(named('fieldMap.contractEnd', 'ru')).toBe('Поля CRM: окончание договора');
    expect(named('fieldMap.contractEnd', 'en')).toBe('CRM fields: contract end');
  });

  it('refuses a preview for a CRM this server has no connector for', async () => {
    const preview = await page(() => undefined).preview(await caller('amocrm'), stricterKey);
    expect(!preview.ok && preview.error.code).toBe('CRM_UNAVAILABLE');
  });
});
