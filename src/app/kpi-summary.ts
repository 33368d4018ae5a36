import type { AccountEvaluation, EvaluationResult } from '../core/engine/evaluate-portfolio';
import { i18n as i18nFor, type Lang } from '../core/i18n/messages';
import type { CriteriaConfig } from '../core/scoring/criteria-config';

/** The monthly KPI summary a key account manager reads in the company's timeline, from the message catalogue. */
export function kpiSummaryText(account: AccountEvaluation, evaluation: EvaluationResult, criteria: CriteriaConfig, lang: Lang): string {
  const i18n = i18nFor(lang);
  const { t, fmt } = i18n;
  const kpis = account.kpis.month;
  const money = (value: number) => fmt.moneyShort(value, evaluation.baseCurrency);
  const reasons = [...account.contributions]
    .sort((a, b) => b.points - a.points)
    .slice(0, 3)
    .map((contribution) => `• ${contribution.reasons?.[lang] ?? contribution.reason}`);
  return [
    t('summary.title')(fmt.period('month', evaluation.periods.month.start)),
    t('summary.tier')(i18n.tier(criteria.tiers, account.tier), fmt.number(account.score)),
    t('summary.revenue')(money(kpis.revenue), money(kpis.previousRevenue)),
    t('summary.revenue12m')(money(account.revenue12m), fmt.percent(account.growthYoY, { signed: true })),
    t('summary.classes')(account.abc, account.xyz ?? t('common.none'), money(account.ltv)),
    t('summary.why'),
    ...reasons,
  ].join('\n');
}
