import { generatePortfolio } from '../../../src/sandbox/portfolio/generate';

const options = { seed: 7, companies: 300, contacts: 900, deals: 3000, anchorDate: '2025-06-30' };

describe('generatePortfolio', () => {
  const portfolio = generatePortfolio(options);

  it('gives the same data for the same options and different data for another seed', () => {
    expect(JSON.stringify(generatePortfolio(options))).toBe(JSON.stringify(portfolio));
    expect(generatePortfolio({ ...options, seed: 8 }).deals[0]).not.toEqual(portfolio.deals[0]);
  });

  it('has the requested sizes, at least two pipelines and managers for the company count', () => {
    expect(portfolio.companies).toHaveLength(300);
    expect(portfolio.contacts).toHaveLength(900);
    expect(portfolio.deals).toHaveLength(3000);
    expect(portfolio.pipelines.length).toBeGreaterThanOrEqual(2);
    expect(portfolio.users.length).toBe(5);
    expect(new Set(portfolio.deals.map((d) => d.pipelineId)).size).toBeGreaterThanOrEqual(2);
  });

  it('mixes about 55% won, 30% lost and 15% open deals, within three years before the anchor', () => {
    const share = (status: string) => portfolio.deals.filter((d) => d.status === status).length / portfolio.deals.length;
    expect(share('won')).toBeCloseTo(0.55, 1);
    expect(share('lost')).toBeCloseTo(0.3, 1);
    expect(share('open')).toBeCloseTo(0.15, 1);
    const anchor = Date.parse('2025-06-30T00:00:00Z');
    for (const deal of portfolio.deals) {
      expect(Date.parse(deal.createdAt)).toBeLessThan(anchor);
      expect(Date.parse(deal.createdAt)).toBeGreaterThan(anchor - (3 * 365 + 10) * 86_400_000);
      expect(deal.closedAt === null).toBe(deal.status === 'open');
      const stage = portfolio.pipelines.find((p) => p.id === deal.pipelineId)?.stages.find((s) => s.code === deal.stageCode);
      expect(stage?.semantics).toBe(deal.status === 'won' ? 'success' : deal.status === 'lost' ? 'failure' : 'process');
    }
  });

  it('hands out IDs in creation order', () => {
    for (let i = 1; i < portfolio.deals.length; i += 1) {
      expect(portfolio.deals[i]!.id).toBe(portfolio.deals[i - 1]!.id + 1);
      expect(portfolio.deals[i]!.createdAt >= portfolio.deals[i - 1]!.createdAt).toBe(true);
    }
  });

  it('concentrates revenue in a few big accounts (Pareto)', () => {
    const revenue = new Map<number, number>();
    for (const deal of portfolio.deals) {
      if (deal.status === 'won' && deal.companyId !== null && deal.currency === 'RUB') revenue.set(deal.companyId, (revenue.get(deal.companyId) ?? 0) + deal.amount);
    }
    const sorted = [...revenue.values()].sort((a, b) => b - a);
    const total = sorted.reduce((sum, value) => sum + value, 0);
    const top = sorted.slice(0, Math.ceil(sorted.length * 0.2)).reduce((sum, value) => sum + value, 0);
    expect(top / total).toBeGreaterThan(0.6);
  });

  it('uses mostly RUB with some USD and EUR, and has FX rates for both', () => {
    const rub = portfolio.deals.filter((d) => d.currency === 'RUB').length / portfolio.deals.length;
    expect(rub).toBeGreaterThan(0.8);
    expect(portfolio.deals.some((d) => d.currency === 'USD')).toBe(true);
    expect(portfolio.deals.some((d) => d.currency === 'EUR')).toBe(true);
    expect(portfolio.fxRates.filter((r) => r.currency === 'USD').length).toBeGreaterThan(700);
    expect(portfolio.fxRates.every((r) => r.rate > 40 && r.rate < 130)).toBe(true);
  });

  it('fills custom fields, leaves some empty, has contacts without company and Russian names', () => {
    expect(portfolio.companies.some((c) => c.satisfaction === null)).toBe(true);
    expect(portfolio.companies.some((c) => c.contractEnd === null)).toBe(true);
    expect(portfolio.companies.some((c) => c.marketingCost === null)).toBe(true);
    expect(portfolio.companies.every((c) => c.potential3y > 0 && c.margin > 0)).toBe(true);
    expect(portfolio.contacts.some((c) => c.companyId === null)).toBe(true);
    expect(portfolio.contacts.every((c) => /[А-ЯЁ]/u.test(c.lastName))).toBe(true);
    const industries = new Set(portfolio.companies.map((c) => c.industry));
    expect(industries.size).toBeGreaterThanOrEqual(10);
  });

  // How fast is a benchmark's question (`npm run bench -- sandbox`), not a unit test's.
  it('generates 100,000 deals with distinct ascending ids, each tied to a generated company', () => {
    const big = generatePortfolio({ seed: 1, companies: 5000, contacts: 15000, deals: 100_000, anchorDate: '2025-06-30' });
    expect(big.deals).toHaveLength(100_000);
    expect(big.deals.every((deal, index) => index === 0 || deal.id > (big.deals[index - 1]?.id ?? Infinity))).toBe(true);
    const companies = new Set(big.companies.map((company) => company.id));
    expect(big.deals.every((deal) => deal.companyId === null || companies.has(deal.companyId))).toBe(true);
  });

  it('refuses a malformed anchor date', () => {
    expect(() => generatePortfolio({ ...options, anchorDate: '2025-13-01' })).toThrow(RangeError);
  });
});
