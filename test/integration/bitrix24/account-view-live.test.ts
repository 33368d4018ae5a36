import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo, type DemoRun } from '../../../src/app/demo/run-demo';
import { createSilentLogger } from '../../../src/logging/logger';
import type { RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { bitrix24DemoDriver } from '../../../src/sandbox/demo/bitrix24.demo-driver';
import { createAccountPageView } from '../../../src/http/account-page-view';
import { toAccountPageView } from '../../../src/ui/account-view.mapper';
import type { SyncedCompany, SyncedDeal } from '../../../src/core/model/synced';

jest.setTimeout(120_000);

/** The card tab's view on live (synced) data, not fixtures: the deal, industry name, contract and owners. */
describe('account view on the Bitrix24 sandbox demo data', () => {
  let demo: DemoRun<RunningBitrix24Sandbox>;

  beforeAll(async () => {
    demo = await runDemo({ driver: bitrix24DemoDriver,
      companies: 20, contacts: 40, deals: 150, seed: 23, passes: 1, changes: 0,
      dataDir: join(mkdtempSync(join(tmpdir(), 'kam-view-')), 'data'), logger: createSilentLogger(),
    });
  });
  afterAll(async () => demo?.close());

  const all = async <K extends 'company' | 'deal'>(kind: K) => {
    const rows: Array<K extends 'company' ? SyncedCompany : SyncedDeal> = [];
    for await (const chunk of demo.runtime.storage.entities.iterate(demo.installationId, kind)) rows.push(...(chunk as typeof rows));
    return rows;
  };

  const page = async (request: { dealId?: string; accountId?: string }) => {
    const view = await demo.runtime.app.accountView({ installationId: demo.installationId, lang: 'en', ...request });
    return { view, page: toAccountPageView(view, { lang: 'en', today: '2026-11-27', criteria: [], tiers: [] }) };
  };

  it("shows the deal itself beside its account in the deal's card", async () => {
    const deals = await all('deal');
    const deal = deals.find((d) => d.companyId);
    if (!deal) throw new Error('the demo has no deal with a company');
    const { page: card } = await page({ dealId: deal.crmId });
    expect(card.deal).toMatchObject({ id: deal.crmId, title: deal.title, amount: deal.amount, currency: deal.currency });
    expect(card.account?.id).toBe(deal.companyId);
  });

  it('names the industry (not its code), and carries contract end and satisfaction as synced', async () => {
    const companies = await all('company');
    const company = companies.find((c) => c.industry === 'IT') ?? companies.find((c) => c.industry);
    if (!company?.industry) throw new Error('the demo has no company with an industry');
    const { page: card } = await page({ accountId: company.crmId });
    expect(card.account?.industry).toBeTruthy();
    expect(card.account?.industry).not.toBe(company.industry);
    expect(card.deal).toBeNull();
    const withContract = companies.find((c) => typeof c.fields.contractEnd === 'string' && c.fields.contractEnd !== '');
    if (!withContract) throw new Error('the demo synced no contract end');
    expect((await page({ accountId: withContract.crmId })).page.account?.contractEnd).toBe(String(withContract.fields.contractEnd).slice(0, 10));
    const satisfied = companies.find((c) => c.fields.satisfaction !== undefined && c.fields.satisfaction !== null && c.fields.satisfaction !== '');
    if (!satisfied) throw new Error('the demo synced no satisfaction');
    expect((await page({ accountId: satisfied.crmId })).page.account?.satisfaction).toBe(Number(satisfied.fields.satisfaction));
  });

  it('names the owner of each next step', async () => {
    const steps = await demo.runtime.storage.taskLedger.list(demo.installationId, { states: ['open'] });
    const step = steps.find((s) => s.ownerId && s.accountId);
    if (!step?.accountId) throw new Error('the demo opened no next step with an owner');
    const { page: card } = await page({ accountId: step.accountId });
    const shown = card.nextSteps.find((s) => step.title.startsWith(s.title));
    expect(shown?.owner?.id).toBe(step.ownerId);
    expect(shown?.owner?.name).toMatch(/\S/);
  });

  it('sends the browser what the tab shows only: no installation, ledger keys or task field names, and only the names of the users it mentions', async () => {
    const steps = await demo.runtime.storage.taskLedger.list(demo.installationId, { states: ['open'] });
    const step = steps.find((s) => s.ownerId && s.accountId && s.crmTaskId);
    if (!step?.accountId) throw new Error('the demo opened no next step with an owner and a CRM task');
    const installation = await demo.runtime.storage.installations.get(demo.installationId);
    const pageView = createAccountPageView({ app: demo.runtime.app, connectors: demo.runtime.connectors, defaultLang: 'en' });
    const json = JSON.stringify(await pageView(installation!, 'en', { entity: 'company', id: step.accountId }));
    expect(json).not.toContain(demo.installationId);
    expect(json).not.toContain(step.dedupKey);
    expect(json).not.toMatch(/installationId|dedupKey|crmTaskId|userNames|openSteps|snapshot/);
    const users = (await demo.runtime.storage.writeState.getMany(demo.installationId, ['ref:users'])).get('ref:users') as Array<{ id: string; name: string }>;
    const mentioned = new Set([step.ownerId, (await all('company')).find((c) => c.crmId === step.accountId)?.ownerId]);
    const others = users.filter((user) => !mentioned.has(user.id) && !steps.some((s) => s.accountId === step.accountId && s.ownerId === user.id));
    expect(others.length).toBeGreaterThan(0);
    for (const user of others) expect(json).not.toContain(JSON.stringify(user.name));
    expect(json).toContain(JSON.stringify(users.find((user) => user.id === step.ownerId)!.name));
  });

  it("charts the account's won revenue per month for 24 months, agreeing with the evaluation's revenue 12 m", async () => {
    const companies = await all('company');
    const scored = await Promise.all(companies.map(async (c) => ({ c, snap: await demo.runtime.storage.evaluations.latestAccount(demo.installationId, c.crmId) })));
    const best = scored.map(({ c, snap }) => ({ id: c.crmId, asOf: snap?.asOf ?? '', r12: Number((snap?.kpis as { revenue12m?: number } | undefined)?.revenue12m ?? 0) }))
      .sort((x, y) => y.r12 - x.r12)[0];
    if (!best || best.r12 <= 0) throw new Error('the demo has no account with revenue');
    const { page: card } = await page({ accountId: best.id });
    expect(card.revenueByMonth).toHaveLength(24);
    const last = card.revenueByMonth[23];
    expect(last?.period.start.slice(0, 7)).toBe(best.asOf.slice(0, 7));
    const sumLast = (n: number) => card.revenueByMonth.slice(24 - n).reduce((sum, m) => sum + m.revenue, 0);
    const monthEnd = last?.period.end === best.asOf.slice(0, 10);
    // revenue 12 m is the trailing 365 days: it spans the last 11 whole months and part of the 12th and 13th back.
    if (monthEnd) expect(Math.abs(sumLast(12) - best.r12)).toBeLessThan(1);
    expect(sumLast(11)).toBeLessThanOrEqual(best.r12 + 1);
    expect(sumLast(13)).toBeGreaterThanOrEqual(best.r12 - 1);
  });

  it("reads the account's own deals by the company index, never a scan of every deal", async () => {
    const [company] = await all('company');
    const entities = demo.runtime.storage.entities;
    const iterate = jest.spyOn(entities, 'iterate');
    const byCompany = jest.spyOn(entities, 'listByCompany');
    try {
      const { page: card } = await page({ accountId: company!.crmId });
      expect(card.revenueByMonth).toHaveLength(24);
      expect(iterate).not.toHaveBeenCalled();
      expect(byCompany.mock.calls).toEqual([[demo.installationId, 'deal', company!.crmId]]);
    } finally {
      iterate.mockRestore();
      byCompany.mockRestore();
    }
  });

  it("names the deal's stage as the portal does and links the deal and its company to their cards", async () => {
    const deal = (await all('deal')).find((d) => d.companyId);
    const { view, page: card } = await page({ dealId: deal!.crmId });
    const pipelines = (await demo.runtime.storage.writeState.getMany(demo.installationId, ['ref:pipelines'])).get('ref:pipelines') as Array<{ id: string; stages: Array<{ id: string; name: string }> }>;
    expect(card.deal?.stage).toBe(pipelines.find((p) => p.id === deal!.pipelineId)?.stages.find((st) => st.id === deal!.stageId)?.name);
    expect(card.deal?.link?.url).toBe(`${demo.sandboxHandle.url}/crm/deal/details/${deal!.crmId}/`);
    expect(card.account?.link?.url).toBe(`${demo.sandboxHandle.url}/crm/company/details/${deal!.companyId}/`);
    expect(view.accountId).toBe(deal!.companyId);
  });
});
