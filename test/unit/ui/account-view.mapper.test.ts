import type { AccountView as StoredAccountView } from '../../../src/app/account-view';
import { toAccountPageView } from '../../../src/ui/account-view.mapper';

/** The card tab's page-facing view from the stored one: what a reader sees, nothing of our store. */
const stored = (deal: Partial<NonNullable<StoredAccountView['deal']>> | null, overrides: Partial<StoredAccountView> = {}): StoredAccountView => ({
  lang: 'en', accountId: '5', companyName: 'Alpha', ownerName: 'Olga', industryCode: null, contractEnd: null, satisfaction: null,
  deal: deal ? { id: '2754', title: 'Supply', amount: 10, currency: 'RUB', status: 'won', closedAt: '2026-10-01', stageName: null, ...deal } : null,
  links: { account: null, deal: null, steps: {} }, risks: [], userNames: {}, baseCurrency: 'RUB', tierLabels: {}, criterionLabels: {},
  snapshot: null, history: [], openSteps: [], revenueByMonth: [], syncing: false, blocked: null, ...overrides,
});
const page = (view: StoredAccountView, lang: 'ru' | 'en') => toAccountPageView(view, { lang, today: '2026-11-27', criteria: [], tiers: [] });

describe('toAccountPageView', () => {
  it("names a closed deal's stage Won or Lost when the stored pipelines lack it, never leaving it unset", () => {
    expect(page(stored({ status: 'won' }), 'en').deal?.stage).toBe('Won');
    expect(page(stored({ status: 'won' }), 'ru').deal?.stage).toBe('Успешна');
    expect(page(stored({ status: 'lost' }), 'en').deal?.stage).toBe('Lost');
    expect(page(stored({ status: 'lost' }), 'ru').deal?.stage).toBe('Провалена');
    // The CRM's own stage name wins; an open deal with an unknown stage stays unknown (the page says "In progress").
    expect(page(stored({ status: 'won', stageName: 'Сделка успешна' }), 'en').deal?.stage).toBe('Сделка успешна');
    expect(page(stored({ status: 'open' }), 'en').deal?.stage).toBeNull();
  });

  it("keys next steps by position, not by our ledger's dedup key, and names only their owners", () => {
    const step = {
      installationId: 'inst-1', dedupKey: 'step:company:5:meeting', ruleId: 'meeting', accountId: '5', ownerId: '2', entityType: 'company',
      entityId: '5', title: 'Book a meeting [kam:step:company:5:meeting]', dueDate: '2026-11-01', crmTaskId: '991', state: 'open', closeReason: null, createdAt: '', updatedAt: '',
    } as unknown as StoredAccountView['openSteps'][number];
    const view = page(stored(null, { openSteps: [step], userNames: { 1: 'Ivan', 2: 'Boris', 3: 'Anna' }, links: { account: null, deal: null, steps: { [step.dedupKey]: 'https://crm/task/991' } } }), 'en');
    expect(view.nextSteps).toEqual([{ id: '1', title: 'Book a meeting', titleLang: 'en', kind: null, due: '2026-11-01', overdue: true, owner: { id: '2', name: 'Boris' }, link: { entity: 'task', id: '991', url: 'https://crm/task/991' } }]);
    const json = JSON.stringify(view);
    expect(json).not.toMatch(/inst-1|step:company|dedupKey|installationId|crmTaskId|Ivan|Anna/);
  });

  it("keeps the CRM's to-do title in the portal's language and names its kind in the reader's, from the stored rule id", () => {
    const step = (ruleId: string, title: string) => ({
      installationId: 'inst-1', dedupKey: `${ruleId}:5:2026-12-31`, ruleId, accountId: '5', ownerId: null, entityType: 'company',
      entityId: '5', title, dueDate: '2026-12-01', crmTaskId: null, state: 'open', closeReason: null, createdAt: '', updatedAt: '',
    }) as unknown as StoredAccountView['openSteps'][number];
    const openSteps = [step('contract-renewal', 'Начать переговоры о продлении с Alpha: договор заканчивается 31 дек. 2026 г.'), step('potential-estimate', 'Запросить оценку потенциала Alpha')];
    const english = toAccountPageView(stored(null, { openSteps }), { lang: 'en', crmLang: 'ru', today: '2026-11-27', criteria: [], tiers: [] });
    expect(english.nextSteps.map((s) => [s.kind, s.titleLang, s.title.slice(0, 30)])).toEqual([
      ['Contract renewal', 'ru', 'Начать переговоры о продлении '],
      ['Ask for a potential estimate', 'ru', 'Запросить оценку потенциала Al'],
    ]);
    const russian = toAccountPageView(stored(null, { openSteps }), { lang: 'ru', crmLang: 'ru', today: '2026-11-27', criteria: [], tiers: [] });
    expect(russian.nextSteps.map((s) => [s.kind, s.titleLang])).toEqual([['Продление договора', 'ru'], ['Запросить оценку потенциала', 'ru']]);
  });
});
