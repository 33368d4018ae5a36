import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo, type DemoRun } from '../../../src/app/demo/run-demo';
import { readSettingsDocument, saveSettings } from '../../../src/app/settings/save-settings';
import { DEFAULT_CRITERIA } from '../../../src/core/scoring/default-criteria';
import { createSilentLogger } from '../../../src/logging/logger';
import type { RunningAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import { amocrmDemoDriver } from '../../../src/sandbox/demo/amocrm.demo-driver';

/**
 * Tiers saved on the settings page reach the account's KAM_TIER select field: a renamed tier
 * (key -> strategic), an added one (watch) and a relabelled one (develop) become enums, every
 * company's value is a configured tier's new label, and the next cycle neither runs setup nor
 * rewrites a field.
 */
jest.setTimeout(120_000);

const TIERS = [
  { id: 'strategic', minScore: 70, label: { en: 'Strategic', ru: 'Стратегический' } },
  { id: 'develop', minScore: 45, label: { en: 'Grow', ru: 'Рост' } },
  { id: 'watch', minScore: 25, label: { en: 'Watch', ru: 'Наблюдение' } },
  { id: 'standard', minScore: 0, label: { en: 'Standard', ru: 'Стандартный' } },
];

interface Enum { id: number; value: string; code?: string }
interface State {
  customFields: { companies: Array<{ code: string | null; enums: Enum[] | null }> };
  companies: Array<{ id: number; is_deleted: boolean; KAM_TIER: { value: string | null; enum_id: number | null } | null }>;
}

let demo: DemoRun<RunningAmoCrmSandbox>;
const state = async () => (await demo.crm.state()) as unknown as State;
const tierEnums = async () => (await state()).customFields.companies.find((field) => field.code === 'KAM_TIER')?.enums ?? [];
const asOf = () => String(demo.sandbox.anchorDate);

beforeAll(async () => {
  demo = await runDemo({ driver: amocrmDemoDriver, companies: 50, contacts: 100, deals: 500, seed: 5, passes: 1, changes: 0, dataDir: join(mkdtempSync(join(tmpdir(), 'kam-amo-tiers-')), 'data'), logger: createSilentLogger() });
});

afterAll(async () => {
  await demo?.close();
});

it('updates the tier enums after a tier change, every company shows its new tier label, and a re-run changes nothing', async () => {
  const { storage } = demo.runtime;
  const before = new Map((await tierEnums()).map((item) => [item.code, item.id]));
  expect([...before.keys()].sort()).toEqual(['DEVELOP', 'KEY', 'STANDARD']);
  const doc = await readSettingsDocument({ storage, installationId: demo.installationId, defaultLang: 'ru' });
  const lang = doc.ok ? doc.value.document.lang : 'ru';
  const saved = await saveSettings({ storage, installationId: demo.installationId, draft: { ...DEFAULT_CRITERIA, tiers: TIERS }, actor: { id: '1' }, defaultLang: 'ru' });
  expect(saved.ok).toBe(true);

  const first = await demo.runtime.app.runCycle(demo.installationId, 'incremental', { asOf: asOf() });
  expect(first.api.byPhase.setup).toBeGreaterThan(0);
  const enums = await tierEnums();
  const byCode = new Map(enums.map((item) => [item.code, item]));
  // Existing enums keep their ids (the values companies hold stay valid); the old KEY enum stays.
  expect(byCode.get('DEVELOP')?.id).toBe(before.get('DEVELOP'));
  expect(byCode.get('KEY')?.id).toBe(before.get('KEY'));
  for (const tier of TIERS) expect(byCode.get(tier.id.toUpperCase())?.value).toBe(tier.label[lang]);

  const companies = (await state()).companies.filter((company) => !company.is_deleted);
  expect(companies).toHaveLength(50);
  const shown: Record<string, number> = {};
  for (const company of companies) {
    const value = String(company.KAM_TIER?.value);
    shown[value] = (shown[value] ?? 0) + 1;
  }
  const expected = Object.fromEntries(Object.entries(first.tiers).map(([id, n]) => [String(TIERS.find((tier) => tier.id === id)?.label[lang]), n]));
  expect(shown).toEqual(expected);

  const second = await demo.runtime.app.runCycle(demo.installationId, 'incremental', { asOf: asOf() });
  expect(second.api.byPhase.setup).toBe(0);
  expect(second.writes.fields).toBe(0);
  expect(await tierEnums()).toEqual(enums);
});
