import { randomBytes } from 'node:crypto';
import { writeBack } from '../../../src/app/write-back';
import { DEFAULT_CRITERIA, evaluatePortfolio } from '../../../src/core/engine';
import type { CommentWrite, CrmWriter } from '../../../src/core/ports/crm-writer.port';
import type { Storage } from '../../../src/core/ports/storage.port';
import type { Granularity } from '../../../src/core/model/periods';
import { createSilentLogger } from '../../../src/logging/logger';
import { createStorage } from '../../../src/storage';
import { account, snapshot, won } from '../core/portfolio-fixture';

/** The KPI summary follows the settings' `summaryPeriod`: once per period and account, never twice. */
describe('write-back: the KPI summary per summaryPeriod', () => {
  let storage: Storage;
  const portfolio = (asOf: string) => snapshot({
    asOf,
    accounts: [account('c1', { fields: { potential3y: 60_000_000 } })],
    deals: [won('c1', '2026-10-05', 1_500_000), won('c1', '2026-07-05', 900_000), won('c1', '2025-10-05', 1_000_000)],
  });
  const ALL_TIERS = DEFAULT_CRITERIA.tiers.map((tier) => tier.id);

  function recordingWriter(comments: CommentWrite[]): CrmWriter {
    const none = { done: [], failed: [], unknown: [] };
    return {
      writeFields: async (writes) => ({ ...none, done: writes.map((write) => write.accountId) }),
      addComments: async (writes) => {
        comments.push(...writes);
        return { ...none, done: writes.map((write, i) => ({ key: write.key, crmId: `n${comments.length + i}` })) };
      },
      findComments: async () => ({ found: new Map(), unresolved: new Set() }),
      createTodos: async () => none,
      findTodos: async () => ({ found: new Map(), unresolved: new Set() }),
      closeTodos: async () => none,
    } as CrmWriter;
  }

  async function runs(period: Granularity, days: string[]): Promise<CommentWrite[][]> {
    const installation = await storage.installations.upsert({ crm: 'bitrix24', externalId: `m-${period}-${randomBytes(4).toString('hex')}`, domain: 'x.bitrix24.ru', settings: {} });
    const out: CommentWrite[][] = [];
    for (const asOf of days) {
      const comments: CommentWrite[] = [];
      const evaluation = evaluatePortfolio(portfolio(asOf), DEFAULT_CRITERIA, { lang: 'en' });
      await writeBack({
        storage, installationId: installation.id, writer: recordingWriter(comments), evaluation, plan: { create: [], close: [], skipped: [] },
        criteria: DEFAULT_CRITERIA, lang: 'en', summaryTiers: ALL_TIERS, summaryPeriod: period, logger: createSilentLogger(),
      });
      out.push(comments);
    }
    return out;
  }

  beforeAll(async () => {
    storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
  });
  afterAll(() => storage.close());

  // The engine's periods are the last complete ones as of the evaluation day: in October and
  // November that is Q3, on 31 January it is Q4.
  it('quarter: one summary in October, none again in November (same quarter), the next in January', async () => {
    const [october, november, january] = await runs('quarter', ['2026-10-31', '2026-11-30', '2027-01-31']);
    expect(october).toHaveLength(1);
    expect(october?.[0]?.key).toBe('comment:company:c1:2026-Q3');
    const lines = october?.[0]?.text.split('\n') ?? [];
    expect(lines[0]).toBe('KAM Pilot · summary for Q3 2026');
    expect(lines[2]).toMatch(/^Revenue this quarter: /);
    expect(november).toEqual([]);
    expect(january?.map((comment) => comment.key)).toEqual(['comment:company:c1:2026-Q4']);
  });

  it('month (the default) writes a summary each month, keyed as before', async () => {
    const [october, november] = await runs('month', ['2026-10-31', '2026-11-30']);
    expect(october?.map((comment) => comment.key)).toEqual(['comment:company:c1:2026-10']);
    expect(november?.map((comment) => comment.key)).toEqual(['comment:company:c1:2026-11']);
    expect(november?.[0]?.text).toMatch(/\nRevenue this month: /);
  });
});
