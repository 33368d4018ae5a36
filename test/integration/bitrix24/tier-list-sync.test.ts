import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo, type DemoRun } from '../../../src/app/demo/run-demo';
import { readSettingsDocument, saveSettings } from '../../../src/app/settings/save-settings';
import { DEFAULT_CRITERIA } from '../../../src/core/scoring/default-criteria';
import { createSilentLogger } from '../../../src/logging/logger';
import type { RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { bitrix24DemoDriver } from '../../../src/sandbox/demo/bitrix24.demo-driver';

/**
 * Tiers saved on the settings page reach the portal's tier field: a renamed tier (key ->
 * strategic), an added one (watch) and a relabelled one (develop) appear in the UF_CRM_KAM_TIER
 * list, every company carries an item of a configured tier with its new label, and the next
 * cycle neither runs setup nor rewrites a field.
 */
jest.setTimeout(120_000);

const TIERS = [
  { id: 'strategic', minScore: 70, label: { en: 'Strategic', ru: 'Стратегический' } },
  { id: 'develop', minScore: 45, label: { en: 'Grow', ru: 'Рост' } },
  { id: 'watch', minScore: 25, label: { en: 'Watch', ru: 'Наблюдение' } },
  { id: 'standard', minScore: 0, label: { en: 'Standard', ru: 'Стандартный' } },
];

let demo: DemoRun<RunningBitrix24Sandbox>;
const tierField = () => demo.sandboxHandle.state().userFields.find((field) => field.entityId === 'CRM_COMPANY' && field.fieldName === 'UF_CRM_KAM_TIER');
const asOf = () => String(demo.sandbox.anchorDate);

beforeAll(async () => {
  demo = await runDemo({ driver: bitrix24DemoDriver, companies: 60, contacts: 120, deals: 700, seed: 5, passes: 1, changes: 0, dataDir: join(mkdtempSync(join(tmpdir(), 'kam-b24-tiers-')), 'data'), logger: createSilentLogger() });
});

afterAll(async () => {
  await demo?.close();
});

it('relists the tier field after a tier change, every company shows its new tier label, and a re-run changes nothing', async () => {
  const { storage } = demo.runtime;
  const before = new Map((tierField()?.list ?? []).map((item) => [item.XML_ID, item.ID]));
  expect([...before.keys()].sort()).toEqual(['DEVELOP', 'KEY', 'STANDARD']);
  const doc = await readSettingsDocument({ storage, installationId: demo.installationId, defaultLang: 'ru' });
  const lang = doc.ok ? doc.value.document.lang : 'ru';
  const saved = await saveSettings({ storage, installationId: demo.installationId, draft: { ...DEFAULT_CRITERIA, tiers: TIERS }, actor: { id: '1' }, defaultLang: 'ru' });
  expect(saved.ok).toBe(true);

  const first = await demo.runtime.app.runCycle(demo.installationId, 'incremental', { asOf: asOf() });
  expect(first.api.byPhase.setup).toBeGreaterThan(0);
  const list = tierField()?.list ?? [];
  const byXml = new Map(list.map((item) => [item.XML_ID, item]));
  // Existing items keep their IDs (the values companies hold stay valid); the old KEY item stays.
  expect(byXml.get('DEVELOP')?.ID).toBe(before.get('DEVELOP'));
  expect(byXml.get('KEY')?.ID).toBe(before.get('KEY'));
  for (const tier of TIERS) expect(byXml.get(tier.id.toUpperCase())?.VALUE).toBe(tier.label[lang]);

  const labelOf = new Map(list.map((item) => [item.ID, item.VALUE]));
  const configured = new Set(TIERS.map((tier) => tier.label[lang]));
  const companies = demo.sandboxHandle.state().companies;
  expect(companies.length).toBeGreaterThanOrEqual(60);
  const shown: Record<string, number> = {};
  for (const company of companies) {
    const label = labelOf.get(String(company.fields.UF_CRM_KAM_TIER));
    expect(configured.has(String(label))).toBe(true);
    shown[String(label)] = (shown[String(label)] ?? 0) + 1;
  }
  const expected = Object.fromEntries(Object.entries(first.tiers).map(([id, n]) => [TIERS.find((tier) => tier.id === id)?.label[lang], n]));
  expect(shown).toEqual(expected);

  const second = await demo.runtime.app.runCycle(demo.installationId, 'incremental', { asOf: asOf() });
  expect(second.api.byPhase.setup).toBe(0);
  expect(second.writes.fields).toBe(0);
  expect(tierField()?.list).toEqual(list);
});
