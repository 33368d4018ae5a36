import { i18n as i18nFor, type Lang } from '../../../core/i18n/messages';
import type { PortfolioReport } from '../report-types';
import { riskText } from '../risk-text';

/**
 * The report as JSON: the same business content as the XLSX and CSV (the whole report: money
 * at full precision, rates as fractions, dates `YYYY-MM-DD`), plus the labels a reader needs in
 * the chosen language (period, tiers, risk sentences), which the spreadsheet shows as text.
 */
export function reportToJson(report: PortfolioReport, lang: Lang): string {
  const i18n = i18nFor(lang);
  const labels = {
    lang,
    period: i18n.fmt.period(report.granularity, report.period.start),
    previousPeriod: i18n.fmt.period(report.granularity, report.previousPeriod.start),
    trend: report.trend.map((entry) => i18n.fmt.period(report.granularity, entry.period.start)),
    tiers: Object.fromEntries(report.tiers.definitions.map((tier) => [tier.id, i18n.tier(report.tiers.definitions, tier.id)])),
    risks: Object.fromEntries(report.atRisk.map((account) => [account.id, account.reasons.map((reason) => riskText(reason, i18n))])),
  };
  return `${JSON.stringify({ ...report, labels }, null, 2)}\n`;
}
