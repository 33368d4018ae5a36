import {
  evaluatePortfolio, parseCriteriaConfig, parseNextStepRules, planNextSteps,
  type LedgerEntry, type SnapshotAccount, type SnapshotDeal,
} from '../../../src/core/engine';
import { account, snapshot, won } from './portfolio-fixture';

/**
 * The to-do texts every next-step rule writes into the CRM, as a Russian and an English reader
 * see them: dates, money, percentages, quarters and day counts from the catalogue's Intl
 * formatter, never an ISO date or a "2026-Q3" key.
 */
const config = parseCriteriaConfig({
  criteria: [{ id: 'p', metric: 'field:p', weight: 1, scale: { type: 'linear', min: 0, max: 100 } }],
  tiers: [
    { id: 'key', minScore: 70, label: { ru: 'Ключевой', en: 'Key' } },
    { id: 'develop', minScore: 45, label: { ru: 'Развитие', en: 'Develop' } },
    { id: 'standard', minScore: 0, label: { ru: 'Базовый', en: 'Standard' } },
  ],
});
if (!config.ok) throw config.error;
const criteria = config.value;
const tierLabels = Object.fromEntries(criteria.tiers.map((tier) => [tier.id, tier.label]));

const TODAY = '2026-11-02';
const quiet = { lastActivityAt: '2026-10-30' };
const ISO_DATE = /\d{4}-\d{2}-\d{2}|\d{4}-Q\d/;
const nbsp = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

// One account per rule, each firing exactly one rule (no potential field: "p" is the score).
const accounts: SnapshotAccount[] = [
  account('silent', { name: 'Alfa Steel', previousTier: 'key', fields: { p: 80, lastActivityAt: '2026-09-02T15:00:00+03:00', potential3y: 1 } }),
  account('renew', { name: 'Beta Build', fields: { p: 10, contractEnd: '2026-11-30', potential3y: 1, ...quiet } }),
  account('drop', { name: 'Gamma Trade', fields: { p: 50, potential3y: 1, ...quiet } }),
  account('promoted', { name: 'Delta Energy', previousTier: 'develop', fields: { p: 90, potential3y: 1, ...quiet } }),
  account('unhappy', { name: 'Epsilon IT', fields: { p: 10, satisfaction: 4, potential3y: 1, ...quiet } }),
  account('winner', { name: 'Zeta Retail', fields: { p: 10, potential3y: 1, ...quiet } }),
  account('promising', { name: 'Eta Metal', fields: { p: 10, ...quiet } }),
];
const deals = [
  won('drop', '2026-05-10', 1_500_000), won('drop', '2026-08-10', 600_000),
  won('winner', '2026-10-20', 1_250_000, { id: '4711', title: 'Rebar, 40 t' }),
  // Eight quarters of steady purchases: a 3-year forecast of 12 M.
  ...Array.from({ length: 8 }, (_, i) => won('promising', `${2024 + Math.floor((i + 3) / 4)}-${String(((i + 3) % 4) * 3 + 2).padStart(2, '0')}-15`, 1_000_000)),
];

function plan(lang: 'ru' | 'en', fields: Record<string, Record<string, unknown>> = {}, ledger: LedgerEntry[] = []) {
  const snap = snapshot({ accounts: accounts.map((a) => ({ ...a, fields: { ...a.fields, ...fields[a.id] } })), deals });
  const evaluation = evaluatePortfolio(snap, criteria, { lang });
  const rules = parseNextStepRules({ maxNewTasksPerOwnerPerDay: 50, rules: { potentialEstimate: { topRevenueShare: 0 } } });
  if (!rules.ok) throw rules.error;
  return planNextSteps({ snapshot: snap, evaluation, rules: rules.value, ledger, today: TODAY, lang, tierLabels });
}

const textsOf = (result: ReturnType<typeof plan>) =>
  Object.fromEntries(result.create.map((task) => [task.ruleId, nbsp(`${task.title} | ${task.description}`)]));

describe('next-step to-do texts in the reader\'s language', () => {
  it('every rule fires once in this portfolio, and no text carries an ISO date or quarter key', () => {
    for (const lang of ['ru', 'en'] as const) {
      const result = plan(lang);
      expect(result.create.map((task) => task.ruleId).sort()).toEqual([
        'contract-renewal', 'key-account-plan', 'low-satisfaction', 'no-contact', 'potential-estimate', 'revenue-drop', 'won-follow-up',
      ]);
      for (const task of result.create) {
        const text = `${task.title} ${task.description}`;
        // A date that ends in "г." must not meet a sentence's own full stop.
        expect([task.ruleId, ISO_DATE.test(text), text.includes('..')]).toEqual([task.ruleId, false, false]);
      }
    }
  });

  it('reads as an English reader expects: "Nov 30, 2026", ₽ money, "Q3 2026", day plurals', () => {
    const en = textsOf(plan('en'));
    expect(en['no-contact']).toContain('Call Alfa Steel: no contact for 61 days | The last recorded contact with Alfa Steel was on Sep 2, 2026, 61 days ago (the rule allows 30 days).');
    expect(en['contract-renewal']).toContain('Start renewal talks with Beta Build: contract ends Nov 30, 2026 | The contract with Beta Build ends on Nov 30, 2026 (in 28 days).');
    expect(en['revenue-drop']).toContain('Review account Gamma Trade: revenue down 60% in Q3 2026 | Revenue in Q3 2026 was ₽600K against ₽1.5M in the quarter before.');
    expect(en['key-account-plan']).toContain('Delta Energy moved from "Develop" to "Key" with a score of 90.');
    expect(en['low-satisfaction']).toContain('The latest satisfaction score of Epsilon IT is 4, below 6.');
    expect(en['won-follow-up']).toBe('Follow up with Zeta Retail after delivery of “Rebar, 40 t” | Deal “Rebar, 40 t” for ₽1,250,000 was won on Oct 20, 2026. Check that delivery went well, collect feedback and ask about the next need.');
    expect(en['potential-estimate']).toContain('Eta Metal looks promising: its purchase trend forecasts ₽12M over the next 3 years.');
    for (const text of Object.values(en)) expect(text).not.toMatch(/[а-яё]/i);
  });

  it('reads as a Russian reader expects: «30 нояб. 2026 г.», «1,5 млн ₽», «3 кв. 2026», «61 день»', () => {
    const ru = textsOf(plan('ru'));
    expect(ru['no-contact']).toContain('Позвонить в Alfa Steel: нет контакта 61 день | Последний контакт с клиентом Alfa Steel был 2 сент. 2026 г., 61 день назад (правило допускает не больше 30 дней).');
    expect(ru['contract-renewal']).toContain('Начать переговоры о продлении с Beta Build: договор до 30 нояб. 2026 г. | Договор с Beta Build заканчивается 30 нояб. 2026 г. (через 28 дней).');
    expect(ru['revenue-drop']).toContain('Разобрать клиента Gamma Trade: выручка упала на 60 % в 3 кв. 2026 | Выручка в 3 кв. 2026 составила 600 тыс. ₽ против 1,5 млн ₽ кварталом ранее.');
    expect(ru['key-account-plan']).toContain('Delta Energy перешёл из уровня «Развитие» в «Ключевой» с баллом 90.');
    expect(ru['low-satisfaction']).toContain('Последняя оценка удовлетворённости Epsilon IT — 4, ниже 6.');
    expect(ru['won-follow-up']).toBe('Связаться с Zeta Retail после поставки по сделке «Rebar, 40 t» | 20 окт. 2026 г. выиграна сделка «Rebar, 40 t» на 1 250 000 ₽. Убедитесь, что поставка прошла хорошо, соберите обратную связь и спросите о следующей потребности.');
    expect(ru['potential-estimate']).toContain('по динамике закупок прогноз на 3 года — 12 млн ₽.');
    // Only the accounts' and deals' own names are in Latin letters.
    for (const text of Object.values(ru)) expect(text.replace(/[A-Z][a-z]+ [A-Z][A-Za-z]+|Rebar, 40 t/g, '')).not.toMatch(/[a-z]/i);
  });

  it('says why an open task closed in the reader\'s language, with dates as they read them', () => {
    const ledger = plan('en').create.map((task): LedgerEntry => ({ ...task, createdAt: '2026-10-01', state: 'open' }));
    const changed = { silent: { lastActivityAt: '2026-11-01' }, renew: { contractEnd: '2027-11-30' }, unhappy: { satisfaction: 9 }, promising: { potential3y: 40_000_000 } };
    for (const lang of ['ru', 'en'] as const) {
      const reasons = plan(lang, changed, ledger).close.map((close) => nbsp(close.reason));
      for (const reason of reasons) expect([reason, ISO_DATE.test(reason) || reason.includes('..')]).toEqual([reason, false]);
      expect(reasons).toEqual(lang === 'en'
        ? ['The contract now ends on Nov 30, 2027 (renewed or changed).', 'Satisfaction is now 9.', 'Contact made: the last activity is now Nov 1, 2026.', 'A potential over 3 years is entered now: ₽40M.']
        : ['Договор теперь заканчивается 30 нояб. 2027 г. (продлён или изменён).', 'Удовлетворённость теперь 9.', 'Контакт состоялся (последняя активность 1 нояб. 2026 г.), задача больше не нужна.', 'Потенциал на 3 года теперь введён: 40 млн ₽.']);
    }
  });

  it('names a won deal by its CRM title or, without one, by the day it was won: never by its CRM id', () => {
    for (const lang of ['ru', 'en'] as const) {
      const titled = plan(lang).create.find((task) => task.ruleId === 'won-follow-up');
      // The id makes the dedup key only.
      expect(titled?.dedupKey).toContain('4711');
      expect(`${titled?.title} ${titled?.description}`).not.toContain('4711');
    }
    const untitled = (lang: 'ru' | 'en') => {
      const snap = snapshot({ accounts: [account('winner', { name: 'Zeta Retail', fields: { p: 10, potential3y: 1, ...quiet } })], deals: [won('winner', '2026-10-20', 1_250_000, { id: '4711', title: '  ' })] });
      const rules = parseNextStepRules({ rules: { noContact: { enabled: false }, potentialEstimate: { enabled: false } } });
      if (!rules.ok) throw rules.error;
      const result = planNextSteps({ snapshot: snap, evaluation: evaluatePortfolio(snap, criteria, { lang }), rules: rules.value, today: TODAY, lang, tierLabels });
      return result.create.map((task) => nbsp(`${task.title} | ${task.description}`));
    };
    expect(untitled('en')).toEqual(['Follow up with Zeta Retail after delivery of the deal won on Oct 20, 2026 | A deal for ₽1,250,000 was won on Oct 20, 2026. Check that delivery went well, collect feedback and ask about the next need.']);
    expect(untitled('ru')).toEqual(['Связаться с Zeta Retail после поставки по сделке, выигранной 20 окт. 2026 г. | 20 окт. 2026 г. выиграна сделка на 1 250 000 ₽. Убедитесь, что поставка прошла хорошо, соберите обратную связь и спросите о следующей потребности.']);
  });

  it('says which deal is no longer won by its title, and without a title or once the deal is gone, without an id', () => {
    const ledger: LedgerEntry[] = [{ dedupKey: 'won-follow-up:winner:4711', ruleId: 'won-follow-up', accountId: 'winner', ownerId: '7', createdAt: '2026-10-28', state: 'open' }];
    const closing = (lang: 'ru' | 'en', deal: Partial<SnapshotDeal> | null) => {
      const dealList = deal === null ? [] : [{ ...won('winner', '2026-10-20', 1_250_000, { id: '4711' }), status: 'lost' as const, ...deal }];
      const snap = snapshot({ accounts: [account('winner', { name: 'Zeta Retail', fields: { p: 10, potential3y: 1, ...quiet } })], deals: dealList });
      const result = planNextSteps({ snapshot: snap, evaluation: evaluatePortfolio(snap, criteria, { lang }), ledger, today: TODAY, lang, tierLabels });
      return result.close.filter((close) => close.dedupKey === ledger[0]!.dedupKey).map((close) => close.reason);
    };
    expect(closing('en', { title: 'Rebar, 40 t' })).toEqual(['Deal “Rebar, 40 t” is no longer won.']);
    expect(closing('ru', { title: 'Rebar, 40 t' })).toEqual(['Сделка «Rebar, 40 t» больше не в статусе «выиграна».']);
    expect(closing('en', {})).toEqual(['The deal this task was set for is no longer won.']);
    expect(closing('ru', null)).toEqual(['Сделка, по которой поставлена задача, больше не в статусе «выиграна».']);
  });
});
