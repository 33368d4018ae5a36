import type { DemoRun } from '../../../src/app/demo/run-demo';
import type { RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { bitrix24DemoDriver } from '../../../src/sandbox/demo/bitrix24.demo-driver';
import { CHANGED_TIERS, countLabels, expectedLabelCounts, expectQuietRerun, saveChangedTiers, startTierDemo } from '../fixtures/tier-change';

/**
 * Tiers saved on the settings page reach the portal's tier field: a renamed tier (key ->
 * strategic), an added one (watch) and a relabelled one (develop) appear in the UF_CRM_KAM_TIER
 * list, every company carries an item of a configured tier with its new label, and the next
 * cycle neither runs setup nor rewrites a field.
 */
jest.setTimeout(120_000);

let demo: DemoRun<RunningBitrix24Sandbox>;
const tierField = () => demo.sandboxHandle.state().userFields.find((field) => field.entityId === 'CRM_COMPANY' && field.fieldName === 'UF_CRM_KAM_TIER');

beforeAll(async () => {
  demo = await startTierDemo(bitrix24DemoDriver, { companies: 60, deals: 700 });
});

afterAll(async () => {
  await demo?.close();
});

it('relists the tier field after a tier change, every company shows its new tier label, and a re-run changes nothing', async () => {
  const before = new Map((tierField()?.list ?? []).map((item) => [item.XML_ID, item.ID]));
  expect([...before.keys()].sort()).toEqual(['DEVELOP', 'KEY', 'STANDARD']);
  const { lang, first } = await saveChangedTiers(demo);

  const list = tierField()?.list ?? [];
  const byXml = new Map(list.map((item) => [item.XML_ID, item]));
  // Existing items keep their IDs (the values companies hold stay valid); the old KEY item stays.
  expect(byXml.get('DEVELOP')?.ID).toBe(before.get('DEVELOP'));
  expect(byXml.get('KEY')?.ID).toBe(before.get('KEY'));
  for (const tier of CHANGED_TIERS) expect(byXml.get(tier.id.toUpperCase())?.VALUE).toBe(tier.label[lang]);

  const labelOf = new Map(list.map((item) => [item.ID, item.VALUE]));
  const configured = new Set(CHANGED_TIERS.map((tier) => tier.label[lang]));
  const companies = demo.sandboxHandle.state().companies;
  expect(companies.length).toBeGreaterThanOrEqual(60);
  const labels = companies.map((company) => String(labelOf.get(String(company.fields.UF_CRM_KAM_TIER))));
  for (const label of labels) expect(configured.has(label)).toBe(true);
  expect(countLabels(labels)).toEqual(expectedLabelCounts(first, lang));

  await expectQuietRerun(demo);
  expect(tierField()?.list).toEqual(list);
});
