import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo, type DemoRun } from '../../../src/app/demo/run-demo';
import { DEFAULT_CRITERIA } from '../../../src/core/engine';
import type { RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { bitrix24DemoDriver } from '../../../src/sandbox/demo/bitrix24.demo-driver';
import { createSilentLogger } from '../../../src/logging/logger';
import { carriesMarker } from '../../../src/core/ports/crm-writer.port';

/**
 * Issue 10's demo contract against the Bitrix24 sandbox: a criteria file applied after pass 1
 * through the settings preview and save moves exactly the previewed accounts in pass 2 and
 * leaves the CRM's tier fields as the preview counted; a fresh portal gets its input fields and
 * still finds key accounts, by forecast.
 */
jest.setTimeout(120_000);

const SIZE = { companies: 150, contacts: 300, deals: 2000 };
/** The acceptance run's shape (10 deals a company), smaller. */
const FRESH = { companies: 400, contacts: 800, deals: 4000 };
const dataDir = () => join(mkdtempSync(join(tmpdir(), 'kam-settings-demo-')), 'data');

/** Companies per tier as the CRM's tier field holds them (enumeration item id -> XML_ID). */
function crmTierCounts(demo: DemoRun<RunningBitrix24Sandbox>): Record<string, number> {
  const state = demo.sandboxHandle.state();
  const field = state.userFields.find((f) => f.fieldName === 'UF_CRM_KAM_TIER');
  const xml = new Map((field?.list ?? []).map((item) => [String(item.ID), item.XML_ID.toLowerCase()]));
  const counts: Record<string, number> = {};
  for (const company of state.companies) {
    const tier = xml.get(String(company.fields.UF_CRM_KAM_TIER)) ?? 'none';
    counts[tier] = (counts[tier] ?? 0) + 1;
  }
  return counts;
}

describe('kam demo --criteria FILE', () => {
  let demo: DemoRun<RunningBitrix24Sandbox>;
  const draft = { ...DEFAULT_CRITERIA, tiers: [{ id: 'key', minScore: 55 }, { id: 'develop', minScore: 30 }, { id: 'standard', minScore: 0 }] };
  beforeAll(async () => {
    demo = await runDemo({ driver: bitrix24DemoDriver, ...SIZE, seed: 3, passes: 2, changes: 0, settingsDraft: draft, dataDir: dataDir(), logger: createSilentLogger() });
  });
  afterAll(() => demo?.close());

  it('moves in pass 2 exactly the accounts the preview showed, with the previewed rule version', () => {
    const preview = demo.preview!;
    expect(preview.moves.length).toBeGreaterThan(0);
    expect(demo.passes[1]?.tierChanges).toEqual(preview.moves);
    expect(demo.passes[1]?.ruleVersion).toBe(preview.ruleVersion);
    expect(demo.passes[0]?.ruleVersion).not.toBe(preview.ruleVersion);
    expect(preview.counts.before).toEqual(demo.passes[0]?.tiers);
  });

  it('leaves the CRM tier fields as the preview counted, and records the change in the settings history', async () => {
    const after = Object.fromEntries(Object.entries(demo.preview!.counts.after).filter(([, n]) => n > 0));
    expect(crmTierCounts(demo)).toEqual(after);
    const history = await demo.runtime.storage.settingsHistory.list(demo.installationId);
    expect(history.map((c) => [c.version, c.ruleVersion])).toEqual([[1, demo.preview!.ruleVersion]]);
    expect(history[0]?.diff).toContainEqual({ path: 'tiers[0].minScore', before: 70, after: 55 });
  });
});

describe('kam demo --fresh-portal', () => {
  let demo: DemoRun<RunningBitrix24Sandbox>;
  beforeAll(async () => {
    demo = await runDemo({ driver: bitrix24DemoDriver, ...FRESH, seed: 11, passes: 1, changes: 0, freshPortal: true, dataDir: dataDir(), logger: createSilentLogger() });
  });
  afterAll(() => demo?.close());

  it('creates the input fields, tiers every company by forecast, and asks for potential estimates within the cap', async () => {
    const state = demo.sandboxHandle.state();
    expect(state.userFields.map((f) => f.fieldName)).toEqual(expect.arrayContaining(['UF_CRM_POTENTIAL_3Y', 'UF_CRM_MARGIN', 'UF_CRM_SATISFACTION']));
    const counts = crmTierCounts(demo);
    expect(counts.none).toBeUndefined();
    expect(counts.key ?? 0).toBeGreaterThan(0);
    expect(counts.develop ?? 0).toBeGreaterThan(counts.key ?? 0);
    const askKeys = (await demo.runtime.storage.taskLedger.list(demo.installationId)).map((entry) => entry.dedupKey).filter((key) => key.startsWith('potential-estimate:'));
    const asks = state.activities.filter((activity) => askKeys.some((key) => carriesMarker(activity.description, key)));
    for (const ask of asks) expect(ask.description).not.toContain('[kam:');
    expect(asks.length).toBeGreaterThan(0);
    expect(asks.length).toBeLessThanOrEqual(FRESH.companies / 5);
  });
});
