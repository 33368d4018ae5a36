import { randomBytes } from 'node:crypto';
import { FX_STATE_KEY } from '../../../src/app/build-snapshot';
import { createPortfolioReports } from '../../../src/app/reports/portfolio-reports';
import { DEFAULT_CRITERIA, DEFAULT_NEXT_STEP_RULES, parseCriteriaConfig } from '../../../src/core/engine';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createStorage } from '../../../src/storage';

/**
 * Frozen period reports through the use case on a real (in-memory SQLite) store: a closed
 * period reads the same after the FX rates and the criteria change, until someone asks for a
 * recomputation, which adds a version; an open period is never frozen.
 */
describe('frozen period reports', () => {
  let storage: Storage;
  let installationId: string;
  let criteria = DEFAULT_CRITERIA;
  const now = () => new Date('2026-11-27T12:00:00Z');
  const traits = { ownCompanyField: 'isMyCompany', defaultCurrency: 'RUB' };

  beforeEach(async () => {
    storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
    ({ id: installationId } = await storage.installations.upsert({ crm: 'bitrix24', externalId: 'm1', domain: 'x.bitrix24.ru' }));
    criteria = DEFAULT_CRITERIA;
    await storage.entities.upsertMany(installationId, 'company', [
      { crmId: '1', name: 'Alpha', industry: 'IT', ownerId: '7', fields: { potential3y: 30_000_000 }, createdAt: null, modifiedAt: null },
      { crmId: '2', name: 'Beta', industry: 'RETAIL', ownerId: '8', fields: {}, createdAt: null, modifiedAt: null },
      // The CRM owner's own company (flagged as the connector's traits say) is never an account.
      { crmId: '3', name: 'Us', industry: null, ownerId: '7', fields: { isMyCompany: true }, createdAt: null, modifiedAt: null },
    ]);
    const deal = (crmId: string, companyId: string, amount: number, currency: string, closedAt: string) => ({
      crmId, title: crmId, companyId, contactId: null, amount, currency, status: 'won' as const, pipelineId: '0', stageId: 'WON',
      ownerId: '7', createdAt: closedAt, closedAt, modifiedAt: null,
    });
    await storage.entities.upsertMany(installationId, 'deal', [
      deal('d1', '1', 1000, 'USD', '2026-08-10'),
      deal('d2', '2', 50_000, 'RUB', '2026-05-10'),
      deal('d3', '2', 70_000, 'RUB', '2026-09-20'),
    ]);
    await storage.writeState.putMany(installationId, [{ key: FX_STATE_KEY, value: { baseCurrency: 'RUB', rates: [{ currency: 'USD', date: '2026-01-01', rate: 90 }] } }]);
  });
  afterEach(() => storage.close());

  const reports = () => createPortfolioReports({ storage, now, settingsOf: () => ({ criteria, rules: DEFAULT_NEXT_STEP_RULES, contactsAsAccounts: false, traits }) });

  it('shows a manager the frozen quarter over their own accounts, at the rates it was frozen with', async () => {
    await reports().report({ installationId, granularity: 'quarter' });
    // Rates move after the freeze: the manager's figures still use the frozen 90.
    await storage.writeState.putMany(installationId, [{ key: FX_STATE_KEY, value: { baseCurrency: 'RUB', rates: [{ currency: 'USD', date: '2026-01-01', rate: 100 }] } }]);
    const alpha = await reports().visibleReport({ installationId, granularity: 'quarter' }, { userId: '7', isAdmin: false });
    expect(alpha.scope).toBe('own');
    expect(alpha.accounts.map((a) => a.name)).toEqual(['Alpha']);
    expect(alpha.kpis).toMatchObject({ revenue: 1000 * 90, customersEnd: 1 });
    expect(Object.values(alpha.tiers.distribution).reduce((a, b) => a + b, 0)).toBe(1);
    const beta = await reports().visibleReport({ installationId, granularity: 'quarter' }, { userId: '8', isAdmin: false });
    expect(beta.kpis).toMatchObject({ revenue: 70_000, customersStart: 1, customersEnd: 1 });
    const admin = await reports().visibleReport({ installationId, granularity: 'quarter' }, { userId: '7', isAdmin: true });
    expect(admin.kpis.revenue).toBe(1000 * 90 + 70_000);
    expect(admin.scope).toBeUndefined();
  });

  it('reads a closed quarter the same after rates and criteria change, and says which version made it', async () => {
    const first = await reports().report({ installationId, granularity: 'quarter' });
    expect(first.period.start).toBe('2026-07-01');
    expect(first.kpis.revenue).toBe(1000 * 90 + 70_000);
    expect(first.frozen).toMatchObject({ version: 1, reason: 'closed' });
    expect(first.accounts.map((a) => a.name).sort()).toEqual(['Alpha', 'Beta']);
    expect(first.fxRates).toEqual([{ currency: 'USD', date: '2026-01-01', rate: 90 }]);

    await storage.writeState.putMany(installationId, [{ key: FX_STATE_KEY, value: { baseCurrency: 'RUB', rates: [{ currency: 'USD', date: '2026-01-01', rate: 100 }] } }]);
    const stricter = parseCriteriaConfig({ ...DEFAULT_CRITERIA, hysteresis: 0, tiers: [{ id: 'key', minScore: 99 }, { id: 'standard', minScore: 0 }] });
    if (!stricter.ok) throw stricter.error;
    criteria = stricter.value;

    // Any day of the next quarter names the same report period.
    const again = await reports().report({ installationId, granularity: 'quarter', asOf: '2026-10-15' });
    expect(again).toEqual(first);

    const recomputed = await reports().report({ installationId, granularity: 'quarter', asOf: '2026-10-15', recompute: true });
    expect(recomputed.frozen).toMatchObject({ version: 2, reason: 'recompute' });
    expect(recomputed.kpis.revenue).toBe(1000 * 100 + 70_000);
    expect(recomputed.ruleVersion).not.toBe(first.ruleVersion);
    expect((await reports().versions(installationId, 'quarter', '2026-07-01')).map((v) => [v.version, v.ruleVersion])).toEqual([
      [1, first.ruleVersion],
      [2, recomputed.ruleVersion],
    ]);
  });

  it('freezes the latest closed month, quarter and year once', async () => {
    expect(await reports().freezeClosed(installationId)).toEqual([
      { granularity: 'month', periodStart: '2026-10-01', version: 1 },
      { granularity: 'quarter', periodStart: '2026-07-01', version: 1 },
      { granularity: 'year', periodStart: '2025-01-01', version: 1 },
    ]);
    expect(await reports().freezeClosed(installationId)).toEqual([]);
  });

  it('freezes a period once when two first reads race: both get version 1', async () => {
    const [one, two] = await Promise.all([reports().report({ installationId, granularity: 'quarter' }), reports().report({ installationId, granularity: 'quarter' })]);
    expect(one?.frozen?.version).toBe(1);
    expect(two).toEqual(one);
    expect(await storage.periodReports.versions(installationId, 'quarter', '2026-07-01')).toHaveLength(1);
  });

  it('never freezes a period that has not closed yet', async () => {
    const open = await createPortfolioReports({
      storage,
      now: () => new Date('2026-09-30T12:00:00Z'),
      settingsOf: () => ({ criteria, rules: DEFAULT_NEXT_STEP_RULES, contactsAsAccounts: false, traits }),
    }).report({ installationId, granularity: 'quarter', asOf: '2026-09-30' });
    expect(open.period.end).toBe('2026-09-30');
    expect(open.frozen).toBeNull();
    expect(await storage.periodReports.latest(installationId, 'quarter', '2026-07-01')).toBeNull();
  });

  it('refuses a bad granularity or date with INPUT_INVALID, storing nothing', async () => {
    await expect(reports().report({ installationId, granularity: 'week' as 'month' })).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('granularity') });
    await expect(reports().report({ installationId, granularity: 'month', asOf: '2026-02-30' })).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('asOf') });
    expect(await storage.periodReports.latest(installationId, 'month', '2026-10-01')).toBeNull();
  });

  it('refuses an as-of day after today (kam report --as-of 2030-01-01 printed an empty "Q4 2029"), storing nothing', async () => {
    await expect(reports().report({ installationId, granularity: 'quarter', asOf: '2026-11-28' })).rejects.toMatchObject({
      code: 'INPUT_INVALID', message: expect.stringContaining('2026-11-28 is after today (2026-11-27)'),
    });
    expect(await storage.periodReports.latest(installationId, 'quarter', '2026-07-01')).toBeNull();
    // Today itself is a valid day D: the latest quarter that has ended by then.
    expect((await reports().report({ installationId, granularity: 'quarter', asOf: '2026-11-27' })).period.start).toBe('2026-07-01');
  });

  it('names the installations when more than one could be meant', async () => {
    const other = await storage.installations.upsert({ crm: 'amocrm', externalId: '42', domain: 'y.amocrm.ru' });
    const error = await reports().resolveInstallation().catch((caught: unknown) => caught as Error);
    expect(error).toMatchObject({ code: 'INPUT_INVALID' });
    expect((error as Error).message).toContain(installationId);
    expect((error as Error).message).toContain(other.id);
    expect((await reports().resolveInstallation(other.id)).id).toBe(other.id);
    await expect(reports().resolveInstallation('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
