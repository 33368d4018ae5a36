import type { AccountEvaluation, EvaluationResult } from '../core/engine/evaluate-portfolio';
import { formatMoney, formatPercent, type Lang } from '../core/i18n/format-values';
import type { CriteriaConfig } from '../core/scoring/criteria-config';

/** The monthly KPI summary a key account manager reads in the company's timeline (ru/en). */
export function kpiSummaryText(account: AccountEvaluation, evaluation: EvaluationResult, criteria: CriteriaConfig, lang: Lang): string {
  const month = evaluation.periods.month;
  const kpis = account.kpis.month;
  const currency = evaluation.baseCurrency;
  const tier = criteria.tiers.find((candidate) => candidate.id === account.tier);
  const tierName = tier?.label?.[lang] ?? account.tier;
  const t = (ru: string, en: string) => (lang === 'ru' ? ru : en);
  const growth = account.growthYoY === null ? '—' : formatPercent(account.growthYoY, lang, true);
  const reasons = [...account.contributions]
    .sort((a, b) => b.points - a.points)
    .slice(0, 3)
    .map((contribution) => `• ${contribution.reason}`);
  return [
    t(`KAM Pilot · итоги ${month.start.slice(0, 7)}`, `KAM Pilot · summary for ${month.start.slice(0, 7)}`),
    `${t('Уровень', 'Tier')}: ${tierName} · ${t('балл', 'score')} ${account.score.toFixed(2)}`,
    `${t('Выручка за месяц', 'Revenue this month')}: ${formatMoney(kpis.revenue, lang, currency)} (${t('прошлый', 'previous')}: ${formatMoney(kpis.previousRevenue, lang, currency)})`,
    `${t('Выручка за 12 мес.', 'Revenue, last 12 months')}: ${formatMoney(account.revenue12m, lang, currency)} · ${t('рост г/г', 'YoY growth')}: ${growth}`,
    `ABC/XYZ: ${account.abc}${account.xyz ?? '—'} · LTV: ${formatMoney(account.ltv, lang, currency)}`,
    t('Почему такой балл:', 'Why this score:'),
    ...reasons,
  ].join('\n');
}
