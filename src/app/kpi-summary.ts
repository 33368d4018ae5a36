import type { AccountEvaluation, EvaluationResult } from '../core/engine/evaluate-portfolio';
import { i18n as i18nFor, type Lang } from '../core/i18n/messages';
import type { Granularity } from '../core/model/periods';
import type { CriteriaConfig } from '../core/scoring/criteria-config';

/**
 * The KPI summary a key account manager reads in the company's timeline, for the configured
 * period (the settings' `summaryPeriod`: month, quarter or year), from the message catalogue.
 */
export function kpiSummaryText(account: AccountEvaluation, evaluation: EvaluationResult, criteria: CriteriaConfig, lang: Lang, period: Granularity = 'month'): string {
  const i18n = i18nFor(lang);
  const { t, fmt } = i18n;
  const kpis = account.kpis[period];
  const money = (value: number) => fmt.moneyShort(value, evaluation.baseCurrency);
  const reasons = [...account.contributions]
    .sort((a, b) => b.points - a.points)
    .slice(0, 3)
    .map((contribution) => `• ${contribution.reasons?.[lang] ?? contribution.reason}`);
  return [
    t('summary.title')(fmt.period(period, evaluation.periods[period].start)),
    t('summary.tier')(i18n.tier(criteria.tiers, account.tier), fmt.number(account.score)),
    t('summary.revenue')(money(kpis.revenue), money(kpis.previousRevenue), period),
    t('summary.revenue12m')(money(account.revenue12m), fmt.percent(account.growthYoY, { signed: true })),
    t('summary.classes')(account.abc, account.xyz ?? t('common.none'), money(account.ltv)),
    t('summary.why'),
    ...reasons,
  ].join('\n');
}
