/**
 * The reports module's public face, for the page JSON API, the CLI and jobs:
 *   const reports = createPortfolioReports({ storage, settingsOf });
 *   const report = await reports.visibleReport({ installationId, granularity: 'quarter' }, viewer);
 *   res.json(report)  // or reportToXlsx / reportToCsv / reportToJson for downloads
 * Labels for pages come from the message catalogue (src/core/i18n/messages.ts): i18n(lang).tier(...),
 * .industry(code), .fmt.period(granularity, start), riskText(reason, i18n).
 */
export { createPortfolioReports } from './portfolio-reports';
export type { PortfolioReports, PortfolioReportsDeps, ReportRequest, ReportSettings } from './portfolio-reports';
export { buildPortfolioReport, portfolioTrend, snapshotOf, TREND_PERIODS } from './build-portfolio-report';
export type {
  AtRiskAccount,
  ManagerRollup,
  PortfolioReport,
  ReportAccountRow,
  ReportViewer,
  RiskReason,
  TierSummary,
} from './report-types';
export { reportVisibleTo, visibleTo } from './visibility';
export { riskText } from './risk-text';
export { CONTRACT_RISK_DAYS, NO_WIN_RISK_DAYS } from './at-risk';
export { createLiveLinks, LIVE_LINK_PATH } from './live-links';
export type { CreatedLink, LiveLinks } from './live-links';
export { reportToXlsx } from './exports/export-xlsx';
export { reportToCsv } from './exports/export-csv';
export { reportToJson } from './exports/export-json';
