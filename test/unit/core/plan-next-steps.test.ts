import {
  evaluatePortfolio, parseCriteriaConfig, parseNextStepRules, planNextSteps,
  type LedgerEntry, type NextStepRulesInput, type PortfolioSnapshot, type SnapshotAccount,
} from '../../../src/core/engine';
import { account, snapshot, won } from './portfolio-fixture';

// Score = fields.p, so each test picks an account's tier directly.
const config = parseCriteriaConfig({
  criteria: [{ id: 'p', metric: 'field:p', weight: 1, scale: { type: 'linear', min: 0, max: 100 } }],
  tiers: [{ id: 'key', minScore: 70 }, { id: 'develop', minScore: 45 }, { id: 'standard', minScore: 0 }],
});
if (!config.ok) throw config.error;

const TODAY = '2026-11-02'; // a Monday
const quiet = { lastActivityAt: '2026-10-30' };

function plan(accounts: SnapshotAccount[], opts: { deals?: PortfolioSnapshot['deals']; ledger?: LedgerEntry[]; rules?: NextStepRulesInput; lang?: 'ru' | 'en' } = {}) {
  const snap = snapshot({ accounts, deals: opts.deals ?? [] });
  const evaluation = evaluatePortfolio(snap, config.ok ? config.value : (undefined as never), { lang: 'en' });
  const rules = parseNextStepRules(opts.rules ?? {});
  if (!rules.ok) throw rules.error;
  return planNextSteps({ snapshot: snap, evaluation, rules: rules.value, ledger: opts.ledger ?? [], today: TODAY, lang: opts.lang ?? 'en' });
}

const entry = (dedupKey: string, extra: Partial<LedgerEntry> = {}): LedgerEntry => {
  const [ruleId = '', accountId = ''] = dedupKey.split(':');
  return { dedupKey, ruleId, accountId, ownerId: '7', createdAt: '2026-10-01T10:00:00Z', state: 'open', ...extra };
};

describe('planNextSteps: each default rule', () => {
  it('no contact with a key account for N days -> a call, due the next business day', () => {
    const result = plan([account('a', { name: 'Stroymontazh', previousTier: 'key', fields: { p: 80, lastActivityAt: '2026-09-02T15:00:00+03:00' } }), account('b', { fields: { p: 50, lastActivityAt: '2026-01-01' } })]);
    expect(result.create).toEqual([{
      dedupKey: 'no-contact:a:2026-09-02',
      ruleId: 'no-contact',
      accountId: 'a',
      ownerId: '7',
      entity: { type: 'company', id: 'a' },
      title: 'Call Stroymontazh: no contact for 61 days',
      description: expect.stringContaining('was on Sep 2, 2026, 61 days ago (the rule allows 30 days)'),
      dueDate: '2026-11-03',
    }]);
  });

  it('speaks Russian when asked', () => {
    const result = plan([account('a', { name: 'Строймонтаж', previousTier: 'key', fields: { p: 80, lastActivityAt: '2026-09-02' } })], { lang: 'ru' });
    expect(result.create[0]?.title).toBe('Позвонить в Строймонтаж: нет контакта 61 день');
  });

  it('contract end within N days -> renewal talks, keyed by the end date', () => {
    const result = plan([account('a', { fields: { p: 10, contractEnd: '2026-12-15' } }), account('b', { fields: { p: 10, contractEnd: '2027-06-01' } })]);
    expect(result.create.map((t) => [t.dedupKey, t.dueDate])).toEqual([['contract-renewal:a:2026-12-15', '2026-11-05']]);
  });

  it('revenue down more than X% quarter on quarter -> account review, keyed by the quarter', () => {
    const deals = [won('b', '2026-05-10', 100), won('b', '2026-08-10', 50), won('c', '2026-05-10', 100), won('c', '2026-08-10', 80)];
    const result = plan([account('b', { fields: { p: 50, ...quiet } }), account('c', { fields: { p: 50, ...quiet } })], { deals });
    expect(result.create.map((t) => t.dedupKey)).toEqual(['revenue-drop:b:2026-Q3']);
    expect(result.create[0]?.title).toBe('Review account Account b: revenue down 50% in Q3 2026');
  });

  it('tier raised to key -> account plan; not when it already was key', () => {
    const result = plan([
      account('a', { previousTier: 'develop', fields: { p: 90, ...quiet } }),
      account('k', { previousTier: 'key', fields: { p: 90, ...quiet } }),
    ]);
    expect(result.create.map((t) => t.dedupKey)).toEqual(['key-account-plan:a:2026-Q4']);
  });

  it('satisfaction below the threshold -> call about the problem', () => {
    const result = plan([account('a', { fields: { p: 10, satisfaction: 4 } }), account('b', { fields: { p: 10, satisfaction: 6 } })]);
    expect(result.create.map((t) => t.dedupKey)).toEqual(['low-satisfaction:a:2026-Q4']);
  });

  it('a deal won recently -> follow-up after delivery, keyed by the deal', () => {
    const deals = [won('a', '2026-10-20', 1000, { id: 'd-new' }), won('a', '2026-10-30', 10, { id: 'd-too-fresh' }), won('b', '2026-09-01', 10, { id: 'd-old' })];
    const result = plan([account('a', { fields: { p: 10 } }), account('b', { fields: { p: 10 } })], { deals });
    expect(result.create.map((t) => t.dedupKey)).toEqual(['won-follow-up:a:d-new']);
  });
});

describe('planNextSteps: dedup, cooldown, caps, closing', () => {
  const keyAccount = account('a', { previousTier: 'key', fields: { p: 80, lastActivityAt: '2026-09-02' } });

  it('is idempotent: a task already in the ledger is not created again', () => {
    const first = plan([keyAccount]);
    const ledger = first.create.map((t) => entry(t.dedupKey, { createdAt: `${TODAY}T08:00:00Z` }));
    const second = plan([keyAccount], { ledger });
    expect(second.create).toEqual([]);
    expect(second.close).toEqual([]);
    expect(second.skipped).toEqual([{ dedupKey: 'no-contact:a:2026-09-02', why: 'duplicate' }]);
  });

  it('closes an open task whose cause is gone, and may open the next cycle', () => {
    const contacted = account('a', { previousTier: 'key', fields: { p: 80, lastActivityAt: '2026-10-30' } });
    const result = plan([contacted], { ledger: [entry('no-contact:a:2026-09-02')] });
    expect(result.close).toEqual([{ dedupKey: 'no-contact:a:2026-09-02', reason: 'Contact made: the last activity is now Oct 30, 2026.' }]);
    expect(result.create).toEqual([]);
  });

  // Account b has the top revenue and no potential entered: only the revenue-drop rule is under test here.
  const noEstimate: NextStepRulesInput = { rules: { potentialEstimate: { enabled: false } } };

  it('keeps an open task while its cause holds, and does not open a second one for the same rule', () => {
    const deals = [won('b', '2026-05-10', 100), won('b', '2026-08-10', 50)];
    const result = plan([account('b', { fields: { p: 50, ...quiet } })], { deals, rules: noEstimate, ledger: [entry('revenue-drop:b:2026-Q2', { createdAt: '2026-07-01' })] });
    expect(result.close).toEqual([]);
    expect(result.skipped).toEqual([{ dedupKey: 'revenue-drop:b:2026-Q3', why: 'open-task' }]);
  });

  it('respects the cooldown per rule and account', () => {
    const deals = [won('b', '2026-05-10', 100), won('b', '2026-08-10', 50)];
    const accounts = [account('b', { fields: { p: 50, ...quiet } })];
    const recent = plan(accounts, { deals, rules: noEstimate, ledger: [entry('revenue-drop:b:2026-Q1', { state: 'closed', createdAt: '2026-10-01' })] });
    expect(recent.skipped).toEqual([{ dedupKey: 'revenue-drop:b:2026-Q3', why: 'cooldown' }]);
    const old = plan(accounts, { deals, ledger: [entry('revenue-drop:b:2026-Q1', { state: 'closed', createdAt: '2026-08-01' })] });
    expect(old.create.map((t) => t.dedupKey)).toEqual(['revenue-drop:b:2026-Q3']);
  });

  it('caps new tasks per owner per day, counting those created today, favouring the best accounts', () => {
    const accounts = ['a', 'b', 'c'].map((id, i) => account(id, { previousTier: 'key', fields: { p: 90 - i, lastActivityAt: '2026-01-01' } }));
    const result = plan(accounts, { rules: { maxNewTasksPerOwnerPerDay: 2 }, ledger: [entry('won-follow-up:z:d1', { createdAt: `${TODAY}T07:00:00Z`, state: 'closed' })] });
    expect(result.create.map((t) => t.accountId)).toEqual(['a']);
    expect(result.skipped).toEqual([
      { dedupKey: 'no-contact:b:2026-01-01', why: 'owner-cap' },
      { dedupKey: 'no-contact:c:2026-01-01', why: 'owner-cap' },
    ]);
  });

  it('closes tasks when the account leaves the tier or the portfolio; leaves disabled rules alone', () => {
    const result = plan([account('a', { previousTier: 'key', fields: { p: 20, ...quiet } })], {
      rules: { rules: { lowSatisfaction: { enabled: false } } },
      ledger: [entry('key-account-plan:a:2026-Q3'), entry('no-contact:gone:2026-01-01'), entry('low-satisfaction:a:2026-Q3'), entry('custom-rule:a:x')],
    });
    expect(result.close).toEqual([
      // No tier labels given: the default tier's name, never its id.
      { dedupKey: 'key-account-plan:a:2026-Q3', reason: 'No longer a key account (tier now "Standard").' },
      { dedupKey: 'no-contact:gone:2026-01-01', reason: 'The account is no longer in the portfolio.' },
    ]);
  });

  it('skips a task whose account has no owner', () => {
    const result = plan([account('a', { ownerId: null, fields: { p: 10, satisfaction: 1 } })]);
    expect(result.skipped).toEqual([{ dedupKey: 'low-satisfaction:a:2026-Q4', why: 'no-owner' }]);
  });

  it('gives the same plan whatever the order of accounts and deals', () => {
    const accounts = ['a', 'b', 'c', 'd'].map((id, i) => account(id, { fields: { p: 60 + i * 5, lastActivityAt: '2026-01-01', satisfaction: 3 } }));
    const deals = [won('a', '2026-10-20', 5, { id: 'x1' }), won('b', '2026-10-21', 5, { id: 'x2' })];
    const forward = plan(accounts, { deals, rules: { maxNewTasksPerOwnerPerDay: 3 } });
    const backward = plan([...accounts].reverse(), { deals: [...deals].reverse(), rules: { maxNewTasksPerOwnerPerDay: 3 } });
    expect(backward).toEqual(forward);
    expect(forward.create).toHaveLength(3);
  });

  it('validates the rules config with paths', () => {
    const bad = parseNextStepRules({ maxNewTasksPerOwnerPerDay: 0, rules: { wonFollowUp: { afterDays: 10, withinDays: 5 }, noContact: { tiers: 'key' } } });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.message.split('\n')).toEqual([
      'maxNewTasksPerOwnerPerDay: expected number >= 1',
      'rules.noContact.tiers: expected array',
      'rules.wonFollowUp.withinDays: must be at least afterDays',
    ]);
  });
});

describe('planNextSteps: tier names in task texts', () => {
  it('names tiers by their labels in the task language, never by a bare id', () => {
    const snap = snapshot({ accounts: [account('a', { name: 'Stroymontazh', previousTier: 'develop', fields: { p: 80, ...quiet } })], deals: [] });
    const evaluation = evaluatePortfolio(snap, config.ok ? config.value : (undefined as never), { lang: 'ru' });
    const tierLabels = { key: { ru: 'Ключевой клиент', en: 'Key account' }, develop: { ru: 'Развитие', en: 'Develop' } };
    const result = planNextSteps({ snapshot: snap, evaluation, today: TODAY, lang: 'ru', tierLabels });
    const task = result.create.find((item) => item.ruleId === 'key-account-plan');
    expect(task?.description).toContain('из уровня «Развитие» в «Ключевой клиент»');
    expect(task?.description).not.toContain('«key»');
  });
});
