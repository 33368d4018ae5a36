import { accountRisks, findAtRisk, riskInputs } from '../../../src/app/reports/at-risk';
import type { ReportAccountRow } from '../../../src/app/reports/report-types';
import { riskText } from '../../../src/app/reports/risk-text';
import { i18n } from '../../../src/core/i18n/messages';
import { DEFAULT_NEXT_STEP_RULES } from '../../../src/core/rules/next-step-rules-config';
import { DEFAULT_CRITERIA } from '../../../src/core/scoring/default-criteria';

/** The one risk function the portfolio's at-risk list and the card tab share. */
const policy = { tiers: DEFAULT_CRITERIA.tiers, rules: DEFAULT_NEXT_STEP_RULES, asOf: '2026-09-30' };
const [top, middle, last] = DEFAULT_CRITERIA.tiers.map((tier) => tier.id);
const calm = { tier: top!, growthYoY: 0.1, satisfaction: 9, contractEnd: '2028-01-31', daysSinceLastWon: 20 };

describe('accountRisks', () => {
  it('names each signal of a watched account, with the thresholds of the next-step rules', () => {
    expect(accountRisks(calm, policy)).toEqual([]);
    const risks = accountRisks({ tier: middle!, growthYoY: -0.45, satisfaction: 4, contractEnd: '2026-11-15', daysSinceLastWon: 200 }, policy);
    expect(risks).toEqual([
      { kind: 'revenueFalling', growthYoY: -0.45 },
      { kind: 'lowSatisfaction', satisfaction: 4, below: DEFAULT_NEXT_STEP_RULES.rules.lowSatisfaction.below },
      { kind: 'contractEnding', contractEnd: '2026-11-15', daysLeft: 46 },
      { kind: 'noRecentWin', daysSinceLastWon: 200 },
    ]);
    // An ended contract, not yet renewed, counts; never won at all counts too.
    expect(accountRisks({ ...calm, contractEnd: '2026-08-01', daysSinceLastWon: null }, policy).map((r) => r.kind)).toEqual(['contractEnding', 'noRecentWin']);
    // However long ago it ended (29 Jun 2026 is 93 days before the 30 Sep as-of): no contract in force is a risk until a new end is set.
    expect(accountRisks({ ...calm, contractEnd: '2026-06-29' }, policy)).toEqual([{ kind: 'contractEnding', contractEnd: '2026-06-29', daysLeft: -93 }]);
    expect(accountRisks({ ...calm, contractEnd: '2024-01-31' }, policy).map((r) => r.kind)).toEqual(['contractEnding']);
    // A renewal (a new end beyond 90 days) clears it.
    expect(accountRisks({ ...calm, contractEnd: '2027-06-30' }, policy)).toEqual([]);
  });

  it('watches every tier but the last, as the portfolio does', () => {
    const risky = { ...calm, satisfaction: 2 };
    expect(accountRisks({ ...risky, tier: last! }, policy)).toEqual([]);
    const rows = [top, middle, last].map((tier, i) => ({ ...risky, tier: tier!, id: String(i), name: `A${i}`, ownerId: null, score: 50 }) as unknown as ReportAccountRow);
    expect(findAtRisk({ rows, ...policy }).map((row) => [row.id, row.reasons])).toEqual(rows.slice(0, 2).map((row) => [row.id, accountRisks(row, policy)]));
  });

  it('reads the synced inputs once for both: a date and a number, nothing else', () => {
    expect(riskInputs({ contractEnd: '2026-12-31T00:00:00+03:00', satisfaction: 7.5 })).toEqual({ contractEnd: '2026-12-31', satisfaction: 7.5 });
    expect(riskInputs({ contractEnd: 'soon', satisfaction: 'high' })).toEqual({ contractEnd: null, satisfaction: null });
    expect(riskInputs({})).toEqual({ contractEnd: null, satisfaction: null });
  });

  it('says an ended contract is expired and not renewed, in Russian and English', () => {
    const [reason] = accountRisks({ ...calm, contractEnd: '2026-06-29' }, policy);
    expect(riskText(reason!, i18n('en'))).toMatch(/^contract expired on .*2026.* and is not renewed$/);
    expect(riskText(reason!, i18n('ru'))).toMatch(/^договор истёк .*2026.* и не продлён$/);
  });

  it('says each signal in the reader\'s language', () => {
    const [reason] = accountRisks({ ...calm, satisfaction: 3 }, policy);
    expect(riskText(reason!, i18n('ru'))).toMatch(/^удовлетворённость 3/);
    expect(riskText(reason!, i18n('en'))).toMatch(/^satisfaction 3/);
  });
});
