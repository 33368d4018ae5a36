import {
  evaluatePortfolio, parseCriteriaConfig, parseNextStepRules, planNextSteps,
  type LedgerEntry, type NextStepRulesInput, type SnapshotAccount, type SnapshotDeal,
} from '../../../src/core/engine';
import { account, snapshot, won } from './portfolio-fixture';

// Score = fields.p; the rule watches every tier, so the score only orders candidates under a cap.
const config = parseCriteriaConfig({
  criteria: [{ id: 'p', metric: 'field:p', weight: 1, scale: { type: 'linear', min: 0, max: 100 } }],
  tiers: [{ id: 'key', minScore: 70 }, { id: 'standard', minScore: 0 }],
});
if (!config.ok) throw config.error;

const TODAY = '2026-11-02'; // a Monday; the report quarter is 2026-Q3, Q1..Q8 = 2024-Q4..2026-Q3
const QUARTERS = ['2024-11-10', '2025-02-10', '2025-05-10', '2025-08-10', '2025-11-10', '2026-02-10', '2026-05-10', '2026-08-10'];
/** The same amount every quarter for 8 quarters: the forecast is 12 x amount. */
const steady = (accountId: string, amount: number): SnapshotDeal[] => QUARTERS.map((day) => won(accountId, day, amount));
const quiet = { lastActivityAt: '2026-10-30' };

function plan(accounts: SnapshotAccount[], deals: SnapshotDeal[], opts: { ledger?: LedgerEntry[]; rules?: NextStepRulesInput; lang?: 'ru' | 'en' } = {}) {
  const snap = snapshot({ asOf: TODAY, accounts, deals });
  const evaluation = evaluatePortfolio(snap, config.ok ? config.value : (undefined as never), { lang: 'en' });
  const rules = parseNextStepRules(opts.rules ?? {});
  if (!rules.ok) throw rules.error;
  return planNextSteps({ snapshot: snap, evaluation, rules: rules.value, ledger: opts.ledger ?? [], today: TODAY, lang: opts.lang ?? 'en' });
}
const asks = (result: ReturnType<typeof plan>) => result.create.filter((t) => t.ruleId === 'potential-estimate');
const entry = (dedupKey: string, extra: Partial<LedgerEntry> = {}): LedgerEntry => {
  const [ruleId = '', accountId = ''] = dedupKey.split(':');
  return { dedupKey, ruleId, accountId, ownerId: '7', createdAt: '2026-10-01T10:00:00Z', state: 'open', ...extra };
};
/** n small accounts with no potential and no purchases: never promising, they only make up the portfolio. */
const filler = (n: number) => Array.from({ length: n }, (_, i) => account(`z${String(i).padStart(2, '0')}`, { fields: { p: 1, ...quiet } }));

describe('next-step rule: ask for a potential estimate', () => {
  it('asks the owner of an account with a high forecast and no potential entered', () => {
    const accounts = [
      account('big', { name: 'Volga Metal', fields: { p: 50, ...quiet } }),
      account('entered', { fields: { p: 50, potential3y: 5_000_000, ...quiet } }),
      account('small', { fields: { p: 50, ...quiet } }),
      ...filler(7),
    ];
    const deals = [...steady('big', 1_000_000), ...steady('entered', 1_000_000), ...steady('small', 100_000)];
    const result = plan(accounts, deals, { rules: { rules: { potentialEstimate: { topRevenueShare: 0 } } } });
    expect(asks(result)).toEqual([{
      dedupKey: 'potential-estimate:big:2026-Q4',
      ruleId: 'potential-estimate',
      accountId: 'big',
      ownerId: '7',
      entity: { type: 'company', id: 'big' },
      title: 'Estimate the 3-year potential of Volga Metal',
      description: expect.stringContaining('Volga Metal looks promising: its purchase trend forecasts ₽12M over the next 3 years.'),
      dueDate: '2026-11-09',
    }]);
    expect(asks(result)[0]?.description).toContain('fill in “Potential over 3 years” in the company card');
    const ru = asks(plan(accounts, deals, { lang: 'ru', rules: { rules: { potentialEstimate: { topRevenueShare: 0 } } } }))[0];
    expect(ru?.title).toBe('Оценить потенциал Volga Metal на 3 года');
    expect(ru?.description).toContain('по динамике закупок прогноз на 3 года — 12\u00a0млн\u00a0₽.');
  });

  it('asks for a top-revenue account whose history is too short for a forecast', () => {
    // One purchase: no forecast (fewer than 2 quarters); the largest revenue of 20 accounts is the top 5%.
    const accounts = [account('top', { fields: { p: 10, ...quiet } }), account('second', { fields: { p: 10, ...quiet } }), ...filler(18)];
    const deals = [won('top', '2026-06-01', 3_000_000), won('second', '2026-06-01', 2_000_000)];
    const result = plan(accounts, deals);
    expect(asks(result).map((t) => t.accountId)).toEqual(['top']);
    expect(asks(result)[0]?.description).toContain('its revenue over the last 12 months, ₽3M, is in the top 5% of the portfolio');
  });

  it('caps the asks per owner per day, counting today\'s earlier ones, best accounts first', () => {
    const accounts = ['a', 'b', 'c'].map((id, i) => account(id, { fields: { p: 60 - i, ...quiet } }));
    const deals = accounts.flatMap((a) => steady(a.id, 1_000_000));
    const rules = { rules: { potentialEstimate: { maxPerOwnerPerDay: 2 } } };
    const portfolio = [...accounts, ...filler(12)];
    const result = plan(portfolio, deals, { rules });
    expect(asks(result).map((t) => t.accountId)).toEqual(['a', 'b']);
    expect(result.skipped).toContainEqual({ dedupKey: 'potential-estimate:c:2026-Q4', why: 'rule-owner-cap' });
    const later = plan(portfolio, deals, { rules, ledger: [entry('potential-estimate:x:2026-Q4', { createdAt: `${TODAY}T06:00:00Z` })] });
    expect(asks(later).map((t) => t.accountId)).toEqual(['a']);
  });

  it('never keeps open asks for more than a fifth of the accounts', () => {
    // 10 accounts, 6 promising (two owners, so the per-owner cap does not bite): at most 2 asks open.
    const promising = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, i) => account(id, { ownerId: String(i % 3), fields: { p: 60 - i, ...quiet } }));
    const deals = promising.flatMap((a) => steady(a.id, 1_000_000));
    const portfolio = [...promising, ...filler(4)];
    const result = plan(portfolio, deals);
    expect(asks(result).map((t) => t.accountId)).toEqual(['a', 'b']);
    expect(result.skipped.filter((s) => s.why === 'rule-cap').map((s) => s.dedupKey)).toEqual(
      ['c', 'd', 'e', 'f'].map((id) => `potential-estimate:${id}:2026-Q4`),
    );
    // Two asks still open fill the cap; one this plan closes (its account is gone) frees its slot.
    const full = plan(portfolio, deals, { ledger: [entry('potential-estimate:z00:2026-Q3'), entry('potential-estimate:z01:2026-Q3')] });
    expect(asks(full)).toEqual([]);
    const closing = plan(portfolio, deals, { ledger: [entry('potential-estimate:z00:2026-Q3'), entry('potential-estimate:gone:2026-Q3')] });
    expect(closing.close.map((c) => c.dedupKey)).toEqual(['potential-estimate:gone:2026-Q3']);
    expect(asks(closing).map((t) => t.accountId)).toEqual(['a']);
    expect(parseNextStepRules({ rules: { potentialEstimate: { maxShareOfAccounts: 0.5 } } }).ok).toBe(false);
  });

  it('is deduplicated: one open ask per account, and the same quarter\'s ask never twice', () => {
    const accounts = [account('a', { fields: { p: 50, ...quiet } }), ...filler(9)];
    const deals = steady('a', 1_000_000);
    expect(plan(accounts, deals, { ledger: [entry('potential-estimate:a:2026-Q3')] }).skipped).toContainEqual({ dedupKey: 'potential-estimate:a:2026-Q4', why: 'open-task' });
    expect(plan(accounts, deals, { ledger: [entry('potential-estimate:a:2026-Q4', { state: 'closed' })] }).skipped).toContainEqual({
      dedupKey: 'potential-estimate:a:2026-Q4',
      why: 'duplicate',
    });
  });

  it('closes the ask once a potential is entered, and keeps it while none is', () => {
    const deals = steady('a', 1_000_000);
    const ledger = [entry('potential-estimate:a:2026-Q4')];
    const filled = plan([account('a', { fields: { p: 50, potential3y: 40_000_000, ...quiet } }), ...filler(9)], deals, { ledger });
    expect(filled.close).toEqual([{ dedupKey: 'potential-estimate:a:2026-Q4', reason: 'A potential over 3 years is entered now: ₽40M.' }]);
    const ru = plan([account('a', { fields: { p: 50, potential3y: 40_000_000, ...quiet } }), ...filler(9)], deals, { ledger, lang: 'ru' });
    expect(ru.close[0]?.reason).toBe('Потенциал на 3 года теперь введён: 40\u00a0млн\u00a0₽.');
    expect(plan([account('a', { fields: { p: 50, ...quiet } }), ...filler(9)], deals, { ledger }).close).toEqual([]);
  });
});
