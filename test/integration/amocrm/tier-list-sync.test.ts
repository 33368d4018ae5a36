import type { DemoRun } from '../../../src/app/demo/run-demo';
import type { RunningAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import { amocrmDemoDriver } from '../../../src/sandbox/demo/amocrm.demo-driver';
import { CHANGED_TIERS, countLabels, expectedLabelCounts, expectQuietRerun, saveChangedTiers, startTierDemo } from '../fixtures/tier-change';

/**
 * Tiers saved on the settings page reach the account's KAM_TIER select field: a renamed tier
 * (key -> strategic), an added one (watch) and a relabelled one (develop) become enums, every
 * company's value is a configured tier's new label, and the next cycle neither runs setup nor
 * rewrites a field.
 */
jest.setTimeout(120_000);

interface Enum { id: number; value: string; code?: string }
interface State {
  customFields: { companies: Array<{ code: string | null; enums: Enum[] | null }> };
  companies: Array<{ id: number; is_deleted: boolean; KAM_TIER: { value: string | null; enum_id: number | null } | null }>;
}

let demo: DemoRun<RunningAmoCrmSandbox>;
const state = async () => (await demo.crm.state()) as unknown as State;
const tierEnums = async () => (await state()).customFields.companies.find((field) => field.code === 'KAM_TIER')?.enums ?? [];

beforeAll(async () => {
  demo = await startTierDemo(amocrmDemoDriver, { companies: 50, deals: 500 });
});

afterAll(async () => {
  await demo?.close();
});

it('updates the tier enums after a tier change, every company shows its new tier label, and a re-run changes nothing', async () => {
  const before = new Map((await tierEnums()).map((item) => [item.code, item.id]));
  expect([...before.keys()].sort()).toEqual(['DEVELOP', 'KEY', 'STANDARD']);
  const { lang, first } = await saveChangedTiers(demo);

  const enums = await tierEnums();
  const byCode = new Map(enums.map((item) => [item.code, item]));
  // Existing enums keep their ids (the values companies hold stay valid); the old KEY enum stays.
  expect(byCode.get('DEVELOP')?.id).toBe(before.get('DEVELOP'));
  expect(byCode.get('KEY')?.id).toBe(before.get('KEY'));
  for (const tier of CHANGED_TIERS) expect(byCode.get(tier.id.toUpperCase())?.value).toBe(tier.label[lang]);

  const companies = (await state()).companies.filter((company) => !company.is_deleted);
  expect(companies).toHaveLength(50);
  expect(countLabels(companies.map((company) => String(company.KAM_TIER?.value)))).toEqual(expectedLabelCounts(first, lang));

  await expectQuietRerun(demo);
  expect(await tierEnums()).toEqual(enums);
});
